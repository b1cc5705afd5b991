"""axe-core on every page, in bokmål, Swedish and English: zero WCAG 2.1 A/AA
violations. Each page is listed with the demo user who opens it; `{inspection}`
and the like are demo record ids (by key in RECORDS)."""

from __future__ import annotations

from typing import Any

import pytest

from services.demo.networks import FRAMEWORK_NAME

RECORDS = {
    "inspection": "Inspection of the nitrile glove factory in Perak, Malaysia",
    "framework": FRAMEWORK_NAME,
    "gloves": "Nordisk Medisinsk Forsyning AS",  # the supplier with a self-report
}

OFFICER = "innkjop@oslo.kommune.no"
MEMBER = "innkjop@bergen.kommune.no"
SUPPLIER = "rapportering@nordiskmedisinsk.no"

NOT_FOUND = "/reports/00000000-0000-0000-0000-000000000000"

PAGES_TO_CHECK: list[tuple[str | None, str]] = [
    (None, "/signin"),
    (OFFICER, "/"),
    (OFFICER, "/reports"),
    (OFFICER, "/reports?text=glove&severity=CRITICAL"),
    (OFFICER, "/reports/{inspection}"),
    (OFFICER, "/reports/new"),
    (OFFICER, "/networks"),
    (OFFICER, "/networks/{framework}"),
    (OFFICER, "/mini-competitions"),
    (OFFICER, "/contracts"),
    (OFFICER, "/audit-log"),
    (OFFICER, "/supply-chain"),
    (OFFICER, "/self-reports"),
    (OFFICER, "/self-reports/{gloves}"),  # a buyer's read, withheld answers marked
    (MEMBER, "/reports/{inspection}"),
    (SUPPLIER, "/"),
    (SUPPLIER, "/reports/{inspection}"),
    (SUPPLIER, "/self-reports/new"),
    (SUPPLIER, "/self-reports/{gloves}"),  # its own, with the access it granted
    (MEMBER, NOT_FOUND),
    ("samordnare@hallbarupphandling.se", "/coordination"),  # the coordinator's board
]


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_every_page_has_no_axe_violations(
    visitor_factory: Any, demo_ids: dict[str, str], language: str
) -> None:
    ids = {key: demo_ids[title] for key, title in RECORDS.items()}
    visitors: dict[str | None, Any] = {}
    failures: list[str] = []
    for user, template in PAGES_TO_CHECK:
        if user not in visitors:
            visitors[user] = visitor_factory(language)
            if user is not None:
                visitors[user].sign_in(user)
        visitor = visitors[user]
        response = visitor.goto(template.format(**ids))
        assert response.status == (404 if template == NOT_FOUND else 200), (
            f"{template}: {response.status}"
        )
        # A page whose operation the API refused shows its error instead of its content.
        alerts = visitor.page.locator('[role="alert"]').all_inner_texts()
        assert alerts == [], f"{template}: {alerts}"
        assert visitor.page.locator("html").get_attribute("lang") == language
        try:
            visitor.assert_accessible()
        except AssertionError as exc:
            failures.append(str(exc))
    assert failures == [], "\n".join(failures)
