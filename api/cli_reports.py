"""`kjede report annual`: a body's annual report for its Transparency Act statement.

Registered in api/cli.py with one `app.add_typer(report_app, name="report")`.
Imports stay inside the command so `kjede --help` loads none of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

report_app = typer.Typer(help="Reports written from what a body may see.", no_args_is_help=True)


@report_app.command("annual")
def report_annual(
    org: Annotated[str, typer.Option(help="Organisation id (or number) of the body.")],
    year: Annotated[int, typer.Option(help="Calendar year, e.g. 2026.")],
    out: Annotated[Path, typer.Option(help="Directory to write the PDF and CSV to.")] = Path(),
) -> None:
    """Write the annual report (PDF with charts, CSV with the same numbers) in
    Norwegian bokmål or Swedish by the body's country."""
    import asyncio

    from api.app import Services
    from api.cli import console, fail, unit_of_work
    from domain.errors import DomainError
    from services.annual_report.run import Environment, write_annual_report
    from settings import Settings
    from storage import tenants
    from storage.models import Organization

    settings = Settings()
    with unit_of_work(settings) as session:
        found = session.get(Organization, org)
        organization_id = found.id if found else tenants.find_organization(session, org).id

    async def write() -> tuple[Path, Path]:
        services = Services.from_settings(settings)
        try:
            env = Environment(
                sessions=services.sessions,
                authorizer=services.authorizer,
                objects=services.objects,
                settings=settings,
                url_secret=services.url_secret,
            )
            written = await write_annual_report(env, organization_id, year, out)
            return written.pdf, written.csv
        finally:
            await services.close()

    try:
        pdf, csv = asyncio.run(write())
    except DomainError as exc:
        raise fail(f"{exc.code}: {exc.message}") from exc
    console.print(f"wrote {pdf}")
    console.print(f"wrote {csv}")
