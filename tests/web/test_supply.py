"""The supply-chain pages in a real browser: a body's officer finds the facility
to audit first and opens its chain tier by tier; the glove supplier opens its
own chain in Norwegian; a body with no relation to the supplier sees only the root."""

from __future__ import annotations

from typing import Any

OFFICER = "innkjop@bergen.kommune.no"  # Bergen buys gloves from the glove supplier
SUPPLIER = "rapportering@nordiskmedisinsk.no"  # the glove supplier
OUTSIDER = "upphandling@regionstockholm.se"  # no contract with the glove supplier
FACTORY = "Perak Nitrile Gloves Sdn Bhd, Plant 2"
RUBBER = "Map Ta Phut Synthetic Rubber Plant"


def test_supply_chain_pages(visitor_factory: Any) -> None:
    officer = visitor_factory("en")
    officer.sign_in(OFFICER)
    page = officer.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supply chains").click()
    page.get_by_role("heading", name="Audit priorities").wait_for()
    factory = page.get_by_role("link", name=FACTORY)
    factory.wait_for()
    officer.assert_accessible()
    factory.click()
    page.get_by_role("heading", name="Tier 3").wait_for()
    assert FACTORY in page.get_by_role("heading", level=1).inner_text()
    assert (
        RUBBER
        in page.locator("section", has=page.get_by_role("heading", name="Tier 3")).inner_text()
    )
    chain_path = page.url.removeprefix(officer.base_url)
    officer.assert_accessible()

    supplier = visitor_factory("nb")
    supplier.sign_in(SUPPLIER)
    supplier.goto("/supply-chain")
    supplier.page.get_by_role("link", name="Leverandørkjeden til").click()
    supplier.page.get_by_role("heading", name="Ledd 4").wait_for()
    assert RUBBER in supplier.page.content()
    supplier.assert_accessible()

    outsider = visitor_factory("en")
    outsider.sign_in(OUTSIDER)
    outsider.goto(chain_path)
    outsider.page.get_by_role("heading", name="Tier 0 (the root)").wait_for()
    assert RUBBER not in outsider.page.content()
    outsider.assert_accessible()
