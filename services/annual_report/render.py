"""The annual report as a PDF (fpdf2, charts drawn by matplotlib and embedded
as PNG) and as a CSV carrying the same numbers, both from one `AnnualFigures`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from services.annual_report.figures import AnnualFigures
from services.annual_report.texts import Words

_LINE = 6.0
_ENCODING = "cp1252"  # the core fonts' code page: æ ø å ä ö and the rest of Western Europe


def summary_rows(figures: AnnualFigures, words: Words) -> list[tuple[str, str, str, int]]:
    """(section, key, label, value): the headline figures, in the order printed."""
    return [
        ("contracts", "high_risk", words["contracts_high_risk"], figures.contracts_high_risk),
        ("self_reports", "received", words["self_reports"], figures.self_reports_received),
        ("audits", "done", words["audits_done"], figures.audits_done),
        ("audits", "commissioned", words["audits_commissioned"], figures.audits_commissioned),
        ("audits", "shared", words["audits_shared"], figures.audits_shared),
        ("findings", "total", words["findings_total"], figures.findings_total),
        ("corrective_actions", "closed", words["actions_closed"], figures.actions_closed),
    ]


def csv_rows(figures: AnnualFigures, words: Words) -> Iterator[tuple[str, str, str, int]]:
    """Every number of the report: the summary, then each table's rows."""
    yield from summary_rows(figures, words)
    for category, count in figures.contracts_by_category.items():
        yield ("contracts_by_category", category, words.category(category), count)
    for report_type, count in figures.audits_by_type.items():
        yield ("audits_by_type", report_type.value, words.report_type(report_type), count)
    for requirement, count in figures.findings_by_requirement().items():
        yield (
            "findings_by_requirement",
            requirement.value,
            words.requirement(requirement),
            count,
        )
    for country, count in figures.findings_by_country().items():
        yield ("findings_by_country", country, words.country(country), count)
    for (requirement, country), count in figures.findings.items():
        label = f"{words.requirement(requirement)} / {words.country(country)}"
        yield (
            "findings_by_requirement_and_country",
            f"{requirement.value}/{country}",
            label,
            count,
        )


def render_csv(figures: AnnualFigures, words: Words) -> str:
    """UTF-8 text (write it with a BOM for spreadsheets): section, key, label, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "label", "value"])
    writer.writerow(["report", "year", words["period"], figures.year])
    for row in csv_rows(figures, words):
        writer.writerow(row)
    return out.getvalue()


def render_pdf(figures: AnnualFigures, words: Words, made: dt.date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    title = words["title"].format(year=figures.year)
    pdf.set_title(title)
    pdf.set_creator("kjede")
    pdf.set_producer("kjede")
    pdf.set_lang(words.locale.split("_")[0])
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    _paragraph(pdf, title, 8)
    pdf.set_font("helvetica", "", 11)
    _paragraph(pdf, words["subtitle"])
    pdf.ln(3)
    pdf.set_font("helvetica", "", 10)
    period = (
        f"{words.date(dt.date(figures.year, 1, 1))} - {words.date(dt.date(figures.year, 12, 31))}"
    )
    for label, value in (
        (words["body"], figures.organization_name),
        (words["period"], period),
        (words["made"], words.date(made)),
    ):
        _paragraph(pdf, f"{label}: {value}")
    pdf.ln(2)
    _paragraph(pdf, words["intro"])

    _heading(pdf, words["summary"])
    for _, _, name, count in summary_rows(figures, words):
        _paragraph(pdf, f"{name}: {words.number(count)}")

    _heading(pdf, words["contracts_heading"])
    _table(
        pdf,
        words,
        (words["category"], words["count"]),
        [(words.category(c), n) for c, n in figures.contracts_by_category.items()],
    )

    _heading(pdf, words["audits_heading"])
    _table(
        pdf,
        words,
        (words["type"], words["count"]),
        [(words.report_type(t), n) for t, n in figures.audits_by_type.items()],
    )

    _heading(pdf, words["findings_heading"])
    by_requirement = figures.findings_by_requirement()
    if by_requirement:
        _chart(
            pdf,
            words["findings_chart"],
            [words.requirement(r) for r in by_requirement],
            list(by_requirement.values()),
        )
        by_country = figures.findings_by_country()
        _chart(
            pdf,
            words["countries_chart"],
            [words.country(c) for c in by_country],
            list(by_country.values()),
        )
    _table(
        pdf,
        words,
        (f"{words['requirement']} / {words['country']}", words["count"]),
        [
            (f"{words.requirement(r)} / {words.country(c)}", n)
            for (r, c), n in figures.findings.items()
        ],
    )
    return bytes(pdf.output())


def _paragraph(pdf: FPDF, text: str, height: float = _LINE) -> None:
    pdf.multi_cell(0, height, _safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 12)
    _paragraph(pdf, text, 7)
    pdf.set_font("helvetica", "", 10)


def _table(
    pdf: FPDF, words: Words, header: tuple[str, str], rows: Sequence[tuple[str, int]]
) -> None:
    if not rows:
        _paragraph(pdf, words["none"])
        return
    with pdf.table(col_widths=(130, 40), text_align=("LEFT", "RIGHT")) as table:
        head = table.row()
        for cell in header:
            head.cell(_safe(cell))
        for label, count in rows:
            row = table.row()
            row.cell(_safe(label))
            row.cell(words.number(count))
        total = table.row()
        total.cell(_safe(words["total"]))
        total.cell(words.number(sum(count for _, count in rows)))


def _chart(pdf: FPDF, title: str, labels: list[str], values: list[int]) -> None:
    """A horizontal bar chart, largest first at the top, embedded as a PNG."""
    figure = Figure(figsize=(6.4, 0.45 * len(labels) + 1.1), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color="#2f6f8f")
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_title(title)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            str(value), (value, position), xytext=(3, 0), textcoords="offset points", va="center"
        )
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", metadata={"Software": None})
    png.seek(0)
    pdf.ln(2)
    pdf.image(png, w=160)


def _safe(text: str) -> str:
    """Text the core fonts can print: characters outside the code page become '?'."""
    return text.encode(_ENCODING, "replace").decode(_ENCODING)
