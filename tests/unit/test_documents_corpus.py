"""A corpus of hostile documents, built here: one per place where a DOCX, an XLSX
or a PDF can carry text a reader may see, each with a clean twin.

Every hostile document holds personal data the guard already recognises (an
e-mail address or a valid fødselsnummer) in exactly one place; its twin is the
same document with clean text there. The tests in this module check that the
extraction finds the personal data in every hostile document and none in any
twin; `tests/api/test_hostile_documents.py` shares the corpus through the API.

Office files are written part by part (no python-docx or openpyxl needed), so
each hiding place is exactly where Word and Excel look: parts found through the
package relationships under names of their own, properties, attributes,
relationship targets, embedded workbooks. PDFs are made with fpdf2 and edited
with pypdf: annotations and their appearances, form fields, attachments,
metadata, scripts and bookmarks.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fpdf import FPDF
from fpdf.enums import TextMode
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    PdfObject,
    TextStringObject,
)

from domain.personal_data import find_personal_data
from services.content.files import (
    DOCX,
    PDF,
    SNIFF_BYTES,
    XLSX,
    extract_places,
    sniff_content_type,
    strip_pdf_metadata,
)
from services.content.pdf import pdf_extras

EMAIL = "kari.nordmann@example.no"
NATIONAL_ID = "15076500565"  # a valid fødselsnummer
CLEAN = "Ingen merknader"
CLEAN_NUMBER = "1234"


@dataclass(frozen=True)
class Hiding:
    """One hiding place: how to build a document with `secret` there."""

    kind: str  # DOCX, XLSX or PDF
    where: str
    build: Callable[[str], bytes]
    secret: str = EMAIL
    # The upload removes it (PDF metadata, document-level extras and scripts).
    stripped_at_upload: bool = False
    # What a shared original may not carry, which refuses even the clean twin.
    twin_refused: str | None = None

    @property
    def extension(self) -> str:
        return {DOCX: "docx", XLSX: "xlsx", PDF: "pdf"}[self.kind]

    @property
    def clean(self) -> str:
        return CLEAN_NUMBER if self.secret.isdigit() else CLEAN

    def hostile(self) -> bytes:
        return self.build(self.secret)

    def twin(self) -> bytes:
        return self.build(self.clean)


# --- OOXML packages, part by part ---------------------------------------------

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
SHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CORE = ("core-properties", "application/vnd.openxmlformats-package.core-properties+xml")
APP = (
    "extended-properties",
    "application/vnd.openxmlformats-officedocument.extended-properties+xml",
)
CUSTOM = (
    "custom-properties",
    "application/vnd.openxmlformats-officedocument.custom-properties+xml",
)


@dataclass(frozen=True)
class Rel:
    type: str  # a full URI, or the last segment of an officeDocument relationship
    target: str
    external: bool = False

    def xml(self, index: int) -> str:
        kind = self.type if "://" in self.type else f"{REL}/{self.type}"
        mode = ' TargetMode="External"' if self.external else ""
        return f'<Relationship Id="rId{index}" Type="{kind}" Target="{self.target}"{mode}/>'


class Package:
    """Parts with content types and relationships, written as an OPC ZIP."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.rels: dict[str, list[Rel]] = {}

    def add(self, name: str, content_type: str, data: str | bytes) -> None:
        self.parts[name] = data.encode() if isinstance(data, str) else data
        self.types[name] = content_type

    def relate(self, source: str, rel: Rel) -> None:
        self.rels.setdefault(source, []).append(rel)

    def properties(self, where: str, secret: str) -> None:
        """Core, app and custom properties, the secret in the one `where` names."""
        creator = secret if where == "core properties" else "Revisor"
        company = secret if where == "app properties" else "Revisjon AS"
        contact = secret if where == "custom properties" else CLEAN
        self.add(
            "docProps/core.xml",
            CORE[1],
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>Revisor</cp:lastModifiedBy>"
            "</cp:coreProperties>",
        )
        self.add(
            "docProps/app.xml",
            APP[1],
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'extended-properties"><Company>{company}</Company><Pages>1</Pages></Properties>',
        )
        self.add(
            "docProps/custom.xml",
            CUSTOM[1],
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
            f'pid="2" name="Kontakt"><vt:lpwstr>{contact}</vt:lpwstr></property></Properties>',
        )
        for (kind, _), part in zip(
            (CORE, APP, CUSTOM),
            ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"),
            strict=True,
        ):
            rel_type = (
                f"{PKG_REL}/metadata/{kind}" if kind == "core-properties" else f"{REL}/{kind}"
            )
            self.relate("", Rel(rel_type, part))

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        overrides = "".join(
            f'<Override PartName="/{name}" ContentType="{kind}"/>'
            for name, kind in self.types.items()
        )
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "[Content_Types].xml",
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Default Extension="png" ContentType="image/png"/>'
                f"{overrides}</Types>",
            )
            for source, rels in self.rels.items():
                directory, _, name = source.rpartition("/")
                rels_name = f"{directory}/_rels/{name}.rels" if source else "_rels/.rels"
                archive.writestr(
                    rels_name.lstrip("/"),
                    f'<Relationships xmlns="{PKG_REL}">'
                    + "".join(rel.xml(i) for i, rel in enumerate(rels, 1))
                    + "</Relationships>",
                )
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return buffer.getvalue()


def run(text: str) -> str:
    return f"<w:r><w:t>{text}</w:t></w:r>"


def para(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def word_part(root: str, body: str) -> str:
    return f'<w:{root} xmlns:w="{W}">{body}</w:{root}>'


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def word_document(where: str, secret: str) -> bytes:
    """A Word document with every part Word shows; `secret` in the part `where` names.

    The main part is not called document.xml: Word finds it (and everything
    else) through the relationships, and so must the check.
    """

    def at(place: str, default: str = CLEAN) -> str:
        return secret if where == place else default

    main = "word/rapport.xml"
    package = Package()
    package.relate("", Rel("officeDocument", main))
    package.properties(where, secret)
    drawing = (
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
        f'drawingml/2006/wordprocessingDrawing"><wp:docPr id="1" name="Bilde 1" '
        f'descr="{at("alt text")}"/></wp:inline></w:drawing></w:r>'
    )
    deleted = f'<w:del w:author="Revisor"><w:r><w:delText>{at("tracked deletion")}</w:delText>'
    field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
        f' HYPERLINK "mailto:{at("field code", "post")}" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    body = (
        para(run("Revisjonsrapport: "), run(at("body (main part under its own name)")))
        + para(deleted + "</w:r></w:del>")
        + para(field, '<w:hyperlink r:id="rId9">', run("lenke"), "</w:hyperlink>")
        + para(drawing)
    )
    package.add(
        main,
        f"{WORDML}.document.main+xml",
        f'<w:document xmlns:w="{W}" xmlns:r="{REL}"><w:body>{body}</w:body></w:document>',
    )
    parts = {
        "header": ("word/topp1.xml", "hdr", "header", para(run(at("header")))),
        "footer": ("word/bunn1.xml", "ftr", "footer", para(run(at("footer")))),
        "footnotes": (
            "word/fotnoter.xml",
            "footnotes",
            "footnotes",
            f'<w:footnote w:id="1">{para(run(at("footnote")))}</w:footnote>',
        ),
        "endnotes": (
            "word/sluttnoter.xml",
            "endnotes",
            "endnotes",
            f'<w:endnote w:id="1">{para(run(at("endnote")))}</w:endnote>',
        ),
        "comments": (
            "word/merknader.xml",
            "comments",
            "comments",
            f'<w:comment w:id="0" w:author="{at("comment author", "Revisor")}" w:initials="R">'
            f"{para(run(at('comment')))}</w:comment>",
        ),
        "settings": (
            "word/innstillinger.xml",
            "settings",
            "settings",
            f'<w:docVars><w:docVar w:name="kontakt" w:val="{at("document variable")}"/>'
            "</w:docVars>",
        ),
    }
    for part, root, rel, xml in parts.values():
        package.add(part, f"{WORDML}.{rel}+xml", word_part(root, xml))
        package.relate(main, Rel(rel, part.removeprefix("word/")))
    package.add(
        "word/personer.xml",
        f"{WORDML}.people+xml",
        '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        '<w15:person w15:author="Revisor"><w15:presenceInfo w15:providerId="AD" '
        f'w15:userId="S::{at("people (commenter account)", "revisor")}::1"/>'
        "</w15:person></w15:people>",
    )
    package.relate(
        main, Rel("http://schemas.microsoft.com/office/2011/relationships/people", "personer.xml")
    )
    # rId9: the hyperlink in the body (percent-encoded, as Word writes it).
    link = at("hyperlink target", "post.example.no").replace("@", "%40")
    while len(package.rels[main]) < 8:
        package.relate(main, Rel("customXml", "../customXml/item1.xml"))
    package.relate(main, Rel("hyperlink", f"mailto:{link}", external=True))
    package.add("customXml/item1.xml", "application/xml", "<data>Revisjon</data>")
    image = f"word/media/{at('picture file name', 'bilde1')}.png"
    package.add(image, "image/png", PNG_1x1)
    package.relate(main, Rel("image", image.removeprefix("word/")))
    embedded = workbook("shared string", secret if where == "embedded workbook" else CLEAN)
    package.add("word/embeddings/Ark1.xlsx", XLSX, embedded)
    package.relate(main, Rel("package", "embeddings/Ark1.xlsx"))
    # A part no relationship reaches: Word ignores it, but it travels with the file.
    package.add(
        "word/gammel-versjon.xml",
        f"{WORDML}.header+xml",
        word_part("hdr", para(run(at("unreferenced part")))),
    )
    return package.bytes()


def workbook(where: str, secret: str) -> bytes:
    """An Excel workbook with every part Excel shows; `secret` in the part `where` names."""

    def at(place: str, default: str = CLEAN) -> str:
        return secret if where == place else default

    number = secret if where == "number cell" else "42"
    main = "xl/arbeidsbok.xml"
    package = Package()
    package.relate("", Rel("officeDocument", main))
    package.properties(where, secret)
    sheets = (
        f'<sheets><sheet name="{at("sheet name", "Oversikt")}" sheetId="1" r:id="rId1"/>'
        '<sheet name="Skjult" sheetId="2" state="veryHidden" r:id="rId2"/></sheets>'
        f'<definedNames><definedName name="Kontakt">"{at("defined name")}"</definedName>'
        "</definedNames>"
        '<pivotCaches><pivotCache cacheId="1" r:id="rId4"/></pivotCaches>'
    )
    package.add(
        main,
        f"{SHEETML}.sheet.main+xml",
        f'<workbook xmlns="{S}" xmlns:r="{REL}">{sheets}</workbook>',
    )
    package.relate(main, Rel("worksheet", "ark/oversikt.xml"))
    package.relate(main, Rel("worksheet", "ark/skjult.xml"))
    package.relate(main, Rel("sharedStrings", "delte-tekster.xml"))
    package.relate(main, Rel("pivotCacheDefinition", "pivot/definisjon.xml"))
    shared = [at("shared string"), "Funn"]
    package.add(
        "xl/delte-tekster.xml",
        f"{SHEETML}.sharedStrings+xml",
        f'<sst xmlns="{S}">' + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>",
    )
    cells = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        f'<c r="C1"><v>{number}</v></c>'
        f'<c r="D1" t="inlineStr"><is><t>{at("inline string")}</t></is></c>'
        f'<c r="E1" t="str"><f>HYPERLINK("mailto:{at("formula", "post")}")</f>'
        "<v>lenke</v></c></row>"
    )
    validation = (
        '<dataValidations count="1"><dataValidation type="list" sqref="A2" '
        f'promptTitle="Kontakt" prompt="{at("data validation prompt")}">'
        '<formula1>"Ja,Nei"</formula1></dataValidation></dataValidations>'
    )
    header = f"<headerFooter><oddHeader>&amp;L{at('page header')}</oddHeader></headerFooter>"
    package.add(
        "xl/ark/oversikt.xml",
        f"{SHEETML}.worksheet+xml",
        f'<worksheet xmlns="{S}" xmlns:r="{REL}"><sheetData>{cells}</sheetData>{validation}'
        '<hyperlinks><hyperlink ref="A1" r:id="rId2"/></hyperlinks>'
        f'{header}<drawing r:id="rId3"/></worksheet>',
    )
    package.relate("xl/ark/oversikt.xml", Rel("comments", "../kommentarer.xml"))
    link = at("hyperlink target", "post.example.no")
    package.relate("xl/ark/oversikt.xml", Rel("hyperlink", f"mailto:{link}", external=True))
    package.relate("xl/ark/oversikt.xml", Rel("drawing", "../tegninger/tegning1.xml"))
    package.add(
        "xl/ark/skjult.xml",
        f"{SHEETML}.worksheet+xml",
        f'<worksheet xmlns="{S}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        f"<t>{at('very hidden sheet')}</t></is></c></row></sheetData></worksheet>",
    )
    package.add(
        "xl/kommentarer.xml",
        f"{SHEETML}.comments+xml",
        f'<comments xmlns="{S}"><authors><author>{at("comment author", "Revisor")}</author>'
        '</authors><commentList><comment ref="A1" authorId="0"><text><r><t>'
        f"{at('comment')}</t></r></text></comment></commentList></comments>",
    )
    package.add(
        "xl/tegninger/tegning1.xml",
        "application/vnd.openxmlformats-officedocument.drawing+xml",
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing"/>',
    )
    package.relate("xl/tegninger/tegning1.xml", Rel("chart", "../diagram/diagram1.xml"))
    package.add(
        "xl/diagram/diagram1.xml",
        "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:a="{A}"><c:chart><c:title><c:tx><c:rich><a:p><a:r>'
        f"<a:t>{at('chart title')}</a:t></a:r></a:p></c:rich></c:tx></c:title></c:chart>"
        "</c:chartSpace>",
    )
    package.add(
        "xl/pivot/definisjon.xml",
        f"{SHEETML}.pivotCacheDefinition+xml",
        f'<pivotCacheDefinition xmlns="{S}" xmlns:r="{REL}" r:id="rId1"><cacheFields '
        'count="1"><cacheField name="Kontakt"><sharedItems>'
        f'<s v="{at("pivot cache items")}"/></sharedItems></cacheField></cacheFields>'
        "</pivotCacheDefinition>",
    )
    package.relate("xl/pivot/definisjon.xml", Rel("pivotCacheRecords", "poster.xml"))
    package.add(
        "xl/pivot/poster.xml",
        f"{SHEETML}.pivotCacheRecords+xml",
        f'<pivotCacheRecords xmlns="{S}"><r><s v="{at("pivot cache records")}"/>'
        '<n v="1"/></r></pivotCacheRecords>',
    )
    package.add(
        "xl/personer/person.xml",
        "application/vnd.ms-excel.person+xml",
        '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        f'<person displayName="Revisor" id="{{1}}" userId="{at("person (threaded comments)")}"'
        ' providerId="AD"/></personList>',
    )
    package.relate(
        main,
        Rel(
            "http://schemas.microsoft.com/office/2017/10/relationships/person",
            "personer/person.xml",
        ),
    )
    return package.bytes()


WORD_PLACES = [
    "body (main part under its own name)",
    "header",
    "footer",
    "footnote",
    "endnote",
    "comment",
    "comment author",
    "tracked deletion",
    "field code",
    "alt text",
    "hyperlink target",
    "document variable",
    "people (commenter account)",
    "core properties",
    "app properties",
    "custom properties",
    "embedded workbook",
    "unreferenced part",
    "picture file name",
]
EXCEL_PLACES = [
    "shared string",
    "inline string",
    "number cell",
    "sheet name",
    "very hidden sheet",
    "defined name",
    "formula",
    "comment",
    "comment author",
    "data validation prompt",
    "page header",
    "hyperlink target",
    "chart title",
    "pivot cache items",
    "pivot cache records",
    "person (threaded comments)",
    "core properties",
    "app properties",
    "custom properties",
]


# --- PDFs -----------------------------------------------------------------------


def _name(value: str) -> NameObject:
    return NameObject(value)


def _dict(**entries: PdfObject) -> DictionaryObject:
    return DictionaryObject({_name(f"/{key}"): value for key, value in entries.items()})


def _rect(*values: float) -> ArrayObject:
    return ArrayObject([FloatObject(v) for v in values])


def _stream(writer: PdfWriter, data: bytes, **entries: PdfObject) -> PdfObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({_name(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(stream)


def _appearance(writer: PdfWriter, text: str) -> PdfObject:
    """A form XObject that draws `text` in Helvetica: what a viewer shows."""
    font = writer._add_object(
        _dict(Type=_name("/Font"), Subtype=_name("/Type1"), BaseFont=_name("/Helvetica"))
    )
    return _stream(
        writer,
        f"BT /Helv 10 Tf 2 5 Td ({text}) Tj ET".encode(),
        Type=_name("/XObject"),
        Subtype=_name("/Form"),
        BBox=_rect(0, 0, 200, 20),
        Resources=_dict(Font=_dict(Helv=font)),
    )


def pdf_document(where: str, secret: str) -> bytes:
    """A one-page PDF with clean text, and `secret` in the place `where` names."""

    def at(place: str, default: str = CLEAN) -> str:
        return secret if where == place else default

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.text(20, 20, "Revisjonsrapport: funn i somavdelingen.")
    pdf.text(20, 30, at("page text"))
    pdf.text_mode = TextMode.INVISIBLE
    pdf.text(20, 40, at("invisible text", "Skjult merknad"))
    writer = PdfWriter(clone_from=io.BytesIO(bytes(pdf.output())))
    page = writer.pages[0]
    annotations = ArrayObject()

    def annotate(subtype: str, **entries: PdfObject) -> PdfObject:
        reference = writer._add_object(
            _dict(
                Type=_name("/Annot"),
                Subtype=_name(subtype),
                Rect=_rect(50, 500, 250, 520),
                **entries,
            )
        )
        annotations.append(reference)
        return reference

    if where in ("note", "annotation author"):
        annotate(
            "/Text",
            Contents=TextStringObject(at("note")),
            T=TextStringObject(at("annotation author")),
        )
    if where == "free text appearance":
        annotate(
            "/FreeText",
            Contents=TextStringObject(CLEAN),
            AP=_dict(N=_appearance(writer, secret)),
            DA=TextStringObject("/Helv 10 Tf 0 g"),
        )
    annotate(
        "/Link",
        A=_dict(S=_name("/URI"), URI=TextStringObject(f"mailto:{at('link target', 'post')}")),
    )
    if where in ("form field value", "form field tooltip"):
        value = at("form field value", "")
        entries: dict[str, PdfObject] = {
            "FT": _name("/Tx"),
            "T": TextStringObject("kontakt"),
            "TU": TextStringObject(at("form field tooltip", "Kontaktperson")),
            "AP": _dict(N=_appearance(writer, value)),
        }
        if value:
            entries["V"] = TextStringObject(value)
        field = annotate("/Widget", **entries)
        writer._root_object[_name("/AcroForm")] = _dict(Fields=ArrayObject([field]))
    if where == "file attachment annotation":
        embedded = _stream(writer, secret.encode(), Type=_name("/EmbeddedFile"))
        annotate(
            "/FileAttachment",
            Contents=TextStringObject("Vedlegg"),
            FS=_dict(
                Type=_name("/Filespec"), F=TextStringObject("vedlegg.txt"), EF=_dict(F=embedded)
            ),
        )
    page[_name("/Annots")] = annotations
    if where in ("attached file", "attached file name"):
        name = f"{secret}.txt" if where == "attached file name" else "vedlegg.txt"
        writer.add_attachment(name, at("attached file", "Vedlegg uten merknader").encode())
    if where == "document information":
        writer.add_metadata({"/Author": secret})
    if where == "XMP metadata":
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
            '02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description '
            f'rdf:about=""><dc:creator><rdf:Seq><rdf:li>{secret}</rdf:li></rdf:Seq>'
            "</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        writer._root_object[_name("/Metadata")] = _stream(
            writer, xmp.encode(), Type=_name("/Metadata"), Subtype=_name("/XML")
        )
    if where in ("document JavaScript", "open action JavaScript"):
        action = writer._add_object(
            _dict(S=_name("/JavaScript"), JS=TextStringObject(f'app.alert("{secret}");'))
        )
        if where == "open action JavaScript":
            writer._root_object[_name("/OpenAction")] = action
        else:
            tree = _dict(Names=ArrayObject([TextStringObject("varsel"), action]))
            writer._root_object[_name("/Names")] = _dict(JavaScript=writer._add_object(tree))
    if where == "bookmark":
        writer.add_outline_item(title=secret, page_number=0)
    if where == "page actions":
        action = _dict(S=_name("/JavaScript"), JS=TextStringObject(f'app.alert("{secret}");'))
        page[_name("/AA")] = _dict(O=action)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# (place, removed by the upload, what refuses the clean twin as a shared original)
PDF_PLACES: list[tuple[str, bool, str | None]] = [
    ("page text", False, None),
    ("invisible text", False, None),
    ("note", False, "annotations"),
    ("annotation author", False, "annotations"),
    ("free text appearance", False, "annotations"),
    ("link target", False, None),
    ("form field value", False, "form fields"),
    ("form field tooltip", False, None),
    ("file attachment annotation", False, "attached files"),
    ("attached file", True, "attached files"),
    ("attached file name", True, "attached files"),
    ("document information", True, None),
    ("XMP metadata", True, None),
    ("document JavaScript", True, "scripts"),
    ("open action JavaScript", True, "scripts"),
    ("page actions", True, "scripts"),
    ("bookmark", True, None),
]


def _numeric(place: str) -> str:
    return NATIONAL_ID if place == "number cell" else EMAIL


def _bind(build: Callable[[str, str], bytes], where: str) -> Callable[[str], bytes]:
    def built(secret: str) -> bytes:
        return build(where, secret)

    return built


CORPUS: list[Hiding] = (
    [Hiding(DOCX, where, _bind(word_document, where)) for where in WORD_PLACES]
    + [Hiding(XLSX, where, _bind(workbook, where), _numeric(where)) for where in EXCEL_PLACES]
    + [
        Hiding(PDF, where, _bind(pdf_document, where), EMAIL, stripped, refused)
        for where, stripped, refused in PDF_PLACES
    ]
)
# A fødselsnummer in two more places, to show it is not only e-mail addresses.
CORPUS += [
    Hiding(DOCX, "comment", _bind(word_document, "comment"), NATIONAL_ID),
    Hiding(PDF, "note", _bind(pdf_document, "note"), NATIONAL_ID, False, "annotations"),
]


def corpus_ids(item: Hiding) -> str:
    suffix = "-fnr" if item.secret == NATIONAL_ID else ""
    return f"{item.extension}-{item.where.replace(' ', '-')}{suffix}"


# --- the extraction reads every hiding place --------------------------------------


def places_with_personal_data(content_type: str, data: bytes) -> list[str]:
    extraction = extract_places(content_type, io.BytesIO(data))
    return [where for where, text in extraction.places if find_personal_data(text)]


@pytest.mark.parametrize("item", CORPUS, ids=corpus_ids)
def test_every_hiding_place_is_read(item: Hiding) -> None:
    hostile = item.hostile()
    assert sniff_content_type(hostile[:SNIFF_BYTES], f"x.{item.extension}") == item.kind
    found = places_with_personal_data(item.kind, hostile)
    assert found, f"{item.where}: personal data not found"
    assert places_with_personal_data(item.kind, item.twin()) == []


@pytest.mark.parametrize("item", CORPUS, ids=corpus_ids)
def test_the_secret_is_really_in_the_hostile_file_only(item: Hiding) -> None:
    """The corpus is honest: the twin is the same document without the secret."""
    if item.kind == PDF:
        return  # PDF strings and streams may be encoded; the extraction test covers them
    assert item.secret.encode() in _inflated(item.hostile()) or item.where in ("hyperlink target",)
    assert item.secret.encode() not in _inflated(item.twin())


def _inflated(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        inner = b"".join(
            (
                _inflated(archive.read(info))
                if info.filename.endswith(".xlsx")
                else archive.read(info)
            )
            + info.filename.encode()
            for info in archive.infolist()
        )
    return inner


def test_office_places_name_the_part() -> None:
    found = places_with_personal_data(DOCX, word_document("comment", EMAIL))
    assert found == ["word/merknader.xml"]
    found = places_with_personal_data(DOCX, word_document("hyperlink target", EMAIL))
    assert found == ["links (relationship targets)"]
    found = places_with_personal_data(DOCX, word_document("embedded workbook", EMAIL))
    assert found == ["word/embeddings/Ark1.xlsx: xl/delte-tekster.xml"]
    found = places_with_personal_data(XLSX, workbook("sheet name", EMAIL))
    assert found == ["xl/arbeidsbok.xml"]


def test_pdf_places_say_where_a_viewer_shows_it() -> None:
    assert places_with_personal_data(PDF, pdf_document("note", EMAIL)) == [
        "Text annotation on page 1"
    ]
    assert places_with_personal_data(PDF, pdf_document("form field value", EMAIL)) == [
        "form field on page 1"
    ]
    assert places_with_personal_data(PDF, pdf_document("document information", EMAIL)) == [
        "document information"
    ]
    assert places_with_personal_data(PDF, pdf_document("bookmark", EMAIL)) == ["bookmarks"]


# --- what the upload removes, and what a shared original may not carry -----------


@pytest.mark.parametrize("item", [item for item in CORPUS if item.kind == PDF], ids=corpus_ids)
def test_upload_cleaning_removes_metadata_scripts_and_document_extras(item: Hiding) -> None:
    cleaned = io.BytesIO()
    strip_pdf_metadata(io.BytesIO(item.hostile()), cleaned)
    found = places_with_personal_data(PDF, cleaned.getvalue())
    if item.stripped_at_upload:
        assert found == []
    else:
        assert found
    extras = " ".join(pdf_extras(PdfReader(io.BytesIO(cleaned.getvalue()))))
    assert "scripts" not in extras


@pytest.mark.parametrize("item", [item for item in CORPUS if item.kind == PDF], ids=corpus_ids)
def test_pdf_extras_name_what_a_shared_original_may_not_carry(item: Hiding) -> None:
    extras = " ".join(pdf_extras(PdfReader(io.BytesIO(item.twin()))))
    if item.twin_refused is None:
        assert extras == ""
    else:
        assert item.twin_refused in extras


def test_strip_keeps_links_but_removes_their_scripts() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_document("page text", CLEAN)))
    link = writer.pages[0]["/Annots"][0].get_object()
    script = _dict(S=_name("/JavaScript"), JS=TextStringObject("app.alert(1)"))
    link[_name("/A")][_name("/Next")] = script
    link[_name("/AA")] = _dict(E=script)
    widget = writer._add_object(
        _dict(
            Type=_name("/Annot"),
            Subtype=_name("/Widget"),
            Rect=_rect(0, 0, 10, 10),
            Parent=_dict(FT=_name("/Tx"), T=TextStringObject("felt"), AA=_dict(K=script)),
            A=_dict(S=_name("/Launch"), F=TextStringObject("calc.exe")),
        )
    )
    writer.pages[0]["/Annots"].append(widget)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "scripts" in " ".join(pdf_extras(PdfReader(io.BytesIO(buffer.getvalue()))))
    cleaned = io.BytesIO()
    strip_pdf_metadata(io.BytesIO(buffer.getvalue()), cleaned)
    reader = PdfReader(io.BytesIO(cleaned.getvalue()))
    assert pdf_extras(reader) == []
    annotations = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert annotations[0]["/A"]["/URI"] == "mailto:post"  # the link itself stays
    assert b"calc.exe" not in cleaned.getvalue()


def test_numbers_are_kept_apart_across_cells_and_properties() -> None:
    """Values in neighbouring elements are never glued into one number, which would
    hide a fødselsnummer (a number glued to other digits is not flagged)."""
    data = workbook("number cell", NATIONAL_ID)
    extraction = extract_places(XLSX, io.BytesIO(data))
    assert NATIONAL_ID in extraction.text
    assert f"42{NATIONAL_ID}" not in extraction.text
    assert "NORWEGIAN_NATIONAL_ID" in {
        hit.kind for _, text in extraction.places for hit in find_personal_data(text)
    }
