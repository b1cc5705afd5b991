"""The demo world in a real browser: a member body's officer finds the glove-factory
report, sees what is withheld from it and downloads the shared PDF; the supplier
sees its corrective actions; an outsider gets a not-found page."""

from __future__ import annotations

from typing import Any

import httpx

OFFICER = "innkjop@bergen.kommune.no"  # a member of Oslo's framework agreement
SUPPLIER = "rapportering@nordiskmedisinsk.no"  # the glove supplier
OUTSIDER = "upphandling@regionstockholm.se"  # not in the framework agreement
GLOVES = "nitrile glove factory"


def test_officer_supplier_and_outsider(visitor_factory: Any) -> None:
    officer = visitor_factory("en")
    officer.sign_in(OFFICER)
    page = officer.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit reports").click()
    page.get_by_label("Search").fill("glove factory")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=GLOVES).first.wait_for()
    officer.assert_accessible()
    page.get_by_role("link", name=GLOVES).first.click()
    page.get_by_role("heading", level=1).wait_for()
    report_path = page.url.removeprefix(officer.base_url)
    assert report_path.startswith("/reports/")

    commercial = page.locator("#commercial-notes [data-withheld='commercialNotes']")
    interviews = page.locator("#worker-interviews [data-withheld='workerInterviews']")
    assert "Withheld" in commercial.inner_text() and "Restricted" in commercial.inner_text()
    assert "Withheld" in interviews.inner_text() and "Personal data" in interviews.inner_text()
    assert "recruitment fees" in page.locator("#summary").inner_text()
    officer.assert_accessible()

    pdf_link = page.locator("#documents a[href]").filter(has_text=".pdf").first
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    path = download.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    supplier = visitor_factory("en")
    supplier.sign_in(SUPPLIER)  # lands on its home: the corrective actions to answer
    actions = supplier.page.locator("#corrective-actions .corrective-action")
    assert actions.count() >= 3
    text = supplier.page.locator("#corrective-actions").inner_text()
    assert "Reimburse recruitment fees" in text and GLOVES in text
    supplier.assert_accessible()
    first = actions.filter(has=supplier.page.locator("form.answer")).first
    first.get_by_label("Progress note").fill("Remediation plan agreed; first repayments in May.")
    first.get_by_role("button", name="Send the answer").click()
    supplier.page.get_by_role("status").filter(has_text="Your answer is recorded.").wait_for()
    supplier.goto(report_path)
    note = "Latest note: Remediation plan agreed; first repayments in May."
    assert note in supplier.page.locator("#findings").inner_text()
    assert "Reimburse recruitment fees" in supplier.page.locator("#findings").inner_text()

    outsider = visitor_factory("en")
    outsider.sign_in(OUTSIDER)
    response = outsider.goto(report_path)
    assert response.status == 404
    assert outsider.page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert GLOVES not in outsider.page.content()
    outsider.assert_accessible()


def test_kjede_demo_prints_the_web_uis_address(demo_run: tuple[object, str], demo_url: str) -> None:
    assert "Web UI: http://127.0.0.1:8000/" in demo_run[1]
    response = httpx.get(f"{demo_url}/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    assert "Demo users" in httpx.get(f"{demo_url}/signin", headers={"accept-language": "en"}).text
