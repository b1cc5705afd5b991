"""Shared renditions (JSON and PDF) of an audit report.

A rendition is generated from the report as already redacted for its viewer,
never by covering text in an original: what was withheld is not in the file at
all. The PDF prints a fixed set of known fields only, so whatever else a caller
leaves in the structure cannot end up in it. Both renditions are deterministic
(same structure, same bytes), so content addressing stores each once.

The PDF uses the core Helvetica font with Windows-1252 encoding: no font file
to ship or find, and Nordic letters (æøå, äö) and typographic punctuation are
covered. Other characters are transliterated (č → c) or replaced by "?"; the
JSON rendition keeps every character.
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

__all__ = ["render_json", "render_pdf"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_ENCODING = "cp1252"
_LINE = 5.0  # mm per text line
# Letters with no Unicode decomposition to a base letter (Sámi, Polish, ...).
_TRANSLITERATE = str.maketrans(
    {"đ": "d", "Đ": "D", "ŧ": "t", "Ŧ": "T", "ŋ": "n", "Ŋ": "N", "ł": "l", "Ł": "L", "\u0131": "i"}
)


def render_json(report: Mapping[str, Any]) -> bytes:
    """Canonical UTF-8 JSON of the redacted report."""
    _check_withheld(report)
    text = json.dumps(report, sort_keys=True, ensure_ascii=False, indent=2, default=_json_default)
    return text.encode("utf-8")


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def render_pdf(report: Mapping[str, Any]) -> bytes:
    """A readable PDF of the redacted report, ending with the list of withheld fields."""
    _check_withheld(report)
    pdf = _ReportPdf(footer_text=f"Audit report {_string(report, 'id') or ''}")
    title = _string(report, "title") or "Audit report"
    # Neutral metadata: nothing about who made the file or when it was rendered.
    pdf.set_title(title)
    pdf.set_creator("kjede")
    pdf.set_producer("kjede")
    pdf.set_creation_date(_creation_date(_string(report, "publishedAt")))
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.set_font("helvetica", "B", 16)
    pdf.paragraph(title, height=8)
    pdf.ln(2)
    pdf.set_font("helvetica", "", 10)
    for label, value in _metadata_rows(report):
        pdf.field(label, value)

    facilities = _list(report, "facilities")
    if facilities:
        pdf.heading("Facilities")
        for index, facility in enumerate(facilities):
            path = f"facilities.{index}"
            name = _string(facility, "name", path)
            place = ", ".join(
                part
                for part in (
                    _string(facility, "address", path),
                    _string(facility, "country", path),
                )
                if part
            )
            pdf.paragraph(" - ".join(part for part in (name, place) if part))

    for key, heading in (
        ("summary", "Summary"),
        ("commercialNotes", "Commercial notes"),
        ("workerInterviews", "Worker interviews"),
    ):
        text = _string(report, key)
        if text:
            pdf.heading(heading)
            pdf.paragraph(text)

    pdf.heading("Findings")
    findings = _list(report, "findings")
    if not findings:
        pdf.paragraph("No findings.")
    for index, finding in enumerate(findings):
        _render_finding(pdf, index, finding)

    withheld = _withheld_paths(report)
    if withheld:
        pdf.ln(4)
        pdf.set_font("helvetica", "I", 9)
        pdf.paragraph("Withheld from this rendition: " + ", ".join(withheld))
    return bytes(pdf.output())


def _metadata_rows(report: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    enums = (("Report type", "reportType"), ("Status", "status"), ("Share scope", "shareScope"))
    for label, key in enums:
        value = _string(report, key)
        if value:
            yield label, _enum_label(value)
    for label, key in (("Audit date", "auditDate"), ("Published", "publishedAt")):
        value = _string(report, key)
        if value:
            yield label, value
    for label, key in (
        ("Commissioned by", "commissionedBy"),
        ("Auditor", "auditor"),
        ("Supplier", "supplier"),
    ):
        organization = _mapping(report, key)
        name = _string(organization, "name", key) if organization else None
        if name:
            yield label, name
    clearance = _string(report, "clearance")
    if clearance:
        yield "Rendered for", f"{_enum_label(clearance)} clearance"


def _render_finding(pdf: _ReportPdf, index: int, finding: Mapping[str, Any]) -> None:
    path = f"findings.{index}"
    requirement = _string(finding, "requirement", path)
    severity = _string(finding, "severity", path)
    title = " - ".join(_enum_label(part) for part in (requirement, severity) if part)
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 10)
    pdf.paragraph(f"{index + 1}. {title}" if title else f"{index + 1}.")
    pdf.set_font("helvetica", "", 10)
    for label, key in (("Description", "description"), ("Evidence", "evidence")):
        text = _string(finding, key, path)
        if text:
            pdf.field(label, text)
    action = _mapping(finding, "correctiveAction", path)
    if action:
        action_path = f"{path}.correctiveAction"
        for label, key in (
            ("Corrective action", "description"),
            ("Due", "dueDate"),
            ("Action status", "status"),
        ):
            text = _string(action, key, action_path)
            if text:
                pdf.field(label, _enum_label(text) if key == "status" else text)


class _ReportPdf(FPDF):
    """A4 pages with a footer naming the report and the page."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", "", 8)
        text = _pdf_safe(f"{self._footer_text} - page {self.page_no()}/{{nb}}")
        self.cell(0, 10, text, align="C")

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font("helvetica", "B", 12)
        self.paragraph(text, height=7)
        self.set_font("helvetica", "", 10)

    def paragraph(self, text: str, height: float = _LINE) -> None:
        self.multi_cell(0, height, _pdf_safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        style = self.font_style
        self.set_font(style="B")
        self.cell(40, _LINE, _pdf_safe(label))
        self.set_font(style=style)
        self.multi_cell(0, _LINE, _pdf_safe(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _pdf_safe(text: str) -> str:
    """Text the core fonts can show: Windows-1252, transliterated where possible."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    out: list[str] = []
    for char in text.translate(_TRANSLITERATE):
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf"):
            continue  # control and invisible formatting characters
        elif _encodable(char):
            out.append(char)
        else:
            base = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(part) and _encodable(part)
            )
            out.append(base or "?")
    return "".join(out)


def _encodable(char: str) -> bool:
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _enum_label(value: str) -> str:
    """INSPECTION_ABROAD -> Inspection abroad; ILO_C29 -> ILO C29."""
    if value.startswith("ILO_"):
        return value.replace("_", " ")
    return value.replace("_", " ").capitalize()


def _creation_date(published_at: str | None) -> datetime.datetime:
    """publishedAt, or the epoch: never the time of rendering."""
    if not published_at:
        return _EPOCH
    moment = datetime.datetime.fromisoformat(published_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _withheld_paths(report: Mapping[str, Any]) -> list[str]:
    paths = report.get("redactedFields") or []
    if isinstance(paths, str) or not isinstance(paths, Sequence):
        raise TypeError("redactedFields must be a list of strings")
    return list(dict.fromkeys(str(path) for path in paths))


def _check_withheld(report: Mapping[str, Any]) -> None:
    """Refuse a structure that lists a field as withheld but still carries it."""
    for path in _withheld_paths(report):
        if _lookup(report, path) is not None:
            raise ValueError(f"{path} is listed as withheld but still has a value")


def _lookup(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, Sequence) and not isinstance(value, str) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
    return value


def _string(container: Mapping[str, Any], key: str, path: str = "") -> str | None:
    value = container.get(key)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{_join(path, key)} must be a string, not {type(value).__name__}")


def _mapping(container: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any] | None:
    value = container.get(key)
    if value is None or isinstance(value, Mapping):
        return value
    raise TypeError(f"{_join(path, key)} must be an object, not {type(value).__name__}")


def _list(container: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = container.get(key) or []
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
        raise TypeError(f"{key} must be a list, not {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TypeError(f"{key}.{index} must be an object, not {type(item).__name__}")
    return list(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
