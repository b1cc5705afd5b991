"""Operator commands of `kjede`: `objects sweep`, `backup DIR`, `restore DIR`.

Registered in api/cli.py with one `app.add_typer(ops_app)`: the commands land at
the top level (`kjede backup`), the sweep under `kjede objects`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:  # the commands import what they use: `kjede --help` loads none of it
    from storage.sweep import SweepResult

ops_app = typer.Typer()
objects_app = typer.Typer(help="The object store: documents and renditions.", no_args_is_help=True)
ops_app.add_typer(objects_app, name="objects")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def parse_duration(text: str) -> dt.timedelta:
    """`3600`, `90s`, `30m`, `24h`, `7d` or a sum like `1h30m`."""
    value = text.strip().lower()
    if value.isdigit():
        return dt.timedelta(seconds=int(value))
    parts = _DURATION.findall(value)
    if not value or "".join(f"{n}{u}" for n, u in parts) != value:
        raise typer.BadParameter(f"{text!r} is not a duration such as 24h, 30m, 7d or 3600")
    return sum((dt.timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), dt.timedelta())


def describe_duration(duration: dt.timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@objects_app.command("sweep")
def objects_sweep(
    grace: Annotated[
        str | None,
        typer.Option(
            help="Keep unreferenced objects written more recently than this (24h, 30m, 7d); "
            "default KJEDE_OBJECT_SWEEP_GRACE_SECONDS."
        ),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Delete; without it nothing is changed.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Remove unreferenced objects older than the grace period (a dry run unless --apply).

    An object is unreferenced when no document row names its key. Renditions of
    SUPERSEDED and WITHDRAWN reports are released first (their rows deleted), so
    their objects go too.
    """
    from settings import Settings
    from storage import db
    from storage.objects import object_store_from_settings
    from storage.sweep import sweep

    settings = Settings()
    period = (
        parse_duration(grace)
        if grace is not None
        else dt.timedelta(seconds=settings.object_sweep_grace_seconds)
    )
    engine = db.make_engine(settings.resolved_database_url)
    try:
        if db.current_revision(engine) is None:
            raise fail("the database is not migrated; run `kjede db upgrade` first")
        result = sweep(engine, object_store_from_settings(settings), grace=period, apply=apply)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(sweep_json(result, period), indent=2))
        return
    print_sweep(result, period)


def sweep_json(result: SweepResult, grace: dt.timedelta) -> dict[str, Any]:
    return {
        "applied": result.applied,
        "grace_seconds": int(grace.total_seconds()),
        "cutoff": result.cutoff.isoformat(),
        "scanned": result.scanned,
        "released": [
            {
                "document_id": r.document_id,
                "report_id": r.report_id,
                "status": r.status.value,
                "filename": r.filename,
                "object_key": r.object_key,
            }
            for r in result.released
        ],
        "orphans": [
            {"key": o.key, "bytes": o.size, "modified": o.modified.isoformat()}
            for o in result.orphans
        ],
        "bytes": result.orphan_bytes,
        "young": [o.key for o in result.young],
        "refreshed": list(result.refreshed),
        "unfinished": [{"key": u.key, "started": u.started.isoformat()} for u in result.unfinished],
        "forgotten_uploads": result.forgotten_uploads,
    }


def print_sweep(result: SweepResult, grace: dt.timedelta) -> None:
    """One line per rendition and object, keys whole (for copying), then a summary."""
    if result.released:
        verb = "released" if result.applied else "would release"
        console.print(f"[bold]renditions of SUPERSEDED and WITHDRAWN reports ({verb}):[/bold]")
        for r in result.released:
            console.print(f"  {r.report_id}  {r.status.value}  {r.filename}  {r.object_key}")
    if result.orphans:
        verb = "removed" if result.applied else "would remove"
        cutoff = result.cutoff.isoformat(timespec="seconds")
        console.print(f"[bold]unreferenced objects last written before {cutoff} ({verb}):[/bold]")
        for o in result.orphans:
            modified = o.modified.isoformat(timespec="seconds")
            console.print(f"  {o.key}  {o.size} bytes  last written {modified}")
    count, size = len(result.orphans), result.orphan_bytes
    summary = (
        f"{len(result.released)} rendition(s) released, {count} object(s) removed, "
        f"{size} bytes ({human_bytes(size)})"
        if result.applied
        else f"dry run: would release {len(result.released)} rendition(s) and remove "
        f"{count} object(s), {size} bytes ({human_bytes(size)})"
    )
    console.print(f"{summary}; {result.scanned} object(s) scanned")
    if result.unfinished:
        verb = "discarded" if result.applied else "would discard"
        console.print(
            f"{len(result.unfinished)} upload(s) begun before the cutoff and never "
            f"finished ({verb}): " + ", ".join(u.key for u in result.unfinished)
        )
    if result.forgotten_uploads:
        verb = "forgotten" if result.applied else "would forget"
        console.print(
            f"{result.forgotten_uploads} direct upload(s) done or expired before the cutoff "
            f"({verb})"
        )
    kept = len(result.young) + len(result.refreshed)
    if kept:
        console.print(
            f"kept {kept} unreferenced object(s) written in the last {describe_duration(grace)} "
            "(an upload may not have committed its row yet)"
        )
    if not result.applied and (
        count or result.released or result.unfinished or result.forgotten_uploads
    ):
        console.print("run again with --apply to delete")


@ops_app.command("backup")
def backup_command(
    directory: Annotated[Path, typer.Argument(help="A new or empty directory for the backup.")],
) -> None:
    """Back up the database, then the objects, then the keys; the manifest goes last.

    Every object a dumped row names is checked to be in the backup.
    """
    from settings import Settings
    from storage.backup import BackupError, backup

    settings = Settings()
    try:
        summary = backup(settings, directory)
    except BackupError as exc:
        raise fail(str(exc)) from exc
    snapshot = summary.snapshot
    console.print(
        f"database: {summary.dialect} at revision {snapshot.revision}, "
        f"{snapshot.documents} document row(s), audit log {snapshot.audit_entries} entries"
    )
    console.print(
        f"objects: {summary.objects} ({human_bytes(summary.object_bytes)}), "
        f"{summary.copied} copied by this run"
    )
    if summary.skipped_orphans:
        console.print(
            f"left out {len(summary.skipped_orphans)} upload(s) no row names "
            "(orphans for the sweep)"
        )
    for key in summary.corrupted_orphans:
        errors.print(f"[yellow]warning:[/yellow] left out {key}: corrupted, and no row names it")
    console.print(f"keys: {len(summary.keys)} file(s)")
    console.print(f"backup finished: {summary.directory}")


@ops_app.command("restore")
def restore_command(
    directory: Annotated[Path, typer.Argument(help="A finished backup (with manifest.json).")],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Overwrite a database that already holds tables."),
    ] = False,
) -> None:
    """Restore objects, keys, then the database; verify the audit log and every document.

    Stop the API first. Exits 1 when the restored data does not verify.
    """
    from settings import Settings
    from storage import db
    from storage.backup import BackupError, restore

    settings = Settings()
    try:
        summary = restore(settings, directory, replace=replace)
    except BackupError as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"objects: {summary.objects} restored and verified ({human_bytes(summary.object_bytes)})"
    )
    console.print(f"keys: {len(summary.keys)} file(s)")
    for path in summary.missing_keys:
        errors.print(f"[yellow]warning:[/yellow] not in the backup, left as it is: {path}")
    console.print(f"database: {summary.dialect} at revision {summary.revision}")
    if summary.problems:
        for problem in summary.problems:
            errors.print(f"[red]verification failed:[/red] {problem}")
        raise typer.Exit(code=1)
    console.print(
        f"verified: audit log intact ({summary.audit_entries} entries), "
        f"{summary.documents} document row(s) match their objects"
    )
    engine = db.make_engine(settings.resolved_database_url)
    try:
        if not db.is_up_to_date(engine):
            console.print("the code is newer than the backup: run `kjede db upgrade`")
    finally:
        engine.dispose()
