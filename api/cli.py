"""The `kjede` command: serve, migrate, bootstrap tenants, mint dev tokens, seed demos."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from api.cli_export import export_app
from api.cli_facilities import import_app
from api.cli_graph import graph_cli
from api.cli_ops import ops_app
from api.cli_policy import policy_app
from api.cli_reports import report_app
from domain.enums import OrganizationKind, Role

# Everything else is imported inside the command that uses it: `kjede --help`
# and the light commands load no database driver, PDF library, S3 client or
# GraphQL schema (tests/api/test_cli_startup.py).
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session
    from starlette.applications import Starlette

    from services.demo import DemoWorld
    from settings import Settings

app = typer.Typer(
    help="kjede: shared supply-chain follow-up for public buyers.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(ops_app)  # objects sweep, backup, restore (api/cli_ops.py)
app.add_typer(policy_app, name="policy")  # extra role grants (api/cli_policy.py)
app.add_typer(report_app, name="report")  # annual report (api/cli_reports.py)
app.add_typer(graph_cli)  # reference load, graph export (api/cli_graph.py)
app.add_typer(export_app, name="export")  # OCDS release packages (api/cli_export.py)
app.add_typer(import_app, name="import")  # facilities from CSV (api/cli_facilities.py)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    """A committed session on the configured DB; domain errors become a clear exit."""
    from domain.errors import DomainError
    from storage import db

    engine = db.make_engine(settings.resolved_database_url)
    try:
        if db.current_revision(engine) is None:
            raise fail("the database is not migrated; run `kjede db upgrade` first")
        with db.transaction(db.make_session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        raise fail(f"{exc.code}{field}: {exc.message}") from exc
    finally:
        engine.dispose()


def prepare_database(engine: Engine) -> None:
    """Migrate to head and make sure the default authorization policies exist."""
    from authz.enforcer import Authorizer
    from storage import db

    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (SQLite or PostgreSQL) and seed default policies."""
    from settings import Settings
    from storage import db

    settings = Settings()
    engine = db.make_engine(settings.resolved_database_url)
    prepare_database(engine)
    console.print(f"database at revision {db.current_revision(engine)}")
    engine.dispose()


def default_workers() -> int:
    """One worker per core this process may run on (its CPU affinity, e.g. a
    container's cpuset or `taskset`, where the platform tells it; else every
    core): each is a process with its own event loop and pools."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count()
    return max(1, cores or 1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="KJEDE_WORKERS",
            help="Worker processes (default: one per core). Each holds its own database "
            "pool; see docs/deployment.md for sizing against max_connections.",
        ),
    ] = None,
) -> None:
    """Serve the API; an embedded (SQLite) database is migrated first."""
    import uvicorn

    from settings import Settings
    from storage import db

    settings = Settings()
    if not settings.database_url:
        engine = db.make_engine(settings.resolved_database_url)
        prepare_database(engine)
        engine.dispose()
    count = workers or default_workers()
    # Build the app once here, so a configuration error (e.g. prod without
    # KJEDE_TOKEN_JWKS_URL) exits with a message instead of killing each worker.
    try:
        application = create_served_app()
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if count == 1:
        uvicorn.run(application, host=host, port=port, log_level="info")
        return
    del application
    # Each worker builds its own app from the same environment (import string + factory).
    config = uvicorn.Config(
        "api.cli:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=count,
        log_level="info",
        # A worker still importing on a loaded host answers the supervisor's ping
        # late; uvicorn's 5 s default kills it as hung, over and over.
        timeout_worker_healthcheck=30,
    )
    from api.workers import supervise

    try:
        supervise(config)
    except OSError as exc:  # the address is taken or cannot be bound
        raise fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def create_served_app() -> Starlette:
    """The ASGI app from the environment's settings: uvicorn's factory for each worker."""
    from api.app import create_app

    return create_app()


@app.command()
def token(
    user: Annotated[str, typer.Option(help="The user's e-mail.")],
    org: Annotated[str, typer.Option(help="Organisation number the user acts for.")],
    role: Annotated[Role, typer.Option(help="A role the user holds there.")],
    ttl_seconds: Annotated[int | None, typer.Option(help="Lifetime.")] = None,
) -> None:
    """Mint a development token (refused when KJEDE_ENVIRONMENT=prod)."""
    import datetime as dt

    from api.tokens import AuthenticationError, mint_dev_token
    from domain.errors import InvalidInput
    from settings import Settings
    from storage import tenants

    settings = Settings()
    if not settings.is_dev:
        raise fail("dev tokens are disabled in prod; get a token from the OIDC provider")
    with unit_of_work(settings) as session:
        organization = tenants.find_organization(session, org)
        held = tenants.user_roles(session, user, organization.id)
        if role not in held:
            have = ", ".join(r.value for r in held) or "no role"
            raise InvalidInput(
                "role", f"{user} holds {have} in {organization.name}, not {role.value}"
            )
        organization_id = organization.id
    try:
        ttl = dt.timedelta(seconds=ttl_seconds) if ttl_seconds else None
        console.print(
            mint_dev_token(
                settings, email=user, organization_id=organization_id, roles=[role.value], ttl=ttl
            ),
            soft_wrap=True,
        )
    except AuthenticationError as exc:
        raise fail(str(exc)) from exc


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Option(help="Legal name.")],
    kind: Annotated[OrganizationKind, typer.Option(help="What the organisation is.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 country code, e.g. NO or SE.")],
    org_number: Annotated[str, typer.Option(help="National organisation number.")],
) -> None:
    """Register an organisation (idempotent; numbers are validated)."""
    from settings import Settings
    from storage import tenants

    with unit_of_work(Settings()) as session:
        outcome = tenants.add_organization(
            session, name=name, kind=kind, country=country, org_number=org_number
        )
    verb = "added" if outcome.created else "already registered"
    console.print(f"{verb}: {name} ({outcome.id})")


@org_app.command("list")
def org_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List organisations."""
    from rich.table import Table
    from sqlalchemy import select

    from settings import Settings
    from storage.models import Organization

    with unit_of_work(Settings()) as session:
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "kind": o.kind.value,
                "country": o.country,
                "orgNumber": o.org_number,
            }
            for o in session.scalars(select(Organization).order_by(Organization.id))
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("name", "kind", "country", "orgNumber", "id")
    for row in rows:
        table.add_row(row["name"], row["kind"], row["country"], row["orgNumber"], row["id"])
    console.print(table)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="The user's e-mail.")],
    org: Annotated[str, typer.Option(help="Organisation number.")],
    role: Annotated[list[Role], typer.Option(help="Role to grant; repeat for several.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a user (if needed) and grant roles in an organisation (idempotent)."""
    from settings import Settings
    from storage import tenants

    with unit_of_work(Settings()) as session:
        organization = tenants.find_organization(session, org)
        for each in role:
            outcome = tenants.add_user_role(
                session, email=email, organization=organization, role=each, name=name
            )
            verb = "granted" if outcome.created else "already held"
            console.print(f"{verb}: {email} {each.value} in {organization.name}")


@user_app.command("revoke")
def user_revoke(
    email: Annotated[str, typer.Option(help="The user's e-mail.")],
    org: Annotated[str, typer.Option(help="Organisation number.")],
    role: Annotated[Role, typer.Option(help="Role to remove.")],
) -> None:
    """Remove a role; it stops working on the user's next request."""
    from settings import Settings
    from storage import tenants

    with unit_of_work(Settings()) as session:
        organization = tenants.find_organization(session, org)
        removed = tenants.revoke_user_role(
            session, email=email, organization=organization, role=role
        )
    console.print("revoked" if removed else "not held; nothing to do")


audit_app = typer.Typer(
    help="The append-only audit log, chained with a keyed MAC (KJEDE_AUDIT_KEY or the "
    "key file under the data dir).",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


def with_audit_key(settings: Settings) -> Settings:
    """Load (or create) the audit key and register it for the settings' database."""
    from storage import audit_keys

    try:
        audit_keys.install(settings)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot load the audit key: {exc}") from exc
    return settings


@audit_app.command("verify")
def audit_verify(
    head: Annotated[
        str | None,
        typer.Option(
            help="A head kept earlier (SEQ:MAC from `kjede audit head`): also detect a cut "
            "tail or a chain rewritten up to it."
        ),
    ] = None,
) -> None:
    """Recompute the MAC chain; exit 1 if an entry was changed, removed, reordered or
    recomputed without the key, or (with --head) the tail was cut."""
    from settings import Settings
    from storage import audit_log

    try:
        kept = audit_log.ChainHead.parse(head) if head is not None else None
    except ValueError as exc:
        raise fail(f"--head: {exc}") from exc
    with unit_of_work(with_audit_key(Settings())) as session:
        result = audit_log.verify(session, head=kept)
    if result.ok:
        checked = f"; head {kept} still in place" if kept is not None else ""
        console.print(f"audit log intact: {result.entries} entries{checked}")
        console.print(f"head: {result.head}")
        return
    errors.print(
        f"[red]audit log broken[/red] at entry {result.first_bad_seq}: {result.problem} "
        f"({result.entries} entries verified before it)"
    )
    raise typer.Exit(code=1)


@audit_app.command("head")
def audit_head() -> None:
    """Print the current head (SEQ:MAC) to keep outside the database, for
    `kjede audit verify --head`; exit 1 if the last entry is not under the key."""
    from settings import Settings
    from storage import audit_log

    try:
        with unit_of_work(with_audit_key(Settings())) as session:
            current = audit_log.head(session)
    except audit_log.AuditChainBroken as exc:
        errors.print(f"[red]audit log broken[/red]: {exc.result.problem}")
        raise typer.Exit(code=1) from exc
    typer.echo(str(current))


@audit_app.command("rekey")
def audit_rekey() -> None:
    """Seal a log written before the audit key, once: check its unkeyed chain, then
    recompute every MAC under the key. Exit 1, changing nothing, if it does not verify."""
    from settings import Settings
    from storage import audit_log

    try:
        with unit_of_work(with_audit_key(Settings())) as session:
            result = audit_log.rekey(session)
    except audit_log.AuditChainBroken as exc:
        broken = exc.result
        errors.print(
            f"[red]audit log broken[/red] at entry {broken.first_bad_seq}: {broken.problem}; "
            "nothing was sealed"
        )
        raise typer.Exit(code=1) from exc
    console.print(f"audit log sealed: {result.entries} entries, {result.rewritten} rewritten")
    console.print(f"head: {result.head}")


def publish_demo_reports(settings: Settings, world: DemoWorld) -> list[str]:
    """Publish the demo's SUBMITTED reports with the API's own services (session,
    object store, audit key); a refusal (e.g. the personal-data guard) exits 2."""
    import asyncio

    from api.app import Services
    from domain.errors import DomainError
    from services.demo import Publisher, publish_demo

    async def publish() -> list[str]:
        services = Services.from_settings(settings)
        try:
            publisher = Publisher(
                sessions=services.sessions,
                authorizer=services.authorizer,
                objects=services.objects,
                settings=settings,
                url_secret=services.url_secret,
            )
            return await publish_demo(publisher, world)
        finally:
            await services.close()

    try:
        return asyncio.run(publish())
    except DomainError as exc:
        raise fail(f"publishing the demo: {exc.code}: {exc.message}") from exc
    except ValueError as exc:  # e.g. an audit key that is too short
        raise fail(f"publishing the demo: {exc}") from exc


@app.command()
def demo(
    scale: Annotated[
        int | None,
        typer.Option(
            help="Also bulk-insert a synthetic benchmark world with N public bodies (its "
            "reports are rows only: no renditions, no audit entries)."
        ),
    ] = None,
    suppliers_per_body: Annotated[int, typer.Option(help="Contracts per body (--scale).")] = 50,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve afterwards.")] = True,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Seed a realistic demo world, publish its reports as a user would, print dev
    tokens, and serve the API (--scale N adds a benchmark world)."""
    from rich.progress import Progress

    from api.tokens import mint_dev_token
    from services.demo import seed_demo, seed_scale
    from settings import Settings
    from storage import db

    settings = Settings()
    if not settings.is_dev:
        raise fail("the demo mints dev tokens; run it with KJEDE_ENVIRONMENT=dev")
    engine = db.make_engine(settings.resolved_database_url)
    prepare_database(engine)
    with db.transaction(db.make_session_factory(engine)) as session:
        world = seed_demo(session)
    published = publish_demo_reports(settings, world)
    if published:
        console.print(f"published through the publish path: {', '.join(published)}")
    if scale:
        with Progress(console=console) as progress:
            task = progress.add_task(f"seeding {scale} bodies", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            stats = seed_scale(
                db.make_session_factory(engine),
                scale,
                suppliers_per_body=suppliers_per_body,
                progress=advance,
            )
        console.print(f"scale world: {stats}")
    engine.dispose()
    console.print("[bold]Dev tokens[/bold] (whole lines, for copying):")
    for user in world.users:
        token = mint_dev_token(
            settings, email=user.email, organization_id=user.org_id, roles=[user.role.value]
        )
        console.print(f"{user.email}  {user.org_name}  {user.role.value}")
        typer.echo(f"  {token}")
    console.print(f"GraphiQL: http://{host}:{port}/graphql  (send 'Authorization: Bearer <token>')")
    console.print(f"[bold]Web UI: http://{host}:{port}/[/bold]  (sign in as any demo user)")
    if serve_api:
        serve(host=host, port=port)


if __name__ == "__main__":
    app()
