"""Checks and clean-up for uploaded audit documents.

An upload's type is decided from its bytes, never from the name or the header
the client sent: a shared document must be what it says it is, and a file that
only pretends to be a PDF is refused with a message saying so. PDFs lose their
document information dictionary and XMP metadata before they are stored,
because author and creator fields routinely carry an employee's name.
"""

from __future__ import annotations

import codecs
import io
import types
from collections.abc import Mapping
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
    "SNIFF_BYTES",
    "XLSX",
    "UnsupportedDocument",
    "pdf_text",
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
