"""Checks and clean-up for uploaded audit documents.

An upload's type is decided from its bytes, never from the name or the header
the client sent: a shared document must be what it says it is, and a file that
only pretends to be a PDF is refused with a message saying so. PDFs lose their
document information dictionary and XMP metadata before they are stored,
because author and creator fields routinely carry an employee's name.

Before a document is shared its text is checked for personal data; any type
whose text cannot be read whole (images, scans, oversized files) is refused
rather than passed unchecked.
"""

from __future__ import annotations

import codecs
import io
import re
import types
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping
from typing import BinaryIO

import filetype
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

__all__ = [
    "ALLOWED_TYPES",
    "CSV",
    "DOCX",
    "JPEG",
    "PDF",
    "PLAIN_TEXT",
    "PNG",
    "SCANNABLE_TYPES",
    "SNIFF_BYTES",
    "XLSX",
    "UnsupportedDocument",
    "extract_text",
    "pdf_text",
    "requires_review",
    "sniff_content_type",
    "strip_pdf_metadata",
]

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_TEXT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"

# Accepted content types and the file name extensions that may carry them.
ALLOWED_TYPES: Mapping[str, frozenset[str]] = types.MappingProxyType(
    {
        PDF: frozenset({"pdf"}),
        PNG: frozenset({"png"}),
        JPEG: frozenset({"jpg", "jpeg"}),
        DOCX: frozenset({"docx"}),
        XLSX: frozenset({"xlsx"}),
        PLAIN_TEXT: frozenset({"txt"}),
        CSV: frozenset({"csv"}),
    }
)

# Types whose text `extract_text` reads, so they can be checked for personal data.
SCANNABLE_TYPES: frozenset[str] = frozenset({PDF, DOCX, XLSX, PLAIN_TEXT, CSV})

# How many leading bytes `sniff_content_type` wants (what `filetype` inspects).
SNIFF_BYTES = 8192

_LABELS = {
    PDF: "a PDF",
    PNG: "a PNG image",
    JPEG: "a JPEG image",
    DOCX: "a Word document (DOCX)",
    XLSX: "an Excel workbook (XLSX)",
    PLAIN_TEXT: "plain text",
    CSV: "plain text",
}
_ACCEPTED = "upload PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV"
_ZIP = "application/zip"
# Page entries that hold metadata or application-private data, not content.
_PAGE_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")


class UnsupportedDocument(Exception):
    """The upload is not an accepted document type, or is not what its name says."""


def sniff_content_type(head: bytes, filename: str) -> str:
    """Return the content type of an upload from its first bytes (`SNIFF_BYTES`).

    The file name only breaks ties the bytes cannot (a ZIP whose head does not
    show whether it is DOCX or XLSX, text that is CSV) and must otherwise agree.
    """
    if not head:
        raise UnsupportedDocument("the file is empty")
    extension = _extension(filename)
    kind = filetype.guess(head)
    if kind is not None:
        content_type = _binary_type(head, kind.mime, extension)
        if content_type is None:
            raise UnsupportedDocument(
                f"files of type {kind.extension.upper()} ({kind.mime}) are not accepted; "
                f"{_ACCEPTED}"
            )
    elif _is_text(head):
        content_type = CSV if extension == "csv" else PLAIN_TEXT
    else:
        label = extension.upper() if extension else "unknown binary"
        raise UnsupportedDocument(f"files of type {label} are not accepted; {_ACCEPTED}")
    if extension and extension not in ALLOWED_TYPES[content_type]:
        raise UnsupportedDocument(
            f"the file name {filename!r} ends in .{extension} but its content is "
            f"{_LABELS[content_type]}; rename it or upload the right file"
        )
    return content_type


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _binary_type(head: bytes, mime: str, extension: str) -> str | None:
    """Map what `filetype` found to an accepted type, or None if not accepted."""
    if mime in (PDF, PNG, JPEG, DOCX, XLSX):
        return mime
    if mime != _ZIP:
        return None
    # Office files are ZIPs; their entry names show which kind. Local headers
    # and, for small files, the central directory are in the head.
    if b"word/" in head:
        return DOCX
    if b"xl/" in head:
        return XLSX
    # The entries may lie beyond the head: trust the name only this far.
    return {"docx": DOCX, "xlsx": XLSX}.get(extension)


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes; a code point cut off at the end of the head is fine."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def strip_pdf_metadata(src: BinaryIO, dst: BinaryIO) -> None:
    """Rewrite the PDF in `src` to `dst` with its pages only.

    Drops the document information dictionary (Author, Creator, Producer,
    Title, Subject, Keywords), the catalog's XMP stream and per-page metadata.
    Copying pages into a fresh document also leaves behind document-level
    extras such as bookmarks, forms, attachments and scripts.
    """
    try:
        reader = _open_pdf(src)
        writer = PdfWriter()
        for page in reader.pages:
            # Drop before copying: a key removed afterwards would leave its
            # object behind in the output, unreferenced but readable.
            for key in _PAGE_METADATA_KEYS:
                page.pop(NameObject(key), None)
            writer.add_page(page)
        writer.metadata = None  # no /Info at all, not even pypdf's Producer
        buffer = io.BytesIO()
        writer.write(buffer)
    except UnsupportedDocument:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on malformed files
        raise UnsupportedDocument(f"the PDF could not be read: {exc}") from exc
    dst.write(buffer.getvalue())


def pdf_text(data: BinaryIO) -> str:
    """All text of a PDF, pages separated by newlines (to scan for personal data)."""
    try:
        reader = _open_pdf(data)
        return "\n".join(page.extract_text() for page in reader.pages)
    except UnsupportedDocument:
        raise
    except Exception as exc:  # see strip_pdf_metadata
        raise UnsupportedDocument(f"the PDF could not be read: {exc}") from exc


def _open_pdf(src: BinaryIO) -> PdfReader:
    reader = PdfReader(src)
    # Files encrypted with an empty user password open in any viewer; others
    # cannot be checked, so they cannot be shared.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocument("the PDF could not be read: it is password protected")
    return reader


# --- text for the personal-data check -----------------------------------------

# Office files are ZIPs that may inflate enormously: bytes read after
# decompression are capped per member and per archive (ZIP headers can lie
# about sizes, so only bytes actually read count).
_MAX_MEMBER_BYTES = 50 * 1024 * 1024
_MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
_CHUNK = 64 * 1024
# Parts that hold a DOCX's text: body, headers, footers, notes, comments.
_DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_XLSX_SHARED_STRINGS = "xl/sharedStrings.xml"
_XLSX_SHEETS = re.compile(r"xl/worksheets/sheet\d*\.xml")
_XLSX_COMMENTS = re.compile(r"xl/comments\d*\.xml")
# Local element names (any namespace, so Strict OOXML and DrawingML text boxes
# count too) whose character data is text, and separators written at their end.
_DOCX_TEXT = frozenset({"t", "delText", "instrText"})  # with tracked deletions and field codes
_DOCX_BREAKS: Mapping[str, str] = types.MappingProxyType(
    {"p": "\n", "tab": "\t", "br": "\n", "cr": "\n"}
)
_XLSX_STRING_TEXT = frozenset({"t"})
_XLSX_STRING_BREAKS: Mapping[str, str] = types.MappingProxyType({"si": "\n", "comment": "\n"})
_XLSX_SHEET_TEXT = frozenset(
    {"v", "t", "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}
)
_XLSX_SHEET_BREAKS: Mapping[str, str] = types.MappingProxyType({"c": "\t", "row": "\n"})
_NO_TEXT = {
    PDF: "the PDF has no extractable text (a scan?)",
    DOCX: "the Word document (DOCX) has no text (only images?)",
    XLSX: "the Excel workbook (XLSX) has no text (only images or charts?)",
}


def requires_review(content_type: str, text: str) -> str | None:
    """Why a document cannot be checked for personal data, or None if `text` covers it.

    `text` is what `extract_text` returned ("" for a type it does not read). An
    office document or PDF without any text is most likely a scan or pictures
    of text, which the check would pass without having seen anything.
    """
    if content_type not in SCANNABLE_TYPES:
        label = _LABELS.get(content_type, content_type)
        why = "images are not read" if content_type.startswith("image/") else "it is not read"
        return (
            f"{label} cannot be checked for personal data: {why}; classify it RESTRICTED "
            "or upload its text as a PDF with a text layer, DOCX, XLSX, TXT or CSV"
        )
    if content_type in _NO_TEXT and not text.strip():
        return (
            f"{_NO_TEXT[content_type]}, so it cannot be checked for personal data; "
            "classify it RESTRICTED or upload a version with text"
        )
    return None


def extract_text(content_type: str, source: BinaryIO, *, max_chars: int = 5_000_000) -> str:
    """All text of a document of a `SCANNABLE_TYPES` type, to check for personal data.

    Runs of a paragraph (or cells of a row) are joined so that an e-mail address
    or phone number split across formatting runs is seen whole. A document that
    would yield more than `max_chars` characters, or an office file that inflates
    beyond the size caps, is refused with `UnsupportedDocument` rather than
    truncated: text past a cut-off would be shared unchecked. DOCX and XLSX need
    a seekable `source`. A scan yields ""; see `requires_review`.
    """
    if content_type == PDF:
        return _capped(pdf_text(source), max_chars, _LABELS[PDF])
    if content_type in (PLAIN_TEXT, CSV):
        return _plain_text(source, max_chars)
    if content_type == DOCX:
        return _office_text(source, max_chars, DOCX)
    if content_type == XLSX:
        return _office_text(source, max_chars, XLSX)
    reason = requires_review(content_type, "")
    raise UnsupportedDocument(reason or f"{content_type} cannot be checked for personal data")


def _capped(text: str, max_chars: int, label: str) -> str:
    if len(text) > max_chars:
        raise _too_much_text(label, max_chars)
    return text


def _too_much_text(label: str, max_chars: int) -> UnsupportedDocument:
    return UnsupportedDocument(
        f"{label} has more than {max_chars:,} characters of text, too much to check for "
        "personal data; split it or classify it RESTRICTED"
    )


def _plain_text(source: BinaryIO, max_chars: int) -> str:
    """UTF-8 text read in chunks, so an oversized file is refused without reading it all."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    parts: list[str] = []
    count = 0
    while True:
        chunk = source.read(_CHUNK)
        part = decoder.decode(chunk, final=not chunk)
        count += len(part)
        if count > max_chars:
            raise _too_much_text(_LABELS[PLAIN_TEXT], max_chars)
        parts.append(part)
        if not chunk:
            return "".join(parts)


class _Budget:
    """What is left of the caps on inflated bytes and extracted characters."""

    def __init__(self, label: str, max_chars: int) -> None:
        self.label = label
        self.max_chars = max_chars
        self.chars = 0
        self.archive_bytes = 0

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.max_chars:
            raise _too_much_text(self.label, self.max_chars)

    def member_chunks(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The inflated bytes of one member, refused past either size cap."""
        read = 0
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                read += len(chunk)
                self.archive_bytes += len(chunk)
                if read > _MAX_MEMBER_BYTES or self.archive_bytes > _MAX_ARCHIVE_BYTES:
                    raise UnsupportedDocument(
                        f"{self.label} is too large to check for personal data: "
                        f"{info.filename} inflates beyond "
                        f"{_MAX_MEMBER_BYTES // 2**20} MB per part or "
                        f"{_MAX_ARCHIVE_BYTES // 2**20} MB in all; "
                        "split it or classify it RESTRICTED"
                    )
                yield chunk


class _TextCollector:
    """ElementTree parser target keeping the character data of chosen elements.

    A target rather than a tree: text is kept as it streams past, so memory
    follows the text, not the XML.
    """

    def __init__(
        self, text_tags: frozenset[str], breaks: Mapping[str, str], budget: _Budget
    ) -> None:
        self._text_tags = text_tags
        self._breaks = breaks
        self._budget = budget
        self._collecting: list[bool] = []  # per open element: inside a text element?
        self.parts: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local_name(tag)
        inside = bool(self._collecting) and self._collecting[-1]
        self._collecting.append(inside or self._wanted(name, attrib))

    def _wanted(self, name: str, attrib: dict[str, str]) -> bool:
        return name in self._text_tags

    def end(self, tag: str) -> None:
        self._collecting.pop()
        separator = self._breaks.get(_local_name(tag))
        if separator:
            self._keep(separator)

    def data(self, data: str) -> None:
        if self._collecting and self._collecting[-1]:
            self._keep(data)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        # Office XML never declares a DTD; one here can only be meant to expand
        # entities (a "billion laughs") or reach outside the file.
        raise UnsupportedDocument(f"{self._budget.label} could not be read: it declares a DTD")

    def close(self) -> None:
        return None

    def _keep(self, text: str) -> None:
        self._budget.add_chars(len(text))
        self.parts.append(text)


class _SheetCollector(_TextCollector):
    """Cell values of a worksheet, except shared-string cells (their value is an index)."""

    _shared_string_cell = False

    def _wanted(self, name: str, attrib: dict[str, str]) -> bool:
        if name == "c":
            self._shared_string_cell = attrib.get("t") == "s"
        if name == "v" and self._shared_string_cell:
            return False
        return super()._wanted(name, attrib)


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _office_text(source: BinaryIO, max_chars: int, content_type: str) -> str:
    label = _LABELS[content_type]
    budget = _Budget(label, max_chars)
    parts: list[str] = []
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                collector = _office_collector(content_type, info.filename, budget)
                if collector is None:
                    continue
                parser = ET.XMLParser(target=collector)
                for chunk in budget.member_chunks(archive, info):
                    parser.feed(chunk)
                parser.close()
                budget.add_chars(1)
                parts.extend(collector.parts)
                parts.append("\n")
    except UnsupportedDocument:
        raise
    except Exception as exc:  # zipfile, zlib and expat raise many kinds of errors
        raise UnsupportedDocument(f"{label} could not be read: {exc}") from exc
    return "".join(parts)


def _office_collector(content_type: str, member: str, budget: _Budget) -> _TextCollector | None:
    """The collector for a member that holds text, or None to skip the member."""
    if content_type == DOCX:
        if _DOCX_PARTS.fullmatch(member):
            return _TextCollector(_DOCX_TEXT, _DOCX_BREAKS, budget)
        return None
    if member == _XLSX_SHARED_STRINGS or _XLSX_COMMENTS.fullmatch(member):
        return _TextCollector(_XLSX_STRING_TEXT, _XLSX_STRING_BREAKS, budget)
    if _XLSX_SHEETS.fullmatch(member):
        return _SheetCollector(_XLSX_SHEET_TEXT, _XLSX_SHEET_BREAKS, budget)
    return None
