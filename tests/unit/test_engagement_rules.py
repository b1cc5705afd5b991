"""The auditor-engagement rule without a database (domain/engagements.py)."""

from __future__ import annotations

import pytest

from domain.engagements import (
    AuditorWrite,
    Engagement,
    EngagementScope,
    ReportFacts,
    check_can_end,
    check_engagement,
    covers,
    identical,
    require_engaged,
)
from domain.enums import OrganizationKind as K
from domain.errors import Forbidden, InvalidInput, NotFound

BODY, OTHER_BODY, FIRM, OTHER_FIRM = "body", "other-body", "firm", "other-firm"
SUPPLIER, OTHER_SUPPLIER = "supplier", "other-supplier"

REPORT = Engagement("e1", BODY, FIRM, report_id="r1")
CONTRACT = Engagement("e2", BODY, FIRM, contract_id="c1", contract_supplier_id=SUPPLIER)
GENERAL = Engagement("e3", BODY, FIRM)


def write(
    report_id: str | None = None,
    *,
    body_id: str = BODY,
    auditor_id: str = FIRM,
    supplier_id: str = SUPPLIER,
) -> AuditorWrite:
    return AuditorWrite(body_id, auditor_id, supplier_id, report_id)


def test_the_scope_follows_what_the_engagement_names() -> None:
    assert [REPORT.scope, CONTRACT.scope, GENERAL.scope] == [
        EngagementScope.REPORT,
        EngagementScope.CONTRACT,
        EngagementScope.GENERAL,
    ]


# (engagement, write, suppliers the body has contracts with, covered?)
COVERS = [
    pytest.param(REPORT, write("r1"), set(), True, id="report: that report"),
    pytest.param(REPORT, write("r2"), {SUPPLIER}, False, id="report: another report"),
    pytest.param(REPORT, write(None), {SUPPLIER}, False, id="report: not a new report"),
    pytest.param(CONTRACT, write(None), set(), True, id="contract: new report on its supplier"),
    pytest.param(CONTRACT, write("r9"), set(), True, id="contract: a report on its supplier"),
    pytest.param(
        CONTRACT,
        write(None, supplier_id=OTHER_SUPPLIER),
        {OTHER_SUPPLIER},
        False,
        id="contract: not another supplier",
    ),
    pytest.param(GENERAL, write(None), {SUPPLIER}, True, id="general: a supplier under contract"),
    pytest.param(GENERAL, write("r9"), {SUPPLIER}, True, id="general: its existing report"),
    pytest.param(GENERAL, write(None), {OTHER_SUPPLIER}, False, id="general: no contract"),
    pytest.param(GENERAL, write(None), set(), False, id="general: the body has no contracts"),
    pytest.param(GENERAL, write(None, body_id=OTHER_BODY), {SUPPLIER}, False, id="another body"),
    pytest.param(GENERAL, write(None, auditor_id=OTHER_FIRM), {SUPPLIER}, False, id="another firm"),
    pytest.param(
        REPORT, write("r1", auditor_id=OTHER_FIRM), set(), False, id="report: another firm"
    ),
]


@pytest.mark.parametrize(("engagement", "attempt", "suppliers", "expected"), COVERS)
def test_covers(
    engagement: Engagement, attempt: AuditorWrite, suppliers: set[str], expected: bool
) -> None:
    assert covers(engagement, attempt, suppliers) is expected
    if expected:
        require_engaged([engagement], attempt, suppliers)
    else:
        with pytest.raises(Forbidden):
            require_engaged([engagement], attempt, suppliers)


def test_one_covering_engagement_among_many_is_enough() -> None:
    others = [Engagement("x", OTHER_BODY, FIRM), Engagement("y", BODY, OTHER_FIRM)]
    require_engaged([*others, CONTRACT], write(None), set())
    with pytest.raises(Forbidden):
        require_engaged(others, write(None), {SUPPLIER})


def test_refusals_say_what_to_ask_for() -> None:
    with pytest.raises(Forbidden) as new_report:
        require_engaged([], write(None), {SUPPLIER})
    assert new_report.value.code == "FORBIDDEN"
    assert new_report.value.field == "commissionedById"
    assert "has not engaged your firm for audits of this supplier" in new_report.value.message
    assert "engageAuditor" in new_report.value.message
    with pytest.raises(Forbidden) as existing:
        require_engaged([REPORT], write("r2"), set())
    assert existing.value.message == (
        "the commissioning body has not engaged your firm for this report; "
        "ask the body to engage you (engageAuditor)"
    )


VALID: dict[str, object] = {
    "body_id": BODY,
    "body_kind": K.PUBLIC_BODY,
    "auditor_id": FIRM,
    "auditor_kind": K.AUDITOR,
}

# (overrides of VALID, error type, field)
CHECKS = [
    pytest.param({}, None, None, id="general"),
    pytest.param({"body_kind": K.COORDINATOR}, None, None, id="a coordinator engages"),
    pytest.param(
        {"report_id": "r1", "report": ReportFacts(BODY, FIRM)}, None, None, id="for a report"
    ),
    pytest.param({"contract_id": "c1", "contract_buyer_id": BODY}, None, None, id="for a contract"),
    pytest.param({"body_kind": K.SUPPLIER}, Forbidden, None, id="a supplier cannot engage"),
    pytest.param({"body_kind": K.AUDITOR}, Forbidden, None, id="a firm cannot engage"),
    pytest.param({"auditor_kind": None}, InvalidInput, "auditorId", id="no such organisation"),
    pytest.param(
        {"auditor_kind": K.SUPPLIER}, InvalidInput, "auditorId", id="a supplier is no firm"
    ),
    pytest.param(
        {"auditor_kind": K.PUBLIC_BODY}, InvalidInput, "auditorId", id="a body is no firm"
    ),
    pytest.param(
        {
            "report_id": "r1",
            "report": ReportFacts(BODY, FIRM),
            "contract_id": "c1",
            "contract_buyer_id": BODY,
        },
        InvalidInput,
        "contractId",
        id="report and contract",
    ),
    pytest.param({"report_id": "r1"}, InvalidInput, "reportId", id="no such report"),
    pytest.param(
        {"report_id": "r1", "report": ReportFacts(OTHER_BODY, FIRM)},
        InvalidInput,
        "reportId",
        id="another body's report",
    ),
    pytest.param(
        {"report_id": "r1", "report": ReportFacts(BODY, OTHER_FIRM)},
        InvalidInput,
        "reportId",
        id="a report naming another firm",
    ),
    pytest.param(
        {"report_id": "r1", "report": ReportFacts(BODY, None)},
        InvalidInput,
        "reportId",
        id="a report naming no firm",
    ),
    pytest.param({"contract_id": "c1"}, InvalidInput, "contractId", id="no such contract"),
    pytest.param(
        {"contract_id": "c1", "contract_buyer_id": OTHER_BODY},
        InvalidInput,
        "contractId",
        id="another body's contract",
    ),
]


@pytest.mark.parametrize(("overrides", "error", "field"), CHECKS)
def test_check_engagement(
    overrides: dict[str, object], error: type[Exception] | None, field: str | None
) -> None:
    arguments: dict[str, object] = {**VALID, **overrides}
    if error is None:
        check_engagement(**arguments)  # type: ignore[arg-type]
        return
    with pytest.raises(error) as raised:
        check_engagement(**arguments)  # type: ignore[arg-type]
    assert getattr(raised.value, "field", None) == field


def test_another_bodys_record_and_a_missing_one_read_the_same() -> None:
    messages = []
    for report in (None, ReportFacts(OTHER_BODY, FIRM)):
        with pytest.raises(InvalidInput) as raised:
            check_engagement(**VALID, report_id="r1", report=report)  # type: ignore[arg-type]
        messages.append(raised.value.message)
    assert messages[0] == messages[1]


@pytest.mark.parametrize(
    ("report_id", "contract_id", "expected"),
    [
        (None, None, GENERAL),
        ("r1", None, REPORT),
        (None, "c1", CONTRACT),
        ("r2", None, None),
        (None, "c2", None),
    ],
)
def test_identical_finds_the_same_scope_only(
    report_id: str | None, contract_id: str | None, expected: Engagement | None
) -> None:
    found = identical(
        [REPORT, CONTRACT, GENERAL],
        body_id=BODY,
        auditor_id=FIRM,
        report_id=report_id,
        contract_id=contract_id,
    )
    assert found == expected


def test_identical_is_per_body_and_firm() -> None:
    assert (
        identical([GENERAL], body_id=OTHER_BODY, auditor_id=FIRM, report_id=None, contract_id=None)
        is None
    )
    assert (
        identical([GENERAL], body_id=BODY, auditor_id=OTHER_FIRM, report_id=None, contract_id=None)
        is None
    )


@pytest.mark.parametrize(
    ("organization_id", "error"),
    [(BODY, None), (FIRM, Forbidden), (OTHER_BODY, NotFound), (OTHER_FIRM, NotFound)],
)
def test_only_the_engaging_body_ends_an_engagement(
    organization_id: str, error: type[Exception] | None
) -> None:
    if error is None:
        check_can_end(organization_id, body_id=BODY, auditor_id=FIRM)
        return
    with pytest.raises(error):
        check_can_end(organization_id, body_id=BODY, auditor_id=FIRM)
