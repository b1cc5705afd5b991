"""Upload sniffing, PDF metadata stripping and the shared renditions of a report."""

from __future__ import annotations

import copy
import datetime
import io
import json
import zipfile
from typing import Any

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from domain.personal_data import find_personal_data
from services.content.files import (
    ALLOWED_TYPES,
    CSV,
    DOCX,
    JPEG,
    PDF,
    PLAIN_TEXT,
    PNG,
    SCANNABLE_TYPES,
    SNIFF_BYTES,
    XLSX,
    UnsupportedDocument,
    extract_text,
    pdf_text,
    requires_review,
    sniff_content_type,
    strip_pdf_metadata,
)
from services.content.renditions import render_json, render_pdf
from tests.samples import png_bytes

KARI = "Kari Nordmann"

# --- sample files -------------------------------------------------------------


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


# --- extract_text / requires_review ------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
SHEET = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MB = 1024 * 1024


def paragraph(*runs: str) -> str:
    return "<w:p>" + "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs) + "</w:p>"


CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def content_types(*overrides: tuple[str, str]) -> str:
    """[Content_Types].xml: XML and relationship parts by extension, `overrides` by name."""
    return (
        f'<Types xmlns="{CONTENT_TYPES_NS}">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + "".join(f'<Override PartName="/{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )


def relationships(*targets: tuple[str, str]) -> str:
    """A relationships part: (type, target) pairs."""
    return (
        f'<Relationships xmlns="{PACKAGE_RELS_NS}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{OFFICE_REL}/{kind}" Target="{target}"/>'
            for i, (kind, target) in enumerate(targets, 1)
        )
        + "</Relationships>"
    )


def docx_bytes(body: str, parts: dict[str, str] | None = None) -> bytes:
    """A minimal Word document: content types, package relationship, body, `parts`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(("word/document.xml", WORD_MAIN)))
        archive.writestr("_rels/.rels", relationships(("officeDocument", "word/document.xml")))
        archive.writestr(
            "word/document.xml", f"<w:document {W}><w:body>{body}</w:body></w:document>"
        )
        for name, xml in (parts or {}).items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def xlsx_bytes(shared: list[str], rows: str) -> bytes:
    """A minimal workbook: shared strings (each an XML fragment of <si>) and one sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(("xl/workbook.xml", EXCEL_MAIN)))
        archive.writestr("_rels/.rels", relationships(("officeDocument", "xl/workbook.xml")))
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            relationships(
                ("sharedStrings", "sharedStrings.xml"), ("worksheet", "worksheets/a.xml")
            ),
        )
        archive.writestr("xl/workbook.xml", f"<workbook {SHEET}/>")
        archive.writestr(
            "xl/sharedStrings.xml",
            f"<sst {SHEET}>" + "".join(f"<si>{s}</si>" for s in shared) + "</sst>",
        )
        archive.writestr(
            "xl/worksheets/a.xml",
            f"<worksheet {SHEET}><sheetData>{rows}</sheetData></worksheet>",
        )
    return buffer.getvalue()


def docx_with_large_parts(*sizes: int) -> bytes:
    """A DOCX whose parts are mostly whitespace: tiny compressed, `sizes` bytes inflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(("word/document.xml", WORD_MAIN)))
        archive.writestr("_rels/.rels", relationships(("officeDocument", "word/document.xml")))
        for index, size in enumerate(sizes):
            name = "word/document.xml" if index == 0 else f"word/header{index}.xml"
            with archive.open(name, "w") as member:
                member.write(f"<w:document {W}>".encode())
                for _ in range(size // MB):
                    member.write(b" " * MB)
                member.write(b"</w:document>")
    return buffer.getvalue()


def extract(content_type: str, data: bytes, max_chars: int = 5_000_000) -> str:
    return extract_text(content_type, io.BytesIO(data), max_chars=max_chars)


def test_scannable_types_are_the_accepted_types_with_text() -> None:
    assert frozenset({PDF, DOCX, XLSX, PLAIN_TEXT, CSV}) == SCANNABLE_TYPES
    assert all(content_type in ALLOWED_TYPES for content_type in SCANNABLE_TYPES)


def test_extract_text_docx_joins_the_runs_of_a_paragraph() -> None:
    body = (
        paragraph("E-post: kari.nordmann@", "example.no")
        + paragraph("Telefon: 412", " 34 567")
        + paragraph("Neste avsnitt")
    )
    data = docx_bytes(body)
    assert sniff_content_type(data[:SNIFF_BYTES], "rapport.docx") == DOCX
    text = extract(DOCX, data)
    assert "E-post: kari.nordmann@example.no\nTelefon: 412 34 567\nNeste avsnitt\n" in text
    assert requires_review(DOCX, text) is None
    assert [hit.kind for hit in find_personal_data(text)] == ["EMAIL", "PHONE"]


def test_extract_text_docx_reads_every_part_with_text_and_deletions() -> None:
    deleted = "<w:p><w:del><w:r><w:delText>slettet 98765432</w:delText></w:r></w:del></w:p>"
    data = docx_bytes(
        paragraph("Brødtekst") + deleted,
        {
            "word/header1.xml": f"<w:hdr {W}>{paragraph('Laget av ola@', 'example.no')}</w:hdr>",
            "word/footer2.xml": f"<w:ftr {W}>{paragraph('Bunntekst')}</w:ftr>",
            "word/footnotes.xml": f"<w:footnotes {W}>{paragraph('Fotnote')}</w:footnotes>",
            "word/comments.xml": f"<w:comments {W}>{paragraph('Kommentar')}</w:comments>",
            "word/styles.xml": f"<w:styles {W}>{paragraph('Stilnavn')}</w:styles>",
        },
    )
    text = extract(DOCX, data)
    for shown in (
        "Brødtekst",
        "slettet 98765432",
        "Laget av ola@example.no",
        "Bunntekst",
        "Fotnote",
        "Kommentar",
    ):
        assert shown in text, shown
    # Every part is read, even one no program would show: it travels with the file.
    assert "Stilnavn" in text


def test_extract_text_xlsx_reads_shared_inline_and_numeric_cells() -> None:
    rows = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>41234567</v></c>'
        '<c r="C1" t="inlineStr"><is><t>Inline tekst</t></is></c></row>'
    )
    shared = ["<t>Kontakt</t>", "<r><t>kari.nordmann@</t></r><r><t>example.no</t></r>"]
    data = xlsx_bytes(shared, rows)
    assert sniff_content_type(data[:SNIFF_BYTES], "liste.xlsx") == XLSX
    text = extract(XLSX, data)
    # A shared-string cell's value is an index into the shared strings: not text.
    assert "Kontakt\nkari.nordmann@example.no\n" in text
    assert "\t41234567\tInline tekst\t\n" in text
    assert "1\t" not in text
    assert [hit.kind for hit in find_personal_data(text)] == ["EMAIL", "PHONE"]
    assert requires_review(XLSX, text) is None


def test_extract_text_refuses_a_part_that_inflates_beyond_the_cap() -> None:
    data = docx_with_large_parts(51 * MB)
    assert len(data) < MB  # the upload itself is small
    with pytest.raises(UnsupportedDocument, match=r"too large to check .* word/document\.xml"):
        extract(DOCX, data)


def test_extract_text_refuses_parts_that_together_inflate_beyond_the_cap() -> None:
    data = docx_with_large_parts(1 * MB, 40 * MB, 40 * MB, 40 * MB)
    with pytest.raises(UnsupportedDocument, match=r"too large to check .* word/header3\.xml"):
        extract(DOCX, data)


def test_extract_text_refuses_too_much_text_rather_than_truncating() -> None:
    data = docx_bytes(paragraph("kari.nordmann@example.no"))
    with pytest.raises(UnsupportedDocument, match="more than 10 characters"):
        extract(DOCX, data, max_chars=10)
    with pytest.raises(UnsupportedDocument, match="more than 10 characters"):
        extract(PLAIN_TEXT, b"a" * 11, max_chars=10)
    with pytest.raises(UnsupportedDocument, match="more than 10 characters"):
        extract(PDF, fpdf_bytes("Revisjonsrapport med funn"), max_chars=10)
    assert extract(PLAIN_TEXT, b"a" * 10, max_chars=10) == "a" * 10


def test_extract_text_refuses_a_dtd() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    data = docx_bytes("", {"word/header1.xml": f"{laughs}<w:hdr {W}>&lol2;</w:hdr>"})
    with pytest.raises(UnsupportedDocument, match="declares a DTD"):
        extract(DOCX, data)


@pytest.mark.parametrize("content_type", [DOCX, XLSX])
def test_extract_text_rejects_a_broken_office_file(content_type: str) -> None:
    with pytest.raises(UnsupportedDocument, match="could not be read"):
        extract(content_type, b"PK\x03\x04 not really a zip")
    broken = docx_bytes("<w:p><w:r><w:t>unclosed</w:r></w:p>")
    with pytest.raises(UnsupportedDocument, match="could not be read"):
        extract(DOCX, broken)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=512), st.sampled_from([DOCX, XLSX, PDF, PLAIN_TEXT]))
def test_extract_text_either_reads_or_says_why(data: bytes, content_type: str) -> None:
    try:
        assert isinstance(extract(content_type, data), str)
    except UnsupportedDocument as exc:
        assert str(exc)


@pytest.mark.parametrize("content_type", [PLAIN_TEXT, CSV])
def test_extract_text_decodes_utf8_text(content_type: str) -> None:
    data = b"navn;telefon\nKari;+47 912 34 567\n\xff\n"
    text = extract(content_type, data)
    assert text == "navn;telefon\nKari;+47 912 34 567\n\ufffd\n"
    assert requires_review(content_type, text) is None
    # A character split between two read chunks is decoded whole.
    long = "a" * (64 * 1024 - 1) + "ø"
    assert extract(content_type, long.encode()) == long


def test_extract_text_reads_a_pdf() -> None:
    text = extract(PDF, fpdf_bytes("Side en: kari.nordmann@example.no", "Side to"))
    assert "Side en: kari.nordmann@example.no" in text
    assert "Side to" in text
    assert requires_review(PDF, text) is None


def test_requires_review_refuses_a_pdf_without_text() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a page with a drawing but no text, as a scan would be
    data = bytes(pdf.output())
    assert sniff_content_type(data[:SNIFF_BYTES], "skannet.pdf") == PDF
    text = extract(PDF, data)
    assert not text.strip()
    reason = requires_review(PDF, text)
    assert reason is not None
    assert "no extractable text (a scan?)" in reason
    assert "cannot be checked for personal data" in reason
    assert "RESTRICTED" in reason


def test_requires_review_refuses_an_office_file_without_text() -> None:
    drawing = "<w:p><w:r><w:drawing/></w:r></w:p>"
    reason = requires_review(DOCX, extract(DOCX, docx_bytes(drawing)))
    assert reason is not None
    assert "has no text (only images?)" in reason


@pytest.mark.parametrize(("content_type", "label"), [(PNG, "PNG"), (JPEG, "JPEG")])
def test_requires_review_refuses_images(content_type: str, label: str) -> None:
    reason = requires_review(content_type, "")
    assert reason is not None
    assert f"a {label} image cannot be checked for personal data: images are not read" in reason
    assert "RESTRICTED" in reason
    with pytest.raises(UnsupportedDocument) as caught:
        extract(content_type, png_bytes())
    assert str(caught.value) == reason


def test_requires_review_accepts_empty_text_files() -> None:
    assert requires_review(PLAIN_TEXT, "") is None
    assert requires_review(CSV, "") is None


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
