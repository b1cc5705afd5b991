"""`kjede export ocds --network ID`: a framework agreement as an OCDS 1.1 release package.

Registered in api/cli.py with one `app.add_typer(export_app, name="export")`.
Imports stay inside the command so `kjede --help` loads none of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

export_app = typer.Typer(help="Public exports.", no_args_is_help=True)


@export_app.command("ocds")
def export_ocds(
    network: Annotated[str, typer.Option(help="Id of the framework agreement (network).")],
    out: Annotated[
        Path | None, typer.Option(help="File to write; standard output when omitted.")
    ] = None,
    ocid_prefix: Annotated[
        str, typer.Option(help="Your registered OCDS prefix, e.g. ocds-abc123.")
    ] = "ocds-kjede",
    publisher: Annotated[str, typer.Option(help="Publisher name in the package.")] = "kjede",
) -> None:
    """Write the agreement (first stage) and its decided mini-competitions (second
    stage, relatedProcesses "framework") as public OCDS: no bids, no prices."""
    import json

    from api.cli import console, unit_of_work
    from services.ocds import release_package
    from settings import Settings

    with unit_of_work(Settings()) as session:
        package = release_package(session, network, ocid_prefix=ocid_prefix, publisher=publisher)
    text = json.dumps(package, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    console.print(f"wrote {out} ({len(package['releases'])} releases)")
