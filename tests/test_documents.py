"""Upload sniffing, PDF metadata stripping and the shared renditions of a report."""

from __future__ import annotations

import copy
import datetime
import io
import json
import struct
import zipfile
import zlib
from typing import Any

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from storage.documents import (
    ALLOWED_TYPES,
    CSV,
    DOCX,
    JPEG,
    PDF,
    PLAIN_TEXT,
    PNG,
    SNIFF_BYTES,
    XLSX,
    UnsupportedDocument,
    pdf_text,
    sniff_content_type,
    strip_pdf_metadata,
)
from storage.renditions import render_json, render_pdf

KARI = "Kari Nordmann"

# --- sample files -------------------------------------------------------------


def png_bytes() -> bytes:
    """A 1x1 PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
ELF_HEAD = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
EXE_HEAD = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)


def fpdf_bytes(*pages: str, author: str | None = None, xmp: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    if author:
        pdf.set_author(author)
        pdf.set_creator(f"Word for {author}")
        pdf.set_subject(f"Notes by {author}")
    if xmp:
        pdf.set_xmp_metadata(xmp)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def office_zip(*entries: str, padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" + " " * padding)
        for name in entries:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


# --- sniff_content_type -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (png_bytes(), "photo.png", PNG),
        (png_bytes(), "PHOTO.PNG", PNG),
        (JPEG_HEAD, "photo.jpg", JPEG),
        (JPEG_HEAD, "photo.jpeg", JPEG),
        (fpdf_bytes("Revisjonsrapport"), "report.pdf", PDF),
        (fpdf_bytes("Revisjonsrapport"), "report", PDF),
        (office_zip("word/document.xml"), "report.docx", DOCX),
        (office_zip("xl/workbook.xml", "xl/worksheets/sheet1.xml"), "sheet.xlsx", XLSX),
        ("Funn: overtid på fabrikken\n".encode(), "notes.txt", PLAIN_TEXT),
        ("Funn: overtid på fabrikken\n".encode(), "notes", PLAIN_TEXT),
        ("leverandør;land\nÆrlig AS;NO\n".encode(), "suppliers.csv", CSV),
        ("\ufeffleverandør,land\n".encode(), "suppliers.CSV", CSV),
    ],
)
def test_sniff_accepts(data: bytes, filename: str, expected: str) -> None:
    assert sniff_content_type(data[:SNIFF_BYTES], filename) == expected
    assert expected in ALLOWED_TYPES


def test_sniff_text_head_cut_inside_a_character() -> None:
    head = ("a" * 10 + "ø").encode()[:-1]  # the head ends half-way through "ø"
    assert sniff_content_type(head, "notes.txt") == PLAIN_TEXT


def test_sniff_office_type_beyond_the_head_falls_back_to_the_name() -> None:
    # The first entry is so large that neither word/ nor the central directory
    # is within the head: the magic only says ZIP.
    data = office_zip("word/document.xml", padding=3 * SNIFF_BYTES)
    head = data[:SNIFF_BYTES]
    assert b"word/" not in head
    assert sniff_content_type(head, "report.docx") == DOCX
    assert sniff_content_type(head, "sheet.xlsx") == XLSX
    with pytest.raises(UnsupportedDocument, match="ZIP"):
        sniff_content_type(head, "archive.zip")
    with pytest.raises(UnsupportedDocument, match="ZIP"):
        sniff_content_type(head, "report")


@pytest.mark.parametrize(
    ("data", "filename"),
    [(ELF_HEAD, "tool"), (ELF_HEAD, "report.pdf"), (EXE_HEAD, "setup.exe")],
)
def test_sniff_rejects_executables(data: bytes, filename: str) -> None:
    with pytest.raises(UnsupportedDocument) as caught:
        sniff_content_type(data, filename)
    message = str(caught.value)
    assert "are not accepted" in message
    assert "upload PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV" in message


def test_sniff_rejects_unknown_binary_and_empty() -> None:
    with pytest.raises(UnsupportedDocument, match="not accepted"):
        sniff_content_type(b"\x00\x01\x02\xfe\xff" * 20, "blob.bin")
    with pytest.raises(UnsupportedDocument, match="not accepted"):
        sniff_content_type(b"caf\xe9 latin-1 text", "notes.txt")
    with pytest.raises(UnsupportedDocument, match="empty"):
        sniff_content_type(b"", "notes.txt")


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (png_bytes(), "report.pdf", "PNG"),
        (fpdf_bytes("x"), "photo.png", "PDF"),
        (b"just text\n", "report.pdf", "plain text"),
        (b"just text\n", "notes.md", "plain text"),
        (office_zip("word/document.xml"), "sheet.xlsx", "DOCX"),
        (office_zip("xl/workbook.xml"), "report.docx", "XLSX"),
    ],
)
def test_sniff_rejects_a_name_that_contradicts_the_content(
    data: bytes, filename: str, says: str
) -> None:
    extension = filename.rsplit(".", 1)[1]
    with pytest.raises(UnsupportedDocument) as caught:
        sniff_content_type(data, filename)
    message = str(caught.value)
    assert f".{extension}" in message
    assert says in message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=256), st.sampled_from(["a.pdf", "a.txt", "a.docx", "a", "a.exe"]))
def test_sniff_either_accepts_or_says_why(data: bytes, filename: str) -> None:
    try:
        assert sniff_content_type(data, filename) in ALLOWED_TYPES
    except UnsupportedDocument as exc:
        assert str(exc)


# --- strip_pdf_metadata / pdf_text --------------------------------------------

XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
    f"<dc:creator><rdf:Seq><rdf:li>{KARI}</rdf:li></rdf:Seq></dc:creator>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def pdf_with_metadata() -> bytes:
    """Author in /Info and XMP in the catalog (fpdf2), XMP on a page too (pypdf)."""
    source = fpdf_bytes("Side en: overtid", "Side to: lønn", author=KARI, xmp=XMP)
    writer = PdfWriter(clone_from=io.BytesIO(source))
    page_xmp = DecodedStreamObject()
    page_xmp.set_data(XMP.encode())
    page_xmp[NameObject("/Type")] = NameObject("/Metadata")
    page_xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.pages[0][NameObject("/Metadata")] = writer._add_object(page_xmp)
    writer.add_metadata({"/Title": f"Rapport fra {KARI}", "/Keywords": KARI})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_strip_pdf_metadata_removes_author_and_xmp() -> None:
    original = pdf_with_metadata()
    reader = PdfReader(io.BytesIO(original))
    assert KARI.encode() in original  # the fixture really carries the name
    assert reader.metadata is not None and reader.metadata.author == KARI
    assert "/Metadata" in reader.root_object
    assert "/Metadata" in reader.pages[0]

    out = io.BytesIO()
    strip_pdf_metadata(io.BytesIO(original), out)
    stripped = out.getvalue()

    assert KARI.encode() not in stripped
    assert KARI.encode("utf-16-be") not in stripped
    reader = PdfReader(io.BytesIO(stripped))
    assert not reader.metadata  # no /Info at all, not even a Producer
    assert reader.xmp_metadata is None
    assert "/Metadata" not in reader.root_object
    assert all("/Metadata" not in page for page in reader.pages)
    assert len(reader.pages) == 2
    text = pdf_text(io.BytesIO(stripped))
    assert "Side en: overtid" in text
    assert "Side to: lønn" in text


def test_strip_pdf_metadata_rejects_a_broken_pdf() -> None:
    with pytest.raises(UnsupportedDocument, match="the PDF could not be read"):
        strip_pdf_metadata(io.BytesIO(b"%PDF-1.7\nnot really"), io.BytesIO())
    with pytest.raises(UnsupportedDocument, match="the PDF could not be read"):
        pdf_text(io.BytesIO(png_bytes()))


def test_strip_pdf_metadata_rejects_a_password_protected_pdf() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(fpdf_bytes("hemmelig")))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnsupportedDocument, match="password"):
        strip_pdf_metadata(io.BytesIO(buffer.getvalue()), io.BytesIO())


# --- renditions ---------------------------------------------------------------


def redacted_report() -> dict[str, Any]:
    """A report as redacted for SHARED clearance, with caller extras that must not print."""
    return {
        "id": "rep-42",
        "title": "Inspeksjon av Ærlig Tekstil AS",
        "reportType": "INSPECTION_ABROAD",
        "status": "PUBLISHED",
        "shareScope": "NETWORK",
        "auditDate": "2024-05-02",
        "publishedAt": "2024-06-01T10:30:00+02:00",
        "commissionedBy": {"name": "Oslo kommune", "orgNumber": "INTERNAL-ORGNO-1"},
        "auditor": {"name": "Revisjon Nord AS"},
        "supplier": {"name": "Åsa Möller AB"},
        "facilities": [
            {"name": "Syfabrikk 3", "country": "VN", "address": "12 Le Loi, Da Nang"},
        ],
        "summary": "Blåbærsyltetøy og ÆØÅ äö: funn i sømavdelingen.",
        "commercialNotes": None,
        "workerInterviews": None,
        "findings": [
            {
                "requirement": "WORKING_HOURS",
                "severity": "MAJOR",
                "description": "Overtid utover 60 timer per uke.",
                "evidence": None,
                "correctiveAction": {
                    "description": "Innføre timeregistrering.",
                    "dueDate": "2024-09-30",
                    "status": "IN_PROGRESS",
                },
                "internalScore": "SECRET-SCORE-77",
            },
            {
                "requirement": "ILO_C138",
                "severity": "OBSERVATION",
                "description": "Aldersdokumentasjon mangler for to ansatte.",
                "evidence": "Kopier av ID-kort i mappe 3.",
                "correctiveAction": None,
            },
        ],
        "redactedFields": ["commercialNotes", "workerInterviews", "findings.0.evidence"],
        "clearance": "SHARED",
        # Not part of the rendition's shape: must never be printed.
        "internalPrice": "NOK 1 234 567",
        "contactPerson": {"name": KARI, "phone": "+47 912 34 567"},
    }


def rendered_text(report: dict[str, Any]) -> str:
    return pdf_text(io.BytesIO(render_pdf(report)))


def test_render_pdf_shows_the_redacted_structure() -> None:
    text = rendered_text(redacted_report())
    for shown in (
        "Inspeksjon av Ærlig Tekstil AS",
        "Inspection abroad",
        "Oslo kommune",
        "Revisjon Nord AS",
        "Åsa Möller AB",
        "Syfabrikk 3",
        "Da Nang",
        "Overtid utover 60 timer per uke.",
        "Innføre timeregistrering.",
        "2024-09-30",
        "In progress",
        "ILO C138",
        "Kopier av ID-kort i mappe 3.",
        "Withheld from this rendition: commercialNotes, workerInterviews, findings.0.evidence",
    ):
        assert shown in text, shown


def test_render_pdf_prints_only_known_fields() -> None:
    report = redacted_report()
    pdf = render_pdf(report)
    text = pdf_text(io.BytesIO(pdf))
    for hidden in ("NOK 1 234 567", KARI, "912 34 567", "SECRET-SCORE-77", "INTERNAL-ORGNO"):
        assert hidden not in text, hidden
        assert hidden.encode() not in pdf
    assert "Commercial notes" not in text
    assert "Worker interviews" not in text
    assert "Evidence" in text  # finding 1 shows its evidence; finding 0 does not
    assert text.count("Evidence") == 1


def test_render_pdf_shows_unwithheld_restricted_fields_for_a_higher_clearance() -> None:
    report = redacted_report()
    report.update(commercialNotes="Pris per plagg 41 kr.", redactedFields=["workerInterviews"])
    text = rendered_text(report)
    assert "Commercial notes" in text
    assert "Pris per plagg 41 kr." in text
    assert "Withheld from this rendition: workerInterviews" in text


def test_renditions_refuse_a_withheld_field_that_still_has_a_value() -> None:
    report = redacted_report()
    report["findings"][0]["evidence"] = "Lønnslister viser 72 timer."
    with pytest.raises(ValueError, match=r"findings\.0\.evidence"):
        render_pdf(report)
    with pytest.raises(ValueError, match=r"findings\.0\.evidence"):
        render_json(report)


def test_render_pdf_keeps_nordic_letters_and_replaces_the_rest() -> None:
    report = redacted_report()
    report["summary"] = "Søm, blåbær, ÆØÅ, äö \u2013 «Čáhppes» đ ŋ 工厂 \x07"
    text = rendered_text(report)
    assert "Søm, blåbær, ÆØÅ, äö \u2013 «Cáhppes» d n ??" in text


def test_render_pdf_metadata_is_neutral() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(redacted_report())))
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "Inspeksjon av Ærlig Tekstil AS"
    assert metadata.author is None
    assert metadata.creator == "kjede"
    assert metadata.producer == "kjede"
    assert metadata.creation_date == datetime.datetime(2024, 6, 1, 8, 30, tzinfo=datetime.UTC)
    assert reader.xmp_metadata is None


def test_render_pdf_is_deterministic() -> None:
    report = redacted_report()
    first = render_pdf(report)
    assert render_pdf(copy.deepcopy(report)) == first
    assert render_pdf(dict(reversed(list(report.items())))) == first
    unpublished = {**report, "publishedAt": None}
    assert render_pdf(unpublished) == render_pdf(copy.deepcopy(unpublished))
    assert render_pdf({**report, "summary": "Annet."}) != first


def test_render_pdf_breaks_long_reports_over_pages() -> None:
    report = redacted_report()
    finding = {k: v for k, v in report["findings"][1].items() if k != "evidence"}
    report["findings"] = [dict(finding, description=f"Funn nummer {n}.") for n in range(80)]
    report["redactedFields"] = []
    report["summary"] = "ord " * 2000 + "https://example.org/" + "x" * 300
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    assert len(reader.pages) > 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Funn nummer 79." in text
    assert "Withheld from this rendition" not in text


def test_render_pdf_rejects_a_wrong_shape() -> None:
    with pytest.raises(TypeError, match="summary"):
        render_pdf({**redacted_report(), "summary": {"nested": "secret"}})


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_render_pdf_survives_any_text(summary: str) -> None:
    render_pdf({**redacted_report(), "summary": summary})


def test_render_json_round_trips_canonically() -> None:
    report = redacted_report()
    data = render_json(report)
    assert json.loads(data) == report
    assert "Blåbærsyltetøy".encode() in data  # UTF-8, not \u escapes
    assert render_json(dict(reversed(list(report.items())))) == data
    assert data.startswith(b'{\n  "auditDate"')
