"""PDFs read the way a viewer reads them, and cleaned for storing.

A viewer shows more than the text of the pages: annotations (notes, free text,
stamps) and their pop-ups, the appearance of form fields and their values,
bookmarks, attached files, the document information and XMP metadata, link
targets such as `mailto:`, and it runs JavaScript. `pdf_places` reads all of
it: the text of every page and of every annotation's appearance, and every
string and text stream reachable from the document catalog, the page tree and
the document information, each labelled with where a viewer shows it.

`pdf_extras` lists what shared originals may not carry: annotations with
content, filled-in form fields, attached files and scripts. `strip_pdf`
rewrites a PDF with its pages only, without metadata or scripts.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from services.content.kinds import Budget, Place, UnsupportedDocument

__all__ = ["open_pdf", "pdf_extras", "pdf_places", "pdf_text", "strip_pdf"]

# Page entries that hold metadata or application-private data, not content.
_PAGE_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
# Actions that navigate; every other kind (JavaScript, Launch, SubmitForm,
# ImportData, Rendition, ...) runs something and is removed or refused.
_NAVIGATION = frozenset({"/URI", "/GoTo", "/Named", "/Thread"})
_RUNNING = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/GoToE"}
)
# Annotations that carry no content of their own.
_PLAIN_ANNOTATIONS = frozenset({"/Link", "/Widget", "/Popup"})
# Keys never followed when collecting strings: structure (handled elsewhere or
# holding no text), binary data, encryption and file identifiers.
_SKIPPED_KEYS = frozenset(
    {
        "/Parent",
        "/P",
        "/Pages",
        "/Resources",
        "/Font",
        "/ColorSpace",
        "/ExtGState",
        "/Pattern",
        "/Shading",
        "/XObject",
        "/DR",
        "/ID",
        "/Encrypt",
        "/Thumb",
    }
)
# Catalog entries, with what a viewer calls them.
_CATALOG_PLACES = {
    "/AcroForm": "form fields",
    "/Names": "names (attached files, scripts, destinations)",
    "/Outlines": "bookmarks",
    "/OpenAction": "actions on opening",
    "/AA": "actions on opening",
    "/Metadata": "XMP metadata",
    "/StructTreeRoot": "tagged structure (alternate text)",
    "/PageLabels": "page labels",
    "/OCProperties": "layers",
    "/Collection": "portfolio",
    "/URI": "links",
}
_TAG = re.compile(r"<[^>]*>")
_MAX_OBJECTS = 200_000  # strings are collected from at most this many objects

EmbeddedReader = Callable[[bytes, str, Budget, int], list[Place]]


def open_pdf(src: BinaryIO) -> PdfReader:
    reader = PdfReader(src)
    # Files encrypted with an empty user password open in any viewer; others
    # cannot be checked, so they cannot be shared.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocument("the PDF could not be read: it is password protected")
    return reader


def _unreadable(exc: Exception) -> UnsupportedDocument:
    return UnsupportedDocument(f"the PDF could not be read: {exc}")


def strip_pdf(src: BinaryIO, dst: BinaryIO) -> None:
    """Rewrite the PDF in `src` to `dst` (empty, readable: opened w+b) with its pages
    only, without metadata or scripts.

    Drops the document information dictionary (Author, Creator, Producer,
    Title, Subject, Keywords), the catalog's XMP stream and per-page metadata.
    Copying pages into a fresh document also leaves behind document-level
    extras: bookmarks, the form, attachments listed in the catalog, document
    scripts and the open action. Every action on a page, an annotation or a
    form field that runs something (JavaScript, launching a program,
    submitting a form) is removed too; links stay.
    """
    try:
        reader = open_pdf(src)
        writer = PdfWriter()
        for page in reader.pages:
            # Drop before copying: a key removed afterwards would leave its
            # object behind in the output, unreferenced but readable.
            for key in (*_PAGE_METADATA_KEYS, "/AA"):
                page.pop(NameObject(key), None)
            for annotation in _annotations(page):
                _remove_actions(annotation)
            writer.add_page(page)
        writer.metadata = None  # no /Info at all, not even pypdf's Producer
        # Written straight to `dst` (a file opened w+b), not into memory first,
        # then read back from it to check that nothing runnable survived.
        dst.seek(0)
        dst.truncate()
        writer.write(dst)
        dst.flush()
        dst.seek(0)
        scripts = [extra for extra in pdf_extras(PdfReader(dst)) if "script" in extra]
    except UnsupportedDocument:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on malformed files
        raise _unreadable(exc) from exc
    if scripts:
        dst.seek(0)
        dst.truncate()
        raise UnsupportedDocument(
            f"the PDF carries {scripts[0]} that could not be removed; "
            "print it to a new PDF and upload that"
        )


def _remove_actions(annotation: DictionaryObject) -> None:
    annotation.pop(NameObject("/AA"), None)
    action = annotation.get("/A")
    if action is not None:
        action = action.get_object()
        if not isinstance(action, DictionaryObject) or action.get("/S") not in _NAVIGATION:
            annotation.pop(NameObject("/A"), None)
        else:
            action.pop(NameObject("/Next"), None)
    field = annotation.get("/Parent")
    depth = 0
    while field is not None and depth < 32:  # a form field's own actions (keystroke, ...)
        field = field.get_object()
        if not isinstance(field, DictionaryObject):
            break
        field.pop(NameObject("/AA"), None)
        field = field.get("/Parent")
        depth += 1


def _annotations(page: PageObject) -> Iterator[DictionaryObject]:
    for _, annotation in _annotation_refs(page):
        yield annotation


def _annotation_refs(page: PageObject) -> Iterator[tuple[PdfObject, DictionaryObject]]:
    annotations = page.get("/Annots")
    if annotations is None:
        return
    annotations = annotations.get_object()
    if not isinstance(annotations, ArrayObject):
        return
    for item in annotations:
        annotation = item.get_object()
        if isinstance(annotation, DictionaryObject):
            yield item, annotation


def pdf_text(data: BinaryIO) -> str:
    """The text of the pages of a PDF, pages separated by newlines."""
    try:
        reader = open_pdf(data)
        return "\n".join(page.extract_text() for page in reader.pages)
    except UnsupportedDocument:
        raise
    except Exception as exc:  # see strip_pdf
        raise _unreadable(exc) from exc


def pdf_places(
    source: BinaryIO, budget: Budget, embedded: EmbeddedReader, depth: int = 0
) -> tuple[list[Place], list[str]]:
    """Everything a viewer shows of a PDF, by place, and what `pdf_extras` lists."""
    try:
        reader = open_pdf(source)
        collector = _Collector(reader, budget, embedded, depth)
        collector.run()
        return collector.places, _extras(collector)
    except UnsupportedDocument:
        raise
    except RecursionError as exc:
        raise UnsupportedDocument("the PDF could not be read: it is nested too deeply") from exc
    except Exception as exc:  # see strip_pdf
        raise _unreadable(exc) from exc


def pdf_extras(reader: PdfReader) -> list[str]:
    """What a shared original may not carry: annotations with content, filled-in form
    fields, attached files, scripts (each named once, with the first page it is on)."""
    collector = _Collector(reader, Budget("a PDF", 50_000_000), _ignore_embedded, 0, text=False)
    collector.run()
    return _extras(collector)


def _ignore_embedded(data: bytes, name: str, budget: Budget, depth: int) -> list[Place]:
    return []


def _extras(collector: _Collector) -> list[str]:
    found = []
    for kind, label in (
        ("annotation", "comments or other annotations"),
        ("form", "filled-in form fields"),
        ("attachment", "attached files"),
        ("script", "scripts or actions that run a program (JavaScript, Launch, SubmitForm)"),
    ):
        if kind in collector.extras:
            found.append(f"{label} ({collector.extras[kind]})")
    return found


class _Collector:
    """One pass over a PDF: page text, annotation appearances, and every string
    reachable from the catalog, the pages and the document information."""

    def __init__(
        self,
        reader: PdfReader,
        budget: Budget,
        embedded: EmbeddedReader,
        depth: int,
        *,
        text: bool = True,
    ) -> None:
        self.reader = reader
        self.text = text  # False: only what `pdf_extras` lists, no text extraction
        self.budget = budget
        self.embedded = embedded
        self.depth = depth
        self.places: list[Place] = []
        self.extras: dict[str, str] = {}  # kind -> where it was first seen
        self._seen: set[tuple[int, int]] = set()
        self._objects = 0

    def run(self) -> None:
        info = self.reader.trailer.get("/Info")
        if info is not None:
            self._strings(info, "document information")
        root = self.reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject):
            raise UnsupportedDocument("the PDF could not be read: it has no document catalog")
        for index, page in enumerate(self.reader.pages):
            self._page(index + 1, page)
        for key, value in root.items():
            if key in ("/Pages", "/Type", "/Version"):
                continue
            self._strings(value, _CATALOG_PLACES.get(key, f"document catalog {key}"))
        names = root.get("/Names")
        if names is not None:
            names = names.get_object()
            if isinstance(names, DictionaryObject):
                if "/EmbeddedFiles" in names:
                    self._extra("attachment", "listed in the document")
                if "/JavaScript" in names:
                    self._extra("script", "document scripts")

    def _page(self, number: int, page: PageObject) -> None:
        if self.text:
            self._keep(f"page {number}", page.extract_text())
        for key in ("/AA", "/Metadata", "/PieceInfo"):
            if key in page:
                self._strings(page.raw_get(key), f"page {number} {key}")
        for reference, annotation in _annotation_refs(page):
            if not self._visit(reference):
                continue
            subtype = annotation.get("/Subtype")
            where = f"{str(subtype).lstrip('/') or 'an'} annotation on page {number}"
            if subtype == "/Widget":
                where = f"form field on page {number}"
                if _field_value(annotation):
                    self._extra("form", f"page {number}")
            elif subtype not in _PLAIN_ANNOTATIONS:
                self._extra("annotation", f"page {number}")
            if subtype == "/FileAttachment":
                self._extra("attachment", f"page {number}")
            self._appearance(annotation, where)
            for key, value in annotation.items():
                if key in ("/AP", "/P"):
                    continue
                if key == "/Parent":  # the form field a widget belongs to
                    self._field(value, where)
                    continue
                self._strings(value, where)

    def _field(self, value: PdfObject | None, where: str) -> None:
        depth = 0
        while value is not None and depth < 32:
            field = value.get_object()
            if not isinstance(field, DictionaryObject) or not self._visit(value):
                return
            for key, item in field.items():
                if key not in ("/Parent", "/Kids", "/P", "/DR", "/AP"):
                    self._strings(item, where)
            value = field.get("/Parent")
            depth += 1

    def _appearance(self, annotation: DictionaryObject, where: str) -> None:
        appearances = annotation.get("/AP")
        if appearances is None:
            return
        appearances = appearances.get_object()
        if not isinstance(appearances, DictionaryObject):
            return
        for key in ("/N", "/R", "/D"):
            entry = appearances.raw_get(key) if key in appearances else None
            if entry is None:
                continue
            resolved = entry.get_object()
            if isinstance(resolved, StreamObject):
                streams = [entry]
            elif isinstance(resolved, DictionaryObject):  # by state (checkbox on/off)
                streams = [resolved.raw_get(state) for state in resolved]
            else:
                continue
            for stream in streams:
                if self.text:
                    self._keep(where, _form_text(stream))

    def _strings(self, value: PdfObject, where: str, key: str = "") -> None:
        """Collect every string under `value`, depth first, each object once."""
        stack: list[tuple[Any, str]] = [(value, key)]
        while stack:
            item, key = stack.pop()
            if isinstance(item, IndirectObject):
                if not self._visit(item):
                    continue
                item = item.get_object()
            if isinstance(item, TextStringObject):
                self._keep(where, _markup_text(str(item)) if key == "/RC" else str(item))
            elif isinstance(item, ByteStringObject):
                self._keep(where, bytes(item).decode("latin-1"))
            elif isinstance(item, StreamObject):
                self._stream(item, where, key)
            elif isinstance(item, DictionaryObject):
                if item.get("/Type") == "/Page":
                    continue  # pages are read on their own
                self._action(item, where)
                if item.get("/Type") == "/EmbeddedFile":
                    continue
                for name in item:
                    if name not in _SKIPPED_KEYS:
                        stack.append((item.raw_get(name), name))
            elif isinstance(item, ArrayObject):
                stack.extend((element, key) for element in reversed(item))

    def _action(self, item: DictionaryObject, where: str) -> None:
        if "/FT" in item and _field_value(item):
            self._extra("form", where)
        kind = item.get("/S")
        if kind in _RUNNING or "/JS" in item:
            self._extra("script", where)
        if "/EF" in item or item.get("/Type") == "/EmbeddedFile":
            self._extra("attachment", where)

    def _stream(self, stream: StreamObject, where: str, key: str) -> None:
        kind = stream.get("/Type")
        if kind == "/EmbeddedFile" or key in ("/F", "/UF"):
            self._extra("attachment", where)
            self._attachment(stream, where)
        elif key == "/JS":
            self._keep(where, _decode(stream.get_data()))
        elif key == "/RC":
            self._keep(where, _markup_text(_decode(stream.get_data())))
        elif kind == "/Metadata" or stream.get("/Subtype") == "/XML" or key == "/XFA":
            self._keep(where, _xml_text(stream.get_data()))
        elif stream.get("/Subtype") == "/Form" and self.text:
            self._keep(where, _form_text(stream))

    def _attachment(self, stream: StreamObject, where: str) -> None:
        name = f"attached file in {where}"
        for place, text in self.embedded(stream.get_data(), name, self.budget, self.depth + 1):
            self.places.append((f"{name}: {place}", text))

    def _visit(self, reference: PdfObject) -> bool:
        if not isinstance(reference, IndirectObject):
            return True
        key = (reference.idnum, reference.generation)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._objects += 1
        if self._objects > _MAX_OBJECTS:
            raise UnsupportedDocument(
                f"the PDF has more than {_MAX_OBJECTS:,} objects, too many to check for "
                "personal data; split it or classify it RESTRICTED"
            )
        return True

    def _extra(self, kind: str, where: str) -> None:
        self.extras.setdefault(kind, where)

    def _keep(self, where: str, text: str) -> None:
        if not text.strip():
            return
        self.budget.add_chars(len(text) + 1)
        if self.places and self.places[-1][0] == where:
            self.places[-1] = (where, f"{self.places[-1][1]}\n{text}")
        else:
            self.places.append((where, text))


def _field_value(annotation: DictionaryObject) -> bool:
    """Whether a widget's form field (or the widget itself) holds a value."""
    field: Any = annotation
    depth = 0
    while field is not None and depth < 32:
        field = field.get_object()
        if not isinstance(field, DictionaryObject):
            return False
        value = field.get("/V")
        if value is not None:
            value = value.get_object()
            return value not in ("", "/Off") and value != ArrayObject()
        field = field.get("/Parent")
        depth += 1
    return False


def _form_text(stream: PdfObject) -> str:
    """The text a form XObject (an appearance) draws, extracted as from a page."""
    resolved = stream.get_object()
    if not isinstance(resolved, StreamObject):
        return ""
    page = PageObject.create_blank_page(width=1000, height=1000)
    resources = resolved.get("/Resources")
    if resources is not None:
        page[NameObject("/Resources")] = resources
    page[NameObject("/Contents")] = stream if isinstance(stream, IndirectObject) else resolved
    return page.extract_text()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xfe\xff", b"\xff\xfe")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _xml_text(data: bytes) -> str:
    """Character data and attribute values of an XML stream (XMP, XFA); the raw
    text if it is not well-formed."""
    try:
        parser = ET.XMLParser(target=_NoDtd())
        parser.feed(data)
        root: ET.Element = parser.close()
    except ET.ParseError:
        return _decode(data)
    parts: list[str] = []
    for element in root.iter():
        parts.extend(value for value in element.attrib.values() if value.strip())
        for text in (element.text, element.tail):
            if text and text.strip():
                parts.append(text.strip())
    return "\n".join(parts)


class _NoDtd(ET.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise UnsupportedDocument("the PDF could not be read: its XML declares a DTD")


def _markup_text(text: str) -> str:
    """Rich text (XHTML) as a viewer shows it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub(" ", text))
