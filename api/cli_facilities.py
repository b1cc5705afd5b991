"""`kjede import facilities FILE.csv`: bulk facility import, deduplicated.

Registered in api/cli.py with one `app.add_typer(import_app, name="import")`.
Imports stay inside the command so `kjede --help` loads none of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(help="Bulk imports.", no_args_is_help=True)


@import_app.command("facilities")
def import_facilities(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; store nothing.")
    ] = False,
) -> None:
    """Import production sites from FILE (header: name,country[,address][,os_id]).

    A row matching a stored facility (the same OS ID, or the same country with a
    close name and address, KJEDE_FACILITY_MATCH_THRESHOLD) is not stored again;
    a row with a bad country or OS ID is rejected with the reason."""
    from rich.progress import Progress
    from rich.table import Table

    from api.cli import console, unit_of_work
    from services.facility_import import count_rows
    from services.facility_import import import_facilities as run
    from settings import Settings

    settings = Settings()

    class DryRun(Exception):
        pass

    try:
        with unit_of_work(settings) as session, Progress(console=console) as progress:
            task = progress.add_task("facilities", total=count_rows(file))
            result = run(
                session,
                file,
                settings.facility_match_threshold,
                lambda n: progress.advance(task, n),
            )
            if dry_run:
                raise DryRun
    except DryRun:
        console.print("[yellow]dry run: nothing stored[/yellow]")
    console.print(
        f"matched: {len(result.matched)}  new: {len(result.new)}  rejected: {len(result.rejected)}"
    )
    if result.matched:
        table = Table("line", "row", "matched facility")
        for matched in result.matched:
            table.add_row(str(matched.line), matched.name, matched.facility_name)
        console.print(table)
    if result.rejected:
        table = Table("line", "reason", title="rejected")
        for rejected in result.rejected:
            table.add_row(str(rejected.line), rejected.reason)
        console.print(table)
