"""An upload must open as the type it claims, and as nothing else: polyglots,
text followed by binary, ZIPs with hidden bytes and Office packages of the wrong
kind are refused; what the sniffed head could not show is read whole."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.content.files import (
    CSV,
    DOCX,
    JPEG,
    PDF,
    PLAIN_TEXT,
    PNG,
    SNIFF_BYTES,
    XLSX,
    UnsupportedDocument,
    extract_places,
    sniff_content_type,
)
from services.content.verify import check_file
from tests.samples import png_bytes
from tests.unit.test_documents_corpus import (
    REL,
    SHEETML,
    WORDML,
    Package,
    Rel,
    pdf_document,
    word_document,
    workbook,
)

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def check(content_type: str, data: bytes) -> None:
    check_file(content_type, io.BytesIO(data))


def refused(content_type: str, data: bytes) -> str:
    with pytest.raises(UnsupportedDocument) as caught:
        check(content_type, data)
    return str(caught.value)


def stored_first(data: bytes) -> bytes:
    """A Word document whose first ZIP entry is stored uncompressed: `data` lies in
    the first kilobyte, where a PDF reader looks for its header."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(word_document("header", "x"))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        target.writestr("customXml/item9.xml", data, zipfile.ZIP_STORED)
        for info in source.infolist():
            target.writestr(info, source.read(info))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        (PDF, pdf_document("page text", "Ingen merknader")),
        (DOCX, word_document("header", "Ingen merknader")),
        (XLSX, workbook("shared string", "Ingen merknader")),
        (PNG, png_bytes()),
        (JPEG, JPEG_BYTES),
        (PLAIN_TEXT, "Funn: overtid på fabrikken\n".encode() * 5000),
        (CSV, "leverandør;land\nÆrlig AS;NO\n".encode()),
        (PDF, pdf_document("page text", "x") + b"\r\n\x00\x00  \n"),  # whitespace after %%EOF
    ],
)
def test_whole_files_of_their_type_pass(content_type: str, data: bytes) -> None:
    check(content_type, data)


def test_text_followed_by_binary_is_refused() -> None:
    text = b"Revisjonsnotat\n" * 1000  # more than the sniffed head
    assert len(text) > SNIFF_BYTES
    assert sniff_content_type((text + b"\x00\x01")[:SNIFF_BYTES], "notes.txt") == PLAIN_TEXT
    message = refused(PLAIN_TEXT, text + b"\x00\x01\x02binary")
    assert f"binary data from byte {len(text):,}" in message
    assert "binary data" in refused(CSV, text + b"\xff\xfe not utf-8")
    # A character cut by a read boundary is fine; one cut by the end of file is not.
    assert "binary data" in refused(PLAIN_TEXT, text + "ø".encode()[:1])


@pytest.mark.parametrize(
    ("content_type", "data", "why"),
    [
        (PDF, pdf_document("page text", "x") + word_document("header", "x"), "ZIP archive"),
        (PDF, pdf_document("page text", "x") + b"<html>more</html>", "end-of-file marker"),
        (PNG, png_bytes() + b"%PDF-1.7 trailing", "opens as a PDF"),
        (PNG, png_bytes() + b"trailing", "end of the image"),
        (PNG, png_bytes() + word_document("header", "x"), "ZIP archive"),
        (JPEG, JPEG_BYTES + word_document("header", "x"), "ZIP archive"),
        (PLAIN_TEXT, b"notes\n%PDF-1.4\n1 0 obj<<>>endobj\n", "opens as a PDF"),
        (DOCX, word_document("header", "x") + b"%PDF-1.4", "end of the ZIP archive"),
        (DOCX, stored_first(b"%PDF-1.7\n1 0 obj<<>>endobj\n"), "opens as a PDF"),
        (DOCX, word_document("header", "x") + b"trailing", "end of the ZIP archive"),
    ],
)
def test_polyglots_are_refused(content_type: str, data: bytes, why: str) -> None:
    message = refused(content_type, data)
    assert why in message
    assert "polyglot" in message or "could not be read" in message


def with_comment(data: bytes, comment: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = comment
    return buffer.getvalue()


def test_zip_with_bytes_outside_its_entries_is_refused() -> None:
    docx = word_document("header", "x")
    assert "polyglot" in refused(DOCX, b"MZ" + b"\x00" * 30 + docx)
    assert "end of the ZIP archive" in refused(DOCX, with_comment(docx, b"%PDF hidden"))
    # Bytes smuggled between two entries, with the directory's offsets adjusted.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(buffer, "w") as target:
        for index, info in enumerate(source.infolist()):
            target.writestr(info, source.read(info))
            if index == 0:
                target.fp.write(b"HIDDEN PAYLOAD")  # type: ignore[union-attr]
                target.start_dir = target.fp.tell()  # type: ignore[union-attr]
    smuggled = buffer.getvalue()
    assert zipfile.ZipFile(io.BytesIO(smuggled)).testzip() is None  # opens fine
    assert "outside the ZIP entries" in refused(DOCX, smuggled)


def test_a_zip_written_with_data_descriptors_passes() -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, chunk: bytes) -> int:  # type: ignore[override]
            self.data += chunk
            return len(chunk)

    sink = Unseekable()
    original = word_document("header", "x")
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(sink, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    data = bytes(sink.data)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x8
    check(DOCX, data)


def office_package(main_type: str, main: str = "word/document.xml") -> bytes:
    package = Package()
    package.add(main, main_type, f'<w:document xmlns:w="{REL}"/>')
    package.relate("", Rel("officeDocument", main))
    return package.bytes()


@pytest.mark.parametrize(
    ("content_type", "data", "why"),
    [
        (DOCX, office_package(f"{SHEETML}.sheet.main+xml"), "does not open as a Word document"),
        (
            DOCX,
            office_package("application/vnd.ms-word.document.macroEnabled.main+xml"),
            "macroenabled",
        ),
        (DOCX, office_package(f"{WORDML}.template.main+xml"), "template"),
        (XLSX, office_package(f"{WORDML}.document.main+xml", "xl/workbook.xml"), "Excel"),
    ],
)
def test_an_office_file_must_open_as_the_type_it_claims(
    content_type: str, data: bytes, why: str
) -> None:
    assert why in refused(content_type, data)


def test_an_office_file_needs_its_package_structure() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "[Content_Types].xml" in refused(DOCX, buffer.getvalue())
    package = Package()
    package.add("word/document.xml", f"{WORDML}.document.main+xml", "<x/>")
    assert "no single main document part" in refused(DOCX, package.bytes())
    package.relate("", Rel("officeDocument", "word/missing.xml"))
    assert "missing" in refused(DOCX, package.bytes())


def test_two_parts_under_one_name_are_refused() -> None:
    buffer = io.BytesIO(word_document("header", "x"))
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(buffer, "a") as archive,
    ):
        archive.writestr("word/topp1.xml", "<w:hdr/>")
    assert "two parts named word/topp1.xml" in refused(DOCX, buffer.getvalue())


def test_an_embedded_object_that_cannot_be_read_is_refused() -> None:
    package = Package()
    main = "word/document.xml"
    package.add(main, f"{WORDML}.document.main+xml", f'<w:document xmlns:w="{REL}"/>')
    package.relate("", Rel("officeDocument", main))
    package.add(
        "word/embeddings/oleObject1.bin",
        "application/vnd.openxmlformats-officedocument.oleObject",
        b"\xd0\xcf\x11\xe0 OLE compound file",
    )
    package.relate(main, Rel("oleObject", "embeddings/oleObject1.bin"))
    with pytest.raises(UnsupportedDocument, match=r"embeds word/embeddings/oleObject1\.bin"):
        extract_places(DOCX, io.BytesIO(package.bytes()))


def test_a_dtd_anywhere_in_a_package_is_refused() -> None:
    package = Package()
    main = "word/document.xml"
    package.add(
        main,
        f"{WORDML}.document.main+xml",
        '<!DOCTYPE d [<!ENTITY e "kari.nordmann@example.no">]><d>&e;</d>',
    )
    package.relate("", Rel("officeDocument", main))
    with pytest.raises(UnsupportedDocument, match="declares a DTD"):
        extract_places(DOCX, io.BytesIO(package.bytes()))


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=600),
    st.sampled_from([PDF, DOCX, XLSX, PNG, JPEG, PLAIN_TEXT, CSV]),
)
def test_check_file_either_passes_or_says_why(data: bytes, content_type: str) -> None:
    try:
        check(content_type, data)
    except UnsupportedDocument as exc:
        assert str(exc)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0), st.binary(min_size=1, max_size=8))
def test_a_damaged_office_file_either_passes_or_says_why(position: int, noise: bytes) -> None:
    data = bytearray(word_document("header", "x"))
    at = position % len(data)
    data[at : at + len(noise)] = noise
    try:
        check(DOCX, bytes(data))
        extract_places(DOCX, io.BytesIO(bytes(data)))
    except UnsupportedDocument as exc:
        assert str(exc)
