"""The annual report a public body attaches to its statement under the
Transparency Act (åpenhetsloven): its figures (`figures`), drawn only from what
the body may see through the disclosure kernel, written as a PDF with charts and
as a CSV with the same numbers (`render`), in Norwegian bokmål or Swedish by the
body's country (`texts`)."""

from services.annual_report.figures import AnnualFigures, collect_figures
from services.annual_report.render import render_csv, render_pdf
from services.annual_report.texts import locale_for

__all__ = ["AnnualFigures", "collect_figures", "locale_for", "render_csv", "render_pdf"]
