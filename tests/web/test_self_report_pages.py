"""Self-report pages in a real browser, on the demo world: the glove supplier's
reporter answers the questionnaire again by keyboard and mouse and sees its new
version (the first stays readable); Oslo, which buys gloves from it, reads the
latest with the personal answers marked withheld (bokmål); Region Stockholm, with
no contract and no grant, gets the not-found page and an empty list."""

from __future__ import annotations

import re
from typing import Any

SUPPLIER = "rapportering@nordiskmedisinsk.no"
SUPPLIER_NAME = "Nordisk Medisinsk Forsyning AS"
BUYER = "innkjop@oslo.kommune.no"
OUTSIDER = "upphandling@regionstockholm.se"
# A new sub-supplier beside the demo's chain (it shortens no path of test_supply's tiers).
PACKAGING = "Penang Carton Packaging Sdn Bhd"


def test_self_report_pages(visitor_factory: Any) -> None:
    supplier = visitor_factory("en")
    supplier.sign_in(SUPPLIER)
    page = supplier.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Self-reports").click()
    page.get_by_role("heading", level=1, name="Self-reports").wait_for()
    supplier.assert_accessible()
    page.get_by_role("link", name="Answer the questionnaire (new version)").click()
    page.get_by_role("heading", level=1, name="New version of your self-report").wait_for()
    supplier.assert_accessible()

    # The form holds the latest version; the keyboard moves a radio group's answer.
    forced = page.get_by_role("group", name=re.compile(r"^ILO C29"))
    forced.get_by_role("radio", name="Partly compliant").focus()
    page.keyboard.press("ArrowUp")
    assert forced.get_by_role("radio", name="Compliant", exact=True).is_checked()
    tiers = page.get_by_label("How many tiers of your supply chain do you know by name?")
    tiers.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("4")
    certifications = page.get_by_role("group", name=re.compile(r"^Which certifications"))
    certifications.get_by_role("checkbox", name="SA8000").click()
    row = page.get_by_role("group", name="Sub-supplier 1")
    row.get_by_label("Organisation number", exact=True).fill("202001054321")
    row.get_by_label("Name", exact=True).fill(PACKAGING)
    row.get_by_label("Country", exact=True).fill("MY")
    category = row.get_by_label("Product category", exact=True)
    category.fill("packaging")
    # Enter in a field submits the version (not the first "More rows" button).
    category.press("Enter")

    page.get_by_role("heading", level=1, name=f"Self-report of {SUPPLIER_NAME}").wait_for()
    main = page.locator("main")
    assert "2 (the latest)" in main.inner_text()
    assert "SA8000, amfori BSCI, ISO 14001" in page.locator("#answer-certifications").inner_text()
    assert page.locator("#answer-knownTiers").inner_text().strip() == "4"
    assert PACKAGING in page.get_by_role("region", name="Sub-suppliers").inner_text()
    versions = page.get_by_role("region", name="Versions")
    assert versions.get_by_role("link").all_inner_texts() == ["Version 2", "Version 1"]
    own_path = page.url.removeprefix(supplier.base_url)
    supplier.assert_accessible()
    versions.get_by_role("link", name="Version 1").click()
    page.wait_for_url(re.compile(r"\?version=1$"))
    assert "SA8000" not in page.locator("#answer-certifications").inner_text()
    supplier.assert_accessible()

    buyer = visitor_factory("nb")
    buyer.sign_in(BUYER)
    buyer.goto("/self-reports")
    buyer.page.get_by_role("link", name=SUPPLIER_NAME).click()
    buyer.page.get_by_role("heading", level=1, name=f"Egenrapport fra {SUPPLIER_NAME}").wait_for()
    read = buyer.page.locator("main").inner_text()
    assert "2 (den siste)" in read and PACKAGING in read
    withheld = buyer.page.locator('[data-withheld="answers.policyOwner"]')
    assert "Personopplysninger" in withheld.inner_text()
    assert "Administrerende direktør" not in read  # the policy owner's answer
    assert buyer.page.get_by_role("heading", name="Gi tilgang").count() == 0  # the supplier's
    buyer.assert_accessible()

    outsider = visitor_factory("en")
    outsider.sign_in(OUTSIDER)
    assert outsider.goto(own_path).status == 404
    outsider.page.get_by_role("heading", level=1, name="Not found").wait_for()
    outsider.goto("/self-reports")
    assert outsider.page.get_by_role("link", name=SUPPLIER_NAME).count() == 0
    assert "No self-reports you may read." in outsider.page.locator("main").inner_text()
    outsider.assert_accessible()
