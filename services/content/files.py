"""Checks and clean-up for uploaded audit documents.

An upload's type is decided from its bytes, never from the name or the header
the client sent: a shared document must be what it says it is, and a file that
only pretends to be a PDF is refused with a message saying so. PDFs lose their
document information dictionary and XMP metadata before they are stored,
because author and creator fields routinely carry an employee's name.

Before a document is shared its text is checked for personal data: all of it,
as the program that opens the document would show it (`extract_places`: Word
and Excel parts found through the package relationships, PDF annotations,
form fields, attachments, metadata and scripts; see `ooxml` and `pdf`). Any
type whose text cannot be read whole (images, scans, oversized files) is
refused rather than passed unchecked.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO

import filetype

from services.content import ooxml
from services.content.kinds import (
    ALLOWED_TYPES,
    CSV,
    DOCX,
    JPEG,
    LABELS,
    PDF,
    PLAIN_TEXT,
    PNG,
    XLSX,
    Budget,
    Place,
    UnsupportedDocument,
    too_much_text,
)
from services.content.pdf import pdf_places, pdf_text, strip_pdf

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
    "Extraction",
    "UnsupportedDocument",
    "extract_places",
    "extract_text",
    "pdf_text",
    "requires_review",
    "sniff_content_type",
    "strip_pdf_metadata",
]

# Types whose text `extract_text` reads, so they can be checked for personal data.
SCANNABLE_TYPES: frozenset[str] = frozenset({PDF, DOCX, XLSX, PLAIN_TEXT, CSV})

# How many leading bytes `sniff_content_type` wants (what `filetype` inspects).
SNIFF_BYTES = 8192

_LABELS = LABELS
_ACCEPTED = "upload PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV"
_ZIP = "application/zip"


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
    """Rewrite the PDF in `src` to `dst` with its pages only: no metadata, no
    document-level extras, no scripts (see `pdf.strip_pdf`)."""
    strip_pdf(src, dst)


# --- text for the personal-data check -----------------------------------------

_CHUNK = 64 * 1024
_MAX_DEPTH = 2  # a document in a document in the upload, no deeper
_NO_TEXT = {
    PDF: "the PDF has no extractable text (a scan?)",
    DOCX: "the Word document (DOCX) has no text (only images?)",
    XLSX: "the Excel workbook (XLSX) has no text (only images or charts?)",
}


@dataclass(frozen=True)
class Extraction:
    """All text of a document by place, and what it carries that a shared original
    may not (`pdf.pdf_extras`)."""

    places: tuple[Place, ...]
    # The text a reader sees in the body (pages, runs of text, cells), for
    # `requires_review`: a document of pictures has none, whatever its metadata.
    visible: str
    extras: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.places)


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
    """The text a reader sees in a document of a `SCANNABLE_TYPES` type: the pages
    of a PDF, the runs of text of every part of a DOCX, the cells and strings of
    an XLSX; no metadata, attributes or names (`extract_places` reads those too).

    Runs of a paragraph (or cells of a row) are joined so that an e-mail address
    or phone number split across formatting runs is seen whole. A document that
    would yield more than `max_chars` characters, or an office file that inflates
    beyond the size caps, is refused with `UnsupportedDocument` rather than
    truncated: text past a cut-off would be shared unchecked. DOCX and XLSX need
    a seekable `source`. A scan yields ""; see `requires_review`.
    """
    if content_type == PDF:
        return _capped(pdf_text(source), max_chars, _LABELS[PDF])
    return extract_places(content_type, source, max_chars=max_chars).visible


def extract_places(
    content_type: str, source: BinaryIO, *, max_chars: int = 5_000_000
) -> Extraction:
    """Everything a program shows of a document of a `SCANNABLE_TYPES` type, by place,
    to check for personal data (see `extract_text` for the caps)."""
    budget = Budget(_LABELS.get(content_type, content_type), max_chars)
    if content_type == PDF:
        places, extras = pdf_places(source, budget, _embedded_in_pdf)
        pages = "\n".join(text for where, text in places if where.startswith("page "))
        return Extraction(tuple(places), pages, tuple(extras))
    if content_type in (PLAIN_TEXT, CSV):
        text = _plain_text(source, max_chars)
        return Extraction((("text", text),), text)
    if content_type in (DOCX, XLSX):
        places, visible = ooxml.office_places(content_type, source, budget, _embedded)
        return Extraction(tuple(places), visible)
    reason = requires_review(content_type, "")
    raise UnsupportedDocument(reason or f"{content_type} cannot be checked for personal data")


def _embedded(content_type: str, data: bytes, name: str, budget: Budget, depth: int) -> list[Place]:
    """The text of a document embedded in another (an Office file or a PDF)."""
    if depth > _MAX_DEPTH:
        raise UnsupportedDocument(
            f"{budget.label} embeds {name}, nested too deeply to check for personal data"
        )
    if content_type == PDF:
        places, _ = pdf_places(io.BytesIO(data), budget, _embedded_in_pdf, depth)
        return places
    places, _ = ooxml.office_places(content_type, io.BytesIO(data), budget, _embedded, depth)
    return places


def _embedded_in_pdf(data: bytes, name: str, budget: Budget, depth: int) -> list[Place]:
    """A file attached to a PDF: read if it is a type the check reads, else refused."""
    try:
        content_type = sniff_content_type(data[:SNIFF_BYTES], "")
    except UnsupportedDocument as exc:
        raise UnsupportedDocument(
            f"the PDF carries an {name} that cannot be checked for personal data: {exc}"
        ) from exc
    if content_type in (PLAIN_TEXT, CSV):
        text = data.decode("utf-8", errors="replace")
        budget.add_chars(len(text))
        return [("text", text)]
    if content_type in (PDF, DOCX, XLSX):
        return _embedded(content_type, data, name, budget, depth)
    raise UnsupportedDocument(
        f"the PDF carries an {name} ({_LABELS[content_type]}) that cannot be checked for "
        "personal data; remove it or classify the document RESTRICTED"
    )


def _capped(text: str, max_chars: int, label: str) -> str:
    if len(text) > max_chars:
        raise too_much_text(label, max_chars)
    return text


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
            raise too_much_text(_LABELS[PLAIN_TEXT], max_chars)
        parts.append(part)
        if not chunk:
            return "".join(parts)
