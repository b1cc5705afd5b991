"""`kjede reference load DIR` and `kjede graph export`.

Registered in api/cli.py with one `app.add_typer(graph_cli)`.
"""

from __future__ import annotations

import asyncio
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:  # the commands import what they use: `kjede --help` loads none of it
    from settings import Settings

graph_cli = typer.Typer()
reference_app = typer.Typer(
    help="Risk reference data (ITUC, DFØ/regions, DOL).", no_args_is_help=True
)
graph_app = typer.Typer(help="The supply-chain graph.", no_args_is_help=True)
graph_cli.add_typer(reference_app, name="reference")
graph_cli.add_typer(graph_app, name="graph")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


@reference_app.command("load")
def reference_load(
    folder: Annotated[Path, typer.Argument(help="A folder with the reference CSV files.")],
) -> None:
    """Validate and store a new edition of the reference data (all files or nothing);
    the graph picks it up at its next refresh."""
    from services import reference
    from settings import Settings
    from storage import db

    try:
        texts = reference.read_folder(folder)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise fail(str(exc)) from exc
    engine = db.make_engine(Settings().resolved_database_url)
    try:
        if db.current_revision(engine) is None:
            raise fail("the database is not migrated; run `kjede db upgrade` first")
        with db.transaction(db.make_session_factory(engine)) as session:
            tables = reference.load_reference(session, texts)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    finally:
        engine.dispose()
    console.print(
        f"loaded: {len(tables.country_ratings)} rated countries, "
        f"{len(tables.high_risk_categories)} high-risk categories, "
        f"{len(tables.dol_listed)} DOL category-country pairs, {len(tables.aliases)} aliases"
    )


class ExportFormat(enum.StrEnum):
    graphml = "graphml"
    geojson = "geojson"


@graph_app.command("export")
def graph_export(
    user: Annotated[str, typer.Option(help="Export as this user (e-mail)...")],
    org: Annotated[str, typer.Option(help="... acting for this organisation number.")],
    format: Annotated[ExportFormat, typer.Option("--format", help="graphml or geojson.")] = (
        ExportFormat.graphml
    ),
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Export the supply-chain graph as USER of ORG sees it: only the edges that
    viewer may see (the same filter as the API)."""
    from domain.errors import DomainError
    from settings import Settings

    settings = Settings()
    try:
        text = asyncio.run(_export(settings, user, org, format.value))
    except DomainError as exc:
        raise fail(f"{exc.code}: {exc.message}") from exc
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        errors.print(f"wrote {out}")


async def _export(settings: Settings, email: str, org_number: str, fmt: str) -> str:
    from sqlalchemy import select

    from api.app import Services
    from api.auth import member
    from services import supply_chain
    from services.scope import Scope
    from storage import db, tenants
    from storage.models import Organization, User

    services = Services.from_settings(settings)
    try:
        with db.transaction(db.make_session_factory(services.engine)) as sync_session:
            organization_id = tenants.find_organization(sync_session, org_number).id
        async with services.sessions() as session:
            principal = await member(
                session,
                (
                    await session.execute(select(User).where(User.email == email))
                ).scalar_one_or_none(),
                await session.get(Organization, organization_id),
                None,
            )
            if principal is None:
                raise fail(f"{email} holds no role at {org_number}")
            scope = Scope(
                session=session,
                principal=principal,
                authorizer=services.authorizer,
                objects=services.objects,
                settings=settings,
                url_secret=services.url_secret,
            )
            return await supply_chain.export(scope, fmt)
    finally:
        await services.close()
