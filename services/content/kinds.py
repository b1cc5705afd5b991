"""Accepted document types, their labels, and the shared caps of a content check.

The modules that read documents (`ooxml`, `pdf`, `verify`, `files`) share these
definitions; the text they find is kept as *places*: where in the document a
program would show it (a page, an annotation, a part of a Word file) and the
text itself, so a refusal can say where to look.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import TypeAlias

__all__ = [
    "ALLOWED_TYPES",
    "CSV",
    "DOCX",
    "JPEG",
    "LABELS",
    "PDF",
    "PLAIN_TEXT",
    "PNG",
    "XLSX",
    "Budget",
    "Place",
    "UnsupportedDocument",
    "too_much_text",
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

LABELS: Mapping[str, str] = types.MappingProxyType(
    {
        PDF: "a PDF",
        PNG: "a PNG image",
        JPEG: "a JPEG image",
        DOCX: "a Word document (DOCX)",
        XLSX: "an Excel workbook (XLSX)",
        PLAIN_TEXT: "plain text",
        CSV: "plain text",
    }
)

# Where a program shows some text ("page 2", "word/comments.xml"), and the text.
Place: TypeAlias = tuple[str, str]


class UnsupportedDocument(Exception):
    """The upload is not an accepted document type, is not what its name says, or
    cannot be read whole (so it cannot be checked for personal data)."""


def too_much_text(label: str, max_chars: int) -> UnsupportedDocument:
    return UnsupportedDocument(
        f"{label} has more than {max_chars:,} characters of text, too much to check for "
        "personal data; split it or classify it RESTRICTED"
    )


class Budget:
    """What is left of the caps on extracted characters and inflated bytes, shared by
    a document and everything embedded in it."""

    # Office files are ZIPs that may inflate enormously: bytes read after
    # decompression are capped per member and per archive (ZIP headers can lie
    # about sizes, so only bytes actually read count).
    MAX_MEMBER_BYTES = 50 * 1024 * 1024
    MAX_ARCHIVE_BYTES = 100 * 1024 * 1024

    def __init__(self, label: str, max_chars: int) -> None:
        self.label = label
        self.max_chars = max_chars
        self.chars = 0
        self.archive_bytes = 0

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.max_chars:
            raise too_much_text(self.label, self.max_chars)

    def add_inflated(self, member: str, read: int, count: int) -> None:
        """Count `count` more inflated bytes of `member` (`read` of it so far)."""
        self.archive_bytes += count
        if read > self.MAX_MEMBER_BYTES or self.archive_bytes > self.MAX_ARCHIVE_BYTES:
            raise UnsupportedDocument(
                f"{self.label} is too large to check for personal data: "
                f"{member} inflates beyond {self.MAX_MEMBER_BYTES // 2**20} MB per part or "
                f"{self.MAX_ARCHIVE_BYTES // 2**20} MB in all; "
                "split it or classify it RESTRICTED"
            )
