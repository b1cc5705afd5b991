"""The author's flow in a real browser: create a report, add a finding, upload a
document (with progress), submit and publish; a fødselsnummer in the summary
makes publishing fail with the guard's error at the summary, told in the page's
language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fpdf import FPDF

from web.i18n import Language

AUTHOR = "innkjop@oslo.kommune.no"
SUPPLIER_NAME = "Nordisk Medisinsk Forsyning AS"
FNR = "15038512363"  # a valid fødselsnummer (check digits hold)


def pdf_bytes(text: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.multi_cell(0, 10, text)
    return bytes(document.output())


def create_report(page: Any, title: str, summary: str, t: Callable[[str], str] = str) -> None:
    """Through the form, whose labels `t` gives in the page's language."""
    navigation = page.get_by_role("navigation", name=t("Main"))
    navigation.get_by_role("link", name=t("New report")).click()
    page.get_by_label(t("Title")).fill(title)
    page.get_by_label(t("Type")).select_option("SUPPLIER_MEETING")
    page.get_by_label(t("Supplier")).select_option(label=f"{SUPPLIER_NAME} (NO)")
    page.get_by_label(t("Summary")).fill(summary)
    page.get_by_role("button", name=t("Create draft")).click()
    page.get_by_role("heading", level=1, name=title).wait_for()


def test_create_add_finding_upload_submit_publish(visitor_factory: Any) -> None:
    author = visitor_factory("en")
    author.sign_in(AUTHOR)
    page = author.page
    create_report(page, "Follow-up meeting on glove recruitment fees", "Meeting held on site.")
    assert "Draft" in page.locator("dl.facts").inner_text()
    author.assert_accessible()

    form = page.locator("#add-finding form")
    form.get_by_label("Requirement").select_option("ILO_C29")
    form.get_by_label("Severity").select_option("MAJOR")
    form.get_by_label("Description", exact=True).fill("Recruitment fees are not yet repaid.")
    form.get_by_label("Corrective action", exact=True).fill("Repay the fees by the next payroll.")
    form.get_by_role("button", name="Add the finding").click()
    page.locator("#findings .finding").first.wait_for()
    assert "Recruitment fees are not yet repaid." in page.locator("#findings").inner_text()

    upload = page.locator("#documents form")
    upload.get_by_label("File (PDF, Word, Excel, image)").set_input_files(
        files=[
            {
                "name": "meeting-minutes.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("Minutes of the follow-up meeting. " * 200),
            }
        ]
    )
    upload.get_by_label("Classification").select_option("SHARED")
    upload.get_by_role("button", name="Upload").click()
    page.locator("#documents table").get_by_role(
        "cell", name="meeting-minutes.pdf", exact=True
    ).wait_for()
    author.assert_accessible()

    page.get_by_role("button", name="Submit the report").click()
    page.get_by_role("button", name="Publish the report").wait_for()
    assert "Submitted" in page.locator("dl.facts").inner_text()
    page.locator("#lifecycle").get_by_label("Share with").select_option("PRIVATE")
    page.get_by_role("button", name="Publish the report").click()
    page.get_by_role("button", name="Change sharing").wait_for()
    assert "Published" in page.locator("dl.facts").inner_text()
    author.assert_accessible()


def test_the_guards_error_points_at_the_summary(visitor_factory: Any) -> None:
    author = visitor_factory("en")
    author.sign_in(AUTHOR)
    page = author.page
    create_report(page, "Meeting with an injured welder", f"The welder {FNR} was injured in March.")
    page.get_by_role("button", name="Submit the report").click()
    page.get_by_role("button", name="Publish the report").click()
    summary_error = page.locator("#summary .field-error")
    summary_error.wait_for()
    assert "national identity number" in summary_error.inner_text()
    link = page.locator("#error-summary a[href='#error-summary']")
    assert link.count() == 1
    assert "Submitted" in page.locator("dl.facts").inner_text()
    author.assert_accessible()


def test_the_guards_error_is_told_in_the_pages_language(visitor_factory: Any) -> None:
    t = Language("nb").gettext
    author = visitor_factory("nb")
    author.sign_in(AUTHOR)
    page = author.page
    create_report(page, "Møte om en skadet sveiser", f"Sveiseren {FNR} ble skadet i mars.", t)
    page.get_by_role("button", name=t("Submit the report")).click()
    page.get_by_role("button", name=t("Publish the report")).click()
    summary_error = page.locator("#summary .field-error")
    summary_error.wait_for()
    assert summary_error.inner_text() == (
        "inneholder et fødselsnummer eller D-nummer, som må fjernes før deling"
    )
    assert summary_error.locator("[lang]").count() == 0  # not an English message
    author.assert_accessible()
