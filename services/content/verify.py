"""An upload must open as the type it claims, and as nothing else.

`sniff_content_type` decides the type from the first bytes; `check_file` reads
the whole file and refuses what the head did not show:

- text that turns into binary data (a NUL byte, bytes that are not UTF-8)
  anywhere after the sniffed head;
- a file that also opens as another type (a polyglot): a PDF header in the
  first kilobyte of a non-PDF (where PDF readers look for it), a ZIP archive
  at the end of a non-ZIP, data after a PDF's end-of-file marker, a PNG or
  JPEG with data after its end;
- a ZIP (DOCX, XLSX) with anything outside its entries: bytes before the
  first entry, between entries, or after the central directory (an archive
  comment), and an Office package whose relationships do not name a main
  part of the claimed type (`ooxml.check_package`).
"""

from __future__ import annotations

import codecs
import struct
import zipfile
import zlib
from typing import BinaryIO

from services.content import ooxml
from services.content.kinds import (
    CSV,
    DOCX,
    JPEG,
    LABELS,
    PDF,
    PLAIN_TEXT,
    PNG,
    XLSX,
    UnsupportedDocument,
)

__all__ = ["check_file"]

_CHUNK = 64 * 1024
_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WINDOW = 1024  # where PDF readers look for the header
_PDF_EOF = b"%%EOF"
_PDF_TAIL = 1024  # the end-of-file marker must be within this many last bytes
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"
_DATA_DESCRIPTOR = b"PK\x07\x08"


def check_file(content_type: str, source: BinaryIO) -> None:
    """Refuse `source` unless it is one whole file of `content_type` (see above)."""
    label = LABELS[content_type]
    try:
        _check(content_type, source, label)
    except UnsupportedDocument:
        raise
    except Exception as exc:  # zipfile, struct and zlib raise many kinds of errors
        raise UnsupportedDocument(f"{label} could not be read: {exc}") from exc
    finally:
        source.seek(0)


def _check(content_type: str, source: BinaryIO, label: str) -> None:
    size = source.seek(0, 2)
    source.seek(0)
    head = source.read(_PDF_HEADER_WINDOW)
    source.seek(0)
    if content_type != PDF and _PDF_HEADER in head:
        raise _polyglot(label, "it also opens as a PDF")
    if content_type in (DOCX, XLSX):
        _check_zip_layout(source, size, label)
        source.seek(0)
        ooxml.check_package(content_type, source)
    elif zipfile.is_zipfile(source):
        raise _polyglot(label, "a ZIP archive is attached to its end")
    source.seek(0)
    if content_type in (PLAIN_TEXT, CSV):
        _check_text(source)
    elif content_type == PDF:
        _check_pdf_end(source, size)
    elif content_type == PNG:
        _check_png(source, size)
    elif content_type == JPEG:
        _check_jpeg(source, size)
    source.seek(0)


def _polyglot(label: str, why: str) -> UnsupportedDocument:
    return UnsupportedDocument(
        f"the file is not only {label}: {why} (a polyglot file); upload the document alone"
    )


def _check_text(source: BinaryIO) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while True:
        chunk = source.read(_CHUNK)
        nul = chunk.find(b"\x00")
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            nul = exc.start if nul < 0 else min(nul, exc.start)
        if nul >= 0:
            raise UnsupportedDocument(
                f"the file starts as text but holds binary data from byte {offset + nul:,}; "
                "upload plain UTF-8 text, or the document in its own format"
            )
        if not chunk:
            return
        offset += len(chunk)


def _check_pdf_end(source: BinaryIO, size: int) -> None:
    start = max(0, size - _PDF_TAIL)
    source.seek(start)
    tail = source.read()
    marker = tail.rfind(_PDF_EOF)
    if marker < 0:
        raise UnsupportedDocument(
            "the PDF does not end with its end-of-file marker (%%EOF): it is cut off or has "
            "other data appended; save it again as PDF and upload that"
        )
    if tail[marker + len(_PDF_EOF) :].strip(b" \t\r\n\f\x00"):
        raise _polyglot(LABELS[PDF], "data follows its end-of-file marker")


def _check_png(source: BinaryIO, size: int) -> None:
    if source.read(len(_PNG_SIGNATURE)) != _PNG_SIGNATURE:
        raise UnsupportedDocument("the PNG image could not be read: bad signature")
    while True:
        header = source.read(8)
        if len(header) < 8:
            raise UnsupportedDocument("the PNG image could not be read: it is cut off")
        length, kind = struct.unpack(">I4s", header)
        crc = zlib.crc32(kind)
        remaining = length
        while remaining:
            chunk = source.read(min(_CHUNK, remaining))
            if not chunk:
                raise UnsupportedDocument("the PNG image could not be read: it is cut off")
            crc = zlib.crc32(chunk, crc)
            remaining -= len(chunk)
        stored = source.read(4)
        if len(stored) < 4 or struct.unpack(">I", stored)[0] != crc:
            raise UnsupportedDocument("the PNG image could not be read: a chunk is damaged")
        if kind == b"IEND":
            break
    if source.tell() != size:
        raise _polyglot(LABELS[PNG], "data follows the end of the image")


def _check_jpeg(source: BinaryIO, size: int) -> None:
    source.seek(max(0, size - 2))
    if source.read(2) != b"\xff\xd9":
        raise _polyglot(LABELS[JPEG], "data follows the end of the image, or it is cut off")


def _check_zip_layout(source: BinaryIO, size: int, label: str) -> None:
    """The entries, the central directory and its end record tile the file exactly."""
    if size < 22:
        raise UnsupportedDocument(f"{label} could not be read: it is cut off")
    source.seek(size - 22)
    end = source.read(22)
    if end[:4] != _EOCD:
        raise _polyglot(label, "data follows the end of the ZIP archive")
    entries, cd_size, cd_offset, comment = struct.unpack("<10xHIIH", end)
    if comment:
        raise _polyglot(label, "data follows the end of the ZIP archive")
    cd_end = size - 22
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (cd_size, cd_offset):
        cd_end, cd_size, cd_offset = _zip64_directory(source, size, label)
    if cd_offset + cd_size != cd_end:
        raise _polyglot(label, "data lies between the ZIP entries and their directory")
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    position = 0
    for info in infos:
        if info.header_offset != position:
            raise _polyglot(label, f"data lies outside the ZIP entries (at byte {position:,})")
        source.seek(position)
        local = source.read(30)
        if len(local) < 30 or local[:4] != _LOCAL_HEADER:
            raise UnsupportedDocument(f"{label} could not be read: a ZIP entry is damaged")
        name_length, extra_length = struct.unpack("<26xHH", local)
        position += 30 + name_length + extra_length + info.compress_size
        if info.flag_bits & 0x8:  # sizes follow the data in a data descriptor
            following = [i.header_offset for i in infos if i.header_offset > position]
            position = _after_descriptor(source, position, min([*following, cd_offset]))
    if position != cd_offset:
        raise _polyglot(label, f"data lies outside the ZIP entries (at byte {position:,})")


def _after_descriptor(source: BinaryIO, position: int, following: int) -> int:
    """Where a data descriptor at `position` ends: signature optional, sizes of 4 or 8
    bytes (ZIP64); whichever reaches the next entry, if either does."""
    source.seek(position)
    signed = source.read(4) == _DATA_DESCRIPTOR
    base = position + (4 if signed else 0) + 4
    return base + 16 if base + 16 == following else base + 8


def _zip64_directory(source: BinaryIO, size: int, label: str) -> tuple[int, int, int]:
    locator_at = size - 22 - 20
    source.seek(locator_at)
    locator = source.read(20)
    if locator[:4] != _EOCD64_LOCATOR:
        raise UnsupportedDocument(f"{label} could not be read: damaged ZIP64 directory")
    (record_at,) = struct.unpack("<8xQ4x", locator)
    source.seek(record_at)
    record = source.read(56)
    if record[:4] != _EOCD64:
        raise UnsupportedDocument(f"{label} could not be read: damaged ZIP64 directory")
    record_size, cd_size, cd_offset = struct.unpack("<4xQ28xQQ", record)
    if record_at + 12 + record_size != locator_at:
        raise _polyglot(label, "data lies between the ZIP directory and its end record")
    return record_at, cd_size, cd_offset
