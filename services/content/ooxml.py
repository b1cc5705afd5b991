"""Office Open XML (DOCX, XLSX) read the way Word and Excel read them.

A package is found through its relationships, never through fixed part names:
`_rels/.rels` names the main part (under any name), each part's relationships
name its headers, footers, notes, comments, shared strings, sheets, pivot
caches, charts, properties and so on. Every XML part is read (text, and the
attributes that carry text: comment and revision authors, sheet and defined
names, alt text, pivot-cache values, form-field entries, document variables),
plus every external relationship target (`mailto:` links, template paths) and
every part name. Parts no relationship reaches are read too: they travel with
the file even if no program shows them.

Pictures and fonts are skipped; an embedded Office file or PDF is read in turn;
anything else embedded (OLE objects, macros, media) cannot be checked, so the
document is refused.
"""

from __future__ import annotations

import html
import posixpath
import re
import types
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from services.content.kinds import DOCX, LABELS, XLSX, Budget, Place, UnsupportedDocument

__all__ = ["MAIN_PART_TYPES", "check_package", "office_places"]

_CHUNK = 64 * 1024
_CONTENT_TYPES = "[Content_Types].xml"
_ROOT_RELS = "_rels/.rels"
_OFFICE_DOCUMENT = frozenset(
    {
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
    }
)
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_SLIDES_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
# The content type of the main part each accepted type must have (macro-enabled
# or template variants are other file types, which Word and Excel refuse too).
MAIN_PART_TYPES: Mapping[str, str] = types.MappingProxyType({DOCX: _WORD_MAIN, XLSX: _EXCEL_MAIN})
_EMBEDDED_MAIN_TYPES = frozenset({_WORD_MAIN, _EXCEL_MAIN, _SLIDES_MAIN})
_EMBEDDED_PACKAGES = frozenset(
    {
        DOCX,
        XLSX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
_MAX_DEPTH = 2  # an Office file in an Office file in the upload, no deeper

# Binary parts that hold no text a check could read, and are not refused:
# pictures (as in any document), fonts, printer settings.
_SKIPPED_PREFIXES = ("image/", "font/", "application/x-font", "application/font")
_SKIPPED_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.obfuscatedFont",
        "application/vnd.ms-opentype",
        "application/vnd.ms-package.obfuscated-opentype",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.printerSettings",
        "application/vnd.openxmlformats-officedocument.presentationml.printerSettings",
    }
)
_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# Parts Word imports as text (altChunk): HTML, RTF, MHT, plain text.
_TEXT_LIKE = ("text/", "application/rtf", "message/rfc822", "application/xhtml")
_TAG = re.compile(r"<[^>]*>")

# Character data of these elements is joined without a break (runs of a
# paragraph), so an e-mail address split over formatting runs is seen whole.
_JOINED = frozenset({"t", "delText", "instrText"})
_BREAKS: Mapping[str, str] = types.MappingProxyType(
    {"p": "\n", "tab": "\t", "br": "\n", "cr": "\n", "si": "\n", "row": "\n", "c": "\t"}
)
# Attributes that hold text a program shows (or hands on): any element's ...
_TEXT_ATTRIBUTES = frozenset(
    {
        "author",  # comments, tracked changes, people
        "initials",
        "userId",  # people.xml: the commenter's account, often an e-mail address
        "providerId",
        "name",  # sheets, defined names, tables, pivot fields, pictures, bookmarks
        "caption",
        "descr",  # alt text
        "title",
        "tooltip",
        "display",
        "displayName",
        "instr",  # simple fields: HYPERLINK "mailto:…"
        "v",  # pivot-cache values
        "prompt",  # data-validation messages
        "promptTitle",
        "error",
        "errorTitle",
        "displayText",
    }
)
# ... and `val`/`value` of these elements (document variables, content-control
# titles and entries, form-field names, defaults and help, pivot item names).
_TEXT_VALUE_ELEMENTS = frozenset(
    {
        "docVar",
        "alias",
        "tag",
        "listEntry",
        "listItem",
        "default",
        "helpText",
        "statusText",
        "name",
        "format",
    }
)
_SHARED_STRING_CELL = "s"


@dataclass(frozen=True)
class _Relationship:
    type: str
    target: str
    external: bool


class _Package:
    """The parts, content types and relationships of one OPC package."""

    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        self.archive = archive
        self.label = label
        self.parts: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.is_dir() and info.file_size == 0:
                continue
            if info.flag_bits & 0x1:
                raise UnsupportedDocument(f"{label} could not be read: it is encrypted")
            key = info.filename.lower()
            if key in self.parts:
                # Two parts under one name: programs disagree on which one counts.
                raise UnsupportedDocument(
                    f"{label} could not be read: it holds two parts named {info.filename}"
                )
            self.parts[key] = info
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}

    def load_content_types(self, budget: Budget) -> None:
        if _CONTENT_TYPES.lower() not in self.parts:
            raise self.invalid("it has no [Content_Types].xml")
        root = _parse(self.read(_CONTENT_TYPES, budget), self.label)
        for element in root:
            name = _local_name(element.tag)
            content_type = element.get("ContentType", "").strip().lower()
            if name == "Default":
                self.defaults[element.get("Extension", "").lower()] = content_type
            elif name == "Override":
                self.overrides[element.get("PartName", "").lstrip("/").lower()] = content_type

    def invalid(self, why: str) -> UnsupportedDocument:
        return UnsupportedDocument(f"{self.label} could not be read: {why}")

    def content_type(self, part: str) -> str | None:
        key = part.lower()
        if key in self.overrides:
            return self.overrides[key]
        extension = posixpath.splitext(key)[1].lstrip(".")
        return self.defaults.get(extension)

    def read(self, part: str, budget: Budget) -> bytes:
        return b"".join(self.chunks(part, budget))

    def chunks(self, part: str, budget: Budget) -> Iterator[bytes]:
        """The inflated bytes of one part, refused past either size cap."""
        info = self.parts[part.lower()]
        read = 0
        with self.archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                read += len(chunk)
                budget.add_inflated(info.filename, read, len(chunk))
                yield chunk

    def relationships(self, source: str, budget: Budget) -> list[_Relationship]:
        """The relationships of `source` ("" for the package), targets resolved."""
        directory, name = posixpath.split(source)
        rels = posixpath.join(directory, "_rels", f"{name}.rels")
        if rels.lower() not in self.parts:
            return []
        root = _parse(self.read(rels, budget), self.label)
        found = []
        for element in root:
            if _local_name(element.tag) != "Relationship":
                continue
            target = element.get("Target", "")
            external = element.get("TargetMode", "Internal") == "External"
            if not external:
                target = _resolve(directory, target)
            found.append(_Relationship(element.get("Type", ""), target, external))
        return found

    def main_part(self, budget: Budget) -> tuple[str, str]:
        """The part the package relationship names as the office document, and its type."""
        mains = [
            rel
            for rel in self.relationships("", budget)
            if rel.type in _OFFICE_DOCUMENT and not rel.external
        ]
        if len(mains) != 1:
            raise self.invalid("its package relationships name no single main document part")
        part = mains[0].target
        if part.lower() not in self.parts:
            raise self.invalid(f"its main document part {part} is missing")
        return part, self.content_type(part) or "no content type"


def _resolve(directory: str, target: str) -> str:
    target = urllib.parse.unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(directory, target)).lstrip("/")


def _parse(data: bytes, label: str) -> ET.Element:
    parser = ET.XMLParser(target=_NoDtdTreeBuilder(label))
    parser.feed(data)
    root: ET.Element = parser.close()
    return root


class _NoDtdTreeBuilder(ET.TreeBuilder):
    def __init__(self, label: str) -> None:
        super().__init__()
        self._label = label

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _dtd(self._label)


def _dtd(label: str) -> UnsupportedDocument:
    # Office XML never declares a DTD; one here can only be meant to expand
    # entities (a "billion laughs") or reach outside the file.
    return UnsupportedDocument(f"{label} could not be read: it declares a DTD")


def check_package(content_type: str, source: BinaryIO) -> None:
    """Refuse a ZIP that does not open as `content_type` (DOCX or XLSX): its package
    relationships must name a main part of that type (not a macro-enabled file, a
    template or the other kind)."""
    label = LABELS[content_type]
    budget = Budget(label, 0)
    try:
        with zipfile.ZipFile(source) as archive:
            package = _Package(archive, label)
            package.load_content_types(budget)
            part, main_type = package.main_part(budget)
            for info in package.parts.values():
                name = info.filename
                if (
                    name != _CONTENT_TYPES
                    and not name.lower().endswith(".rels")
                    and package.content_type(name) is None
                ):
                    raise package.invalid(f"its part {name} has no content type")
    except UnsupportedDocument:
        raise
    except Exception as exc:  # zipfile, zlib and expat raise many kinds of errors
        raise UnsupportedDocument(f"{label} could not be read: {exc}") from exc
    if main_type != MAIN_PART_TYPES[content_type]:
        raise UnsupportedDocument(
            f"the file does not open as {label}: its main part {part} is {main_type}"
        )


EmbeddedReader = Callable[[str, bytes, str, Budget, int], list[Place]]


def office_places(
    content_type: str,
    source: BinaryIO,
    budget: Budget,
    embedded: EmbeddedReader,
    depth: int = 0,
) -> tuple[list[Place], str]:
    """The text of every part of an Office package, by part (see the module
    docstring), and the text a reader sees in its body (runs of text and cell
    values, without names, properties or attributes: empty for a document of
    pictures only).

    `embedded(content_type, data, name, budget, depth)` reads an embedded Office
    file or PDF.
    """
    label = LABELS.get(content_type, "an embedded Office file")
    try:
        with zipfile.ZipFile(source) as archive:
            package = _Package(archive, label)
            package.load_content_types(budget)
            main, main_type = package.main_part(budget)
            if depth and main_type not in _EMBEDDED_MAIN_TYPES:
                raise package.invalid(f"its main part is {main_type}")
            return _read_package(package, main, budget, embedded, depth)
    except UnsupportedDocument:
        raise
    except Exception as exc:  # zipfile, zlib and expat raise many kinds of errors
        raise UnsupportedDocument(f"{label} could not be read: {exc}") from exc


def _read_package(
    package: _Package, main: str, budget: Budget, embedded: EmbeddedReader, depth: int
) -> tuple[list[Place], str]:
    places: list[Place] = []
    visible: list[str] = []
    links: list[str] = []
    # Every part the relationships reach, breadth first from the package ...
    order: list[str] = []
    seen: set[str] = set()
    queue = [""]
    while queue:
        source = queue.pop(0)
        for rel in package.relationships(source, budget):
            if rel.external:
                links.append(urllib.parse.unquote(rel.target))
            elif rel.target.lower() in package.parts and rel.target.lower() not in seen:
                seen.add(rel.target.lower())
                order.append(rel.target)
                queue.append(rel.target)
    # ... then whatever no relationship reaches (relationship parts were read above).
    for info in package.parts.values():
        name = info.filename
        if name.lower() not in seen and not name.lower().endswith(".rels"):
            order.append(name)
    for part in order:
        if part == _CONTENT_TYPES:
            continue
        found = _part_text(package, part, budget, embedded, depth)
        if found is not None:
            places.extend(found[0])
            visible.append(found[1])
    names = "\n".join(info.filename for info in package.parts.values())
    budget.add_chars(len(names))
    places.append(("part names", names))
    if links:
        joined = "\n".join(links)
        budget.add_chars(len(joined))
        places.append(("links (relationship targets)", joined))
    return places, "".join(visible)


def _part_text(
    package: _Package, part: str, budget: Budget, embedded: EmbeddedReader, depth: int
) -> tuple[list[Place], str] | None:
    """The text of one part by place, and what of it a reader sees in the body."""
    content_type = package.content_type(part) or ""
    if part.lower().endswith(".rels"):
        return None  # read as relationships
    if content_type.endswith("xml") or content_type == _VML:
        text, visible = _xml_text(package, part, content_type, budget)
        return [(part, text)], visible
    if content_type.startswith(_TEXT_LIKE):
        text = _markup_text(package.read(part, budget))
        budget.add_chars(len(text))
        return [(part, text)], text
    if content_type.startswith(_SKIPPED_PREFIXES) or content_type in _SKIPPED_TYPES:
        return None
    nested = _embedded_type(content_type, part)
    if nested is not None and depth < _MAX_DEPTH:
        data = package.read(part, budget)
        found = embedded(nested, data, part, budget, depth + 1)
        return [(f"{part}: {where}", text) for where, text in found], ""
    raise UnsupportedDocument(
        f"{package.label} embeds {part} ({content_type or 'unknown type'}), which cannot be "
        "checked for personal data; remove it or classify the document RESTRICTED"
    )


def _embedded_type(content_type: str, part: str) -> str | None:
    if content_type in _EMBEDDED_PACKAGES:
        return content_type
    if content_type == "application/pdf":
        return content_type
    extension = posixpath.splitext(part.lower())[1]
    if content_type in ("application/octet-stream", "") and extension in (".docx", ".xlsx"):
        return DOCX if extension == ".docx" else XLSX
    return None


def _markup_text(data: bytes) -> str:
    return html.unescape(_TAG.sub(" ", data.decode("utf-8", errors="replace")))


def _xml_text(package: _Package, part: str, content_type: str, budget: Budget) -> tuple[str, str]:
    collector = _TextCollector(budget, package.label)
    parser = ET.XMLParser(target=collector)
    try:
        for chunk in package.chunks(part, budget):
            parser.feed(chunk)
        parser.close()
    except ET.ParseError:
        if content_type != _VML:
            raise
        # Legacy VML (comment boxes, text boxes) is often not well-formed XML:
        # read it as markup.
        text = _markup_text(package.read(part, budget))
        budget.add_chars(len(text))
        return text, ""
    return collector.text(), "".join(collector.visible)


class _TextCollector:
    """ElementTree parser target keeping character data and the attributes that
    hold text. A target rather than a tree: memory follows the text, not the XML.

    Character data of the run-level text elements (`_JOINED`) is joined; other
    elements with text of their own end a line, so values in neighbouring
    elements (cells, properties) are never glued into one number. Whitespace
    between elements is layout, not text, and is dropped. Attribute values go
    on lines of their own after the body, so they never split a paragraph.
    """

    def __init__(self, budget: Budget, label: str) -> None:
        self._budget = budget
        self._label = label
        self._stack: list[tuple[str, list[str]]] = []  # open elements and their text
        self._shared_string_cell = False
        self.parts: list[str] = []
        self.visible: list[str] = []  # runs of text and cell values, with their breaks
        self.attributes: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._flush()
        name = _local_name(tag)
        if name == "c":
            self._shared_string_cell = attrib.get("t") == _SHARED_STRING_CELL
        for key, value in attrib.items():
            attribute = _local_name(key)
            if (
                attribute in _TEXT_ATTRIBUTES
                or (attribute in ("val", "value") and name in _TEXT_VALUE_ELEMENTS)
            ) and value.strip():
                self._budget.add_chars(len(value) + 1)
                self.attributes.append(value)
        self._stack.append((name, []))

    def end(self, tag: str) -> None:
        name, pending = self._stack.pop()
        # A shared-string cell's value is an index into the shared strings: not text.
        skip = name == "v" and self._shared_string_cell
        if pending and not skip:
            data = "".join(pending)
            if name in _JOINED or data.strip():
                self._keep(data, visible=name in _JOINED or name == "v")
                if name not in _JOINED and name not in _BREAKS:
                    self._keep("\n")
        separator = _BREAKS.get(name)
        if separator:
            self._keep(separator, visible=True)

    def data(self, data: str) -> None:
        if self._stack:
            self._stack[-1][1].append(data)

    def _flush(self) -> None:
        """Text before a child element (mixed content) counts like text at the end."""
        if self._stack and self._stack[-1][1]:
            name, pending = self._stack[-1]
            data = "".join(pending)
            pending.clear()
            if name in _JOINED or data.strip():
                self._keep(data, visible=name in _JOINED)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _dtd(self._label)

    def close(self) -> None:
        return None

    def _keep(self, text: str, *, visible: bool = False) -> None:
        self._budget.add_chars(len(text))
        self.parts.append(text)
        if visible:
            self.visible.append(text)

    def text(self) -> str:
        body = "".join(self.parts)
        if not self.attributes:
            return body
        return body + "\n" + "\n".join(self.attributes) + "\n"


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
