"""How much the GraphQL report listing costs over one hand-written SQL query.

    .venv/bin/python -m benchmarks.report_listing [--databases sqlite,postgresql]
        [--bodies 20] [--repeat 30] [--gc-sweep] [--json out.json] [--plot docs/x.png]

For each database (SQLite in a temporary directory; PostgreSQL in a throwaway
database created on `--postgres-admin-url` and dropped afterwards) it builds a fresh
synthetic world (`services.demo.seed_scale`), picks a public body in a network that
sees at least `--page` reports, and times in this process, interleaved:

  compiled  `auditReports(first: N)` with supplier, facilities, findings, corrective
            actions and documents, POSTed to the real ASGI app (called as a
            server calls it, `AsgiPost`: no HTTP client's own work in the
            timing), served by the compiled plans (schema/compiled.py);
  generic   the same request to a second app on the same database with
            `compiled_queries` off: graphql-core's per-field execution;
  warm      the same request to a third app with the response cache on
            (api/response_cache.py), after the warm-up filled it: token, data
            version, the stored answer (the first two paths run with it off);
  baseline  the same N reports and relations fetched with ONE hand-written SQL
            statement on the same async engine (same driver), assembled into dicts
            (and once more on the sync engine).

It prints medians, p90s, CPU per run, GC time, the statements each path issued and
the ratios to the baseline, then one line per database side by side; see
benchmarks/README.md and docs/benchmarks.md ("Listing"). Timing goals belong here
as ratios, never in unit tests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, TextClause, bindparam, create_engine, event, func, select, text
from sqlalchemy.orm import Session

from api.app import Services, create_app
from api.gc_tuning import GC_THRESHOLDS
from api.tokens import mint_dev_token
from authz.disclosure import row_filter
from authz.enforcer import Authorizer
from authz.records import AUDIT_REPORT
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain.audit_reports import READABLE_BY_OTHERS
from domain.corrective_actions import shown_status
from domain.enums import PUBLIC_SECTOR, CorrectiveActionStatus, OrganizationKind, ShareScope
from services.demo import ScaleStats, seed_scale
from settings import Environment, Settings
from storage import db
from storage.models import (
    AuditReport,
    Membership,
    Network,
    NetworkParticipant,
    Organization,
    User,
)

console = Console(highlight=False, width=110)

QUERY = """
query Listing($first: Int!) {
  auditReports(first: $first) {
    edges { node {
      id title status summary
      supplier { name }
      facilities { name country }
      findings { requirement severity description correctiveAction { status dueDate } }
      documents { filename }
    } }
  }
}
"""

# The hand-written baseline: the viewer's row filter (authz.records, written out
# for a public-sector viewer), the first page by id, then every relation the GraphQL
# query selects, joined in one statement. Facilities and documents multiply the
# finding rows; the seeded world has at most one facility and no documents per
# report, and the assembly below deduplicates anyway.
BASELINE_SQL = """
WITH page AS (
    SELECT r.id, r.title, r.status, r.summary, r.supplier_id
    FROM audit_reports AS r
    WHERE r.commissioned_by_id = :org
       OR r.auditor_id = :org
       OR (r.status IN :released
           AND (r.supplier_id = :org
                OR r.share_scope IN :public_scopes
                OR (r.share_scope = :network_scope AND r.network_id IN :networks)))
    ORDER BY r.id
    LIMIT :first
)
SELECT p.id, p.title, p.status, p.summary,
       s.name AS supplier_name,
       f.id AS finding_id, f.requirement, f.severity, f.description,
       ca.status AS action_status, ca.due_date AS action_due,
       fac.id AS facility_id, fac.name AS facility_name, fac.country AS facility_country,
       d.id AS document_id, d.filename
FROM page AS p
JOIN organizations AS s ON s.id = p.supplier_id
LEFT JOIN findings AS f ON f.report_id = p.id
LEFT JOIN corrective_actions AS ca ON ca.finding_id = f.id
LEFT JOIN audit_report_facilities AS arf ON arf.report_id = p.id
LEFT JOIN facilities AS fac ON fac.id = arf.facility_id
LEFT JOIN documents AS d ON d.report_id = p.id
ORDER BY p.id, f.position, f.id, fac.name, fac.id, d.id
"""


@dataclass(frozen=True)
class Viewer:
    organization_id: str
    organization_name: str
    email: str
    facts: ViewerFacts
    visible: int


@dataclass(frozen=True)
class Timings:
    seconds: list[float]
    cpu_seconds: list[float]
    statements: list[int]
    gc_seconds: list[float]

    @property
    def cpu_median_ms(self) -> float:
        """CPU of this process per run: less disturbed by other load than wall time."""
        return statistics.median(self.cpu_seconds) * 1000

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p90_ms(self) -> float:
        if len(self.seconds) < 2:
            return self.median_ms
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[-1] * 1000

    @property
    def gc_mean_ms(self) -> float:
        """Mean, not median: full collections are rare and long."""
        return statistics.fmean(self.gc_seconds) * 1000

    @property
    def statements_label(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"


# -- the world --------------------------------------------------------------------------


def build_world(settings: Settings, bodies: int, suppliers_per_body: int, seed: int) -> ScaleStats:
    engine = db.make_engine(settings.resolved_database_url)
    try:
        db.upgrade(engine)
        Authorizer(engine).seed_default_policies()
        return seed_scale(
            db.make_session_factory(engine),
            bodies,
            suppliers_per_body=suppliers_per_body,
            seed=seed,
        )
    finally:
        engine.dispose()


def pick_viewer(engine: Engine, minimum: int) -> Viewer | None:
    """The public body in a network that sees the most reports (ties: lowest id),
    with one of its users; None when none sees `minimum`."""
    with Session(engine) as session:
        networks: dict[str, set[str]] = {}
        for org_id, network_id in session.execute(
            select(NetworkParticipant.organization_id, NetworkParticipant.network_id)
        ):
            networks.setdefault(org_id, set()).add(network_id)
        for org_id, network_id in session.execute(select(Network.lead_id, Network.id)):
            networks.setdefault(org_id, set()).add(network_id)
        members = session.execute(
            select(Organization.id, Organization.name, User.email)
            .join(Membership, Membership.organization_id == Organization.id)
            .join(User, User.id == Membership.user_id)
            .where(
                Organization.kind == OrganizationKind.PUBLIC_BODY,
                Organization.id.in_(sorted(networks)),
            )
            .order_by(Organization.id, User.email)
        ).all()
        users: dict[str, tuple[str, str]] = {}
        for org_id, name, email in members:
            users.setdefault(org_id, (name, email))  # the first user of each body
        best: Viewer | None = None
        for org_id, (name, email) in users.items():
            facts = ViewerFacts(
                organization_id=org_id,
                organization_kind=OrganizationKind.PUBLIC_BODY,
                reads_personal=False,  # only reports' visibility matters here
                network_ids=frozenset(networks[org_id]),
            )
            visible = session.scalar(
                select(func.count())
                .select_from(AuditReport)
                .where(row_filter(AUDIT_REPORT, facts, model_columns(AuditReport)))
            )
            if best is None or (visible or 0) > best.visible:
                best = Viewer(org_id, name, email, facts, visible or 0)
    return best if best is not None and best.visible >= minimum else None


# -- the two paths ----------------------------------------------------------------------


def baseline_statement() -> TextClause:
    return text(BASELINE_SQL).bindparams(
        bindparam("released", expanding=True),
        bindparam("public_scopes", expanding=True),
        bindparam("networks", expanding=True),
    )


def baseline_params(viewer: Viewer, first: int) -> dict[str, Any]:
    facts = viewer.facts
    assert facts.organization_kind in PUBLIC_SECTOR, "the SQL is written for the public sector"
    return {
        "org": facts.organization_id,
        "released": sorted(status.name for status in READABLE_BY_OTHERS),
        "public_scopes": [ShareScope.ALL_PUBLIC_BODIES.name, ShareScope.PUBLIC.name],
        "network_scope": ShareScope.NETWORK.name,
        "networks": sorted(facts.network_ids),
        "first": first,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value)


def _shown(status: str, due: Any) -> str:
    """The status the API shows: OVERDUE computed from the due date."""
    day = (
        due if isinstance(due, dt.date) else (dt.date.fromisoformat(str(due)[:10]) if due else None)
    )
    today = dt.datetime.now(dt.UTC).date()
    return shown_status(CorrectiveActionStatus(status), day, today).value


def assemble(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Joined rows to the GraphQL response's shape (what a hand-written endpoint does)."""
    reports: dict[str, dict[str, Any]] = {}
    for row in rows:
        report = reports.get(row.id)
        if report is None:
            report = reports[row.id] = {
                "id": row.id,
                "title": row.title,
                "status": row.status,
                "summary": row.summary,
                "supplier": {"name": row.supplier_name},
                "findings": {},
                "facilities": {},
                "documents": {},
            }
        if row.finding_id is not None and row.finding_id not in report["findings"]:
            report["findings"][row.finding_id] = {
                "requirement": row.requirement,
                "severity": row.severity,
                "description": row.description,
                "correctiveAction": (
                    {
                        "status": _shown(row.action_status, row.action_due),
                        "dueDate": _iso(row.action_due),
                    }
                    if row.action_status is not None
                    else None
                ),
            }
        if row.facility_id is not None:
            report["facilities"].setdefault(
                row.facility_id, {"name": row.facility_name, "country": row.facility_country}
            )
        if row.document_id is not None:
            report["documents"].setdefault(row.document_id, {"filename": row.filename})
    for report in reports.values():
        for relation in ("findings", "facilities", "documents"):
            report[relation] = list(report[relation].values())
    return list(reports.values())


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends to the database while inside."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def collecting() -> Iterator[list[float]]:
    """Seconds spent in the cyclic garbage collector while inside (one entry per pass)."""
    passes: list[float] = []
    started = [0.0]

    def callback(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            passes.append(time.perf_counter() - started[0])

    gc.callbacks.append(callback)
    try:
        yield passes
    finally:
        gc.callbacks.remove(callback)


async def measure(
    paths: dict[str, tuple[Callable[[], Awaitable[Any]], Engine]], warmup: int, repeat: int
) -> tuple[dict[str, Timings], dict[str, Any]]:
    """Time each path `repeat` times, interleaved (one run of each per round) so load
    from elsewhere on the machine hits every path alike; returns timings and each
    path's last result."""
    for _ in range(warmup):
        for run, _engine in paths.values():
            await run()
    seconds: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    counts: dict[str, list[int]] = {name: [] for name in paths}
    collected: dict[str, list[float]] = {name: [] for name in paths}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, (run, engine) in paths.items():
            with counting(engine) as statements, collecting() as passes:
                started, cpu_started = time.perf_counter(), time.process_time()
                results[name] = await run()
                seconds[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
            counts[name].append(len(statements))
            collected[name].append(sum(passes))
    timings = {
        name: Timings(seconds[name], cpu[name], counts[name], collected[name]) for name in paths
    }
    return timings, results


def graphql_reports(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body.get("errors"):
        raise SystemExit(f"the GraphQL request failed: {body['errors']}")
    return [edge["node"] for edge in body["data"]["auditReports"]["edges"]]


def differences(graphql: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> list[str]:
    """Where the two answers disagree (documents excepted: GraphQL filters them by
    clearance, the baseline does not; the seeded world has none)."""
    problems: list[str] = []
    if [r["id"] for r in graphql] != [r["id"] for r in baseline]:
        problems.append("different report ids")
        return problems
    for left, right in zip(graphql, baseline, strict=True):
        for key in ("title", "status", "summary", "supplier", "findings", "facilities"):
            if left[key] != right[key]:
                problems.append(f"report {left['id']}: {key} differs")
    return problems


# -- one database -----------------------------------------------------------------------

PATHS = {
    "compiled": "graphql, compiled plans",
    "generic": "graphql, generic executor",
    "warm": "graphql, response cache (warm)",
    "baseline": "baseline: 1 SQL, async engine",
    "baseline_sync": "baseline: 1 SQL, sync engine",
}


@dataclass
class DatabaseRun:
    """One database's measurements."""

    database: str
    timings: dict[str, Timings]
    problems: list[str]
    page: str
    sweep: list[tuple[tuple[int, int, int], Timings]]

    def ratio(self, path: str, cpu: bool = False) -> float:
        if cpu:
            return self.timings[path].cpu_median_ms / self.timings["baseline"].cpu_median_ms
        return self.timings[path].median_ms / self.timings["baseline"].median_ms

    def as_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "page": self.page,
            "agree": not self.problems,
            "paths": {
                name: {
                    "median_ms": round(t.median_ms, 3),
                    "p90_ms": round(t.p90_ms, 3),
                    "cpu_median_ms": round(t.cpu_median_ms, 3),
                    "gc_mean_ms": round(t.gc_mean_ms, 3),
                    "statements": t.statements_label,
                    "ratio": round(self.ratio(name), 2),
                    "cpu_ratio": round(self.ratio(name, cpu=True), 2),
                }
                for name, t in self.timings.items()
            },
            "gc_sweep": [
                {
                    "threshold": list(threshold),
                    "median_ms": round(t.median_ms, 3),
                    "gc_mean_ms": round(t.gc_mean_ms, 3),
                }
                for threshold, t in self.sweep
            ],
        }


def app_settings(
    directory: Path, database_url: str, *, compiled: bool, cached: bool = False
) -> Settings:
    return Settings(
        environment=Environment.DEV,
        data_dir=directory / "data",
        database_url=database_url,
        object_store_url="",
        compiled_queries=compiled,
        response_cache_entries=Settings().response_cache_entries if cached else 0,
    )


class Answer:
    """An ASGI app's answer to one request."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class AsgiPost:
    """POST one JSON body to an ASGI app as a server would: one `http` scope, the
    body in one message, the answer collected from `send`. The server's whole work
    (Starlette, middleware, authentication, GraphQL, JSON) is timed; an HTTP
    client's (httpx builds and parses requests too) is not, as the baseline has none."""

    def __init__(self, app: Any, payload: dict[str, Any], headers: dict[str, str]) -> None:
        self.app = app
        self.body = json.dumps(payload).encode()
        self.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ]

    async def __call__(self) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        messages = [{"type": "http.request", "body": self.body, "more_body": False}]
        answered = asyncio.Event()  # the client stays until the answer is complete
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        await self.app(scope, receive, send)
        return Answer(status, b"".join(chunks))


async def run_paths(
    args: argparse.Namespace,
    settings: Settings,
    generic_settings: Settings,
    warm_settings: Settings,
    viewer: Viewer,
) -> DatabaseRun:
    compiled_services = Services.from_settings(settings)
    generic_services = Services.from_settings(generic_settings)
    warm_services = Services.from_settings(warm_settings)
    compiled_app = create_app(settings, compiled_services)
    generic_app = create_app(generic_settings, generic_services)
    warm_app = create_app(warm_settings, warm_services)
    token = mint_dev_token(settings, email=viewer.email, organization_id=viewer.organization_id)
    payload = {"query": QUERY, "variables": {"first": args.page}}
    headers = {"Authorization": f"Bearer {token}"}
    statement = baseline_statement()
    params = baseline_params(viewer, args.page)
    engine = compiled_services.async_engine.sync_engine
    sweep: list[tuple[tuple[int, int, int], Timings]] = []
    try:
        # Run the apps' lifespans as `kjede serve` does (they freeze start-up objects
        # out of the garbage collector and set its thresholds: api/gc_tuning.py).
        async with (
            compiled_app.router.lifespan_context(compiled_app),
            generic_app.router.lifespan_context(generic_app),
            warm_app.router.lifespan_context(warm_app),
        ):
            compiled = AsgiPost(compiled_app, payload, headers)
            generic = AsgiPost(generic_app, payload, headers)
            warm = AsgiPost(warm_app, payload, headers)

            async def baseline_async() -> list[dict[str, Any]]:
                async with compiled_services.async_engine.connect() as connection:
                    rows = (await connection.execute(statement, params)).all()
                return assemble(rows)

            async def baseline_sync() -> list[dict[str, Any]]:
                with compiled_services.engine.connect() as connection:
                    rows = connection.execute(statement, params).all()
                return assemble(rows)

            paths: dict[str, tuple[Callable[[], Awaitable[Any]], Engine]] = {
                "compiled": (compiled, engine),
                "generic": (generic, generic_services.async_engine.sync_engine),
                "warm": (warm, warm_services.async_engine.sync_engine),
                "baseline": (baseline_async, engine),
                "baseline_sync": (baseline_sync, compiled_services.engine),
            }
            await warm()  # fills the cache, whatever --warmup says
            timings, results = await measure(paths, args.warmup, args.repeat)
            if args.gc_sweep:
                sweep = await gc_sweep(paths, args)
            fast, slow = results["compiled"].json(), results["generic"].json()
            problems = differences(graphql_reports(fast), results["baseline"])
            if fast != slow:
                problems.append("the compiled and generic answers differ")
            if results["warm"].json() != fast:
                problems.append("the cached answer differs from the compiled one")
            if warm_services.response_cache.hits < args.repeat:
                problems.append("the warm path was not answered from the response cache")

            if args.show_sql:
                with counting(engine) as statements:
                    graphql_reports((await compiled()).json())
                console.print("[bold]statements of one compiled GraphQL request[/bold]")
                for number, sql in enumerate(statements, start=1):
                    console.print(f"{number:3d}. {' '.join(sql.split())[:160]}")
            if args.profile:
                await profile(compiled, args.repeat)
    finally:
        await compiled_services.close()
        await generic_services.close()
        await warm_services.close()
    reports = graphql_reports(fast)
    page = (
        f"{len(reports)} reports, {sum(len(r['findings']) for r in reports)} findings, "
        f"{sum(len(r['facilities']) for r in reports)} facilities, "
        f"{sum(len(r['documents']) for r in reports)} documents"
    )
    return DatabaseRun("", timings, problems, page, sweep)


GC_CANDIDATES: tuple[tuple[int, int, int], ...] = (
    (700, 10, 10),  # CPython's default
    (2_000, 10, 10),
    (10_000, 20, 20),
    GC_THRESHOLDS,
    (200_000, 50, 100),
)


async def gc_sweep(
    paths: dict[str, tuple[Callable[[], Awaitable[Any]], Engine]], args: argparse.Namespace
) -> list[tuple[tuple[int, int, int], Timings]]:
    """The compiled path under each candidate threshold (the chosen one is restored)."""
    chosen = gc.get_threshold()
    found: list[tuple[tuple[int, int, int], Timings]] = []
    try:
        for threshold in dict.fromkeys(GC_CANDIDATES):
            gc.set_threshold(*threshold)
            timings, _ = await measure({"compiled": paths["compiled"]}, 2, args.repeat)
            found.append((threshold, timings["compiled"]))
    finally:
        gc.set_threshold(*chosen)
    return found


def postgres_database(admin_url: str) -> tuple[str, Callable[[], None]] | None:
    """A new empty database on the server (and how to drop it), or None if unreachable."""
    name = f"kjede_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        console.print(f"PostgreSQL at {admin_url} is not usable ({type(exc).__name__}); skipped")
        admin.dispose()
        return None

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}", drop


def run_database(args: argparse.Namespace, database: str) -> DatabaseRun | None:
    drop: Callable[[], None] | None = None
    url = ""
    if database == "postgresql":
        created = postgres_database(args.postgres_admin_url)
        if created is None:
            return None
        url, drop = created
    elif database != "sqlite":
        url = database  # an explicit, empty database
    try:
        with tempfile.TemporaryDirectory(prefix="kjede-bench-") as directory:
            settings = app_settings(Path(directory), url, compiled=True)
            generic = app_settings(Path(directory), url, compiled=False)
            warm = app_settings(Path(directory), url, compiled=True, cached=True)
            resolved = settings.resolved_database_url
            label = database_label(resolved)
            console.rule(f"[bold]{label}[/bold]")
            stats = build_world(settings, args.bodies, args.suppliers_per_body, args.seed)
            console.print(
                f"world: {stats.total_rows} rows ({stats.audit_reports} reports, "
                f"{stats.findings} findings) in {stats.seconds:.1f} s"
            )
            engine = db.make_engine(resolved)
            try:
                viewer = pick_viewer(engine, args.page)
            finally:
                engine.dispose()
            if viewer is None:
                console.print(
                    f"no public body in a network sees {args.page} reports; "
                    f"try a larger --bodies (was {args.bodies})"
                )
                return None
            console.print(
                f"viewer: {viewer.email} for {viewer.organization_name} "
                f"({len(viewer.facts.network_ids)} network(s)), sees {viewer.visible} reports"
            )
            run = asyncio.run(run_paths(args, settings, generic, warm, viewer))
            run.database = label
    finally:
        if drop is not None:
            drop()
    console.print(
        f"page: {run.page}; answers agree: "
        + ("yes" if not run.problems else f"NO ({len(run.problems)}: {run.problems[:3]})")
    )
    print_table(args, run)
    return run


def database_label(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


def print_table(args: argparse.Namespace, run: DatabaseRun) -> None:
    table = Table(
        "path",
        "median ms",
        "p90 ms",
        "CPU ms",
        "SQL statements",
        "GC ms (mean)",
        "ratio",
        "CPU ratio",
        title=f"{run.database}: auditReports(first: {args.page}), {args.repeat} interleaved "
        f"runs per path after {args.warmup} warm-up",
    )
    for name, label in PATHS.items():
        timings = run.timings[name]
        table.add_row(
            label,
            f"{timings.median_ms:.2f}",
            f"{timings.p90_ms:.2f}",
            f"{timings.cpu_median_ms:.2f}",
            timings.statements_label,
            f"{timings.gc_mean_ms:.2f}",
            f"{run.ratio(name):.1f}x",
            f"{run.ratio(name, cpu=True):.1f}x",
        )
    console.print(table)
    if run.sweep:
        sweep = Table(
            "gc.set_threshold",
            "compiled median ms",
            "GC ms (mean)",
            title="GC thresholds, compiled path (chosen: api/gc_tuning.GC_THRESHOLDS)",
        )
        for threshold, timings in run.sweep:
            mark = " (chosen)" if threshold == GC_THRESHOLDS else ""
            sweep.add_row(
                f"{threshold}{mark}", f"{timings.median_ms:.2f}", f"{timings.gc_mean_ms:.2f}"
            )
        console.print(sweep)


def print_summary(runs: list[DatabaseRun]) -> None:
    table = Table(
        "database",
        "baseline ms",
        "compiled ms",
        "generic ms",
        "warm ms",
        "compiled / baseline",
        "generic / baseline",
        "warm / baseline",
        "CPU: compiled / baseline",
        "CPU: warm / baseline",
        title="Side by side (medians; ratios to the same database's one-statement baseline)",
    )
    for run in runs:
        table.add_row(
            run.database,
            f"{run.timings['baseline'].median_ms:.2f}",
            f"{run.timings['compiled'].median_ms:.2f}",
            f"{run.timings['generic'].median_ms:.2f}",
            f"{run.timings['warm'].median_ms:.2f}",
            f"{run.ratio('compiled'):.1f}x",
            f"{run.ratio('generic'):.1f}x",
            f"{run.ratio('warm'):.2f}x",
            f"{run.ratio('compiled', cpu=True):.1f}x",
            f"{run.ratio('warm', cpu=True):.2f}x",
        )
    console.print(table)
    for run in runs:
        console.print(
            f"RATIO {run.database}: compiled/baseline {run.ratio('compiled'):.1f}x, "
            f"generic/baseline {run.ratio('generic'):.1f}x, "
            f"warm/baseline {run.ratio('warm'):.2f}x"
        )
    console.print(
        f"GC: thresholds {gc.get_threshold()} (api/gc_tuning.py, set at start-up), "
        f"{gc.get_freeze_count()} objects frozen at start-up"
    )


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Grouped bars from `DatabaseRun.as_json()` results: each path's median over its
    database's one-statement baseline, wall time left and CPU time right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["compiled", "generic", "warm", "baseline_sync"]
    figure, panels = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110, sharey=True)
    width = 0.8 / max(len(results), 1)
    for axes, key, title in (
        (panels[0], "ratio", "wall time"),
        (panels[1], "cpu_ratio", "CPU time of the process"),
    ):
        for index, result in enumerate(results):
            values = [result["paths"][name][key] for name in names]
            positions = [n + index * width for n in range(len(names))]
            bars = axes.bar(positions, values, width, label=result["database"])
            axes.bar_label(bars, labels=[f"{v:.1f}x" for v in values], fontsize=7)
        axes.axhline(1.0, color="black", linewidth=0.8)
        axes.axhline(3.0, color="grey", linewidth=0.8, linestyle="--", label="goal, cold: 3x")
        axes.set_xticks([n + width * (len(results) - 1) / 2 for n in range(len(names))])
        axes.set_xticklabels(
            ["compiled", "generic", "warm (cached)", "SQL, sync engine"], fontsize=8
        )
        axes.set_title(f"{title} / one-statement SQL (async)", fontsize=9)
    panels[0].set_ylabel("median ratio")
    panels[1].legend(fontsize=7)
    figure.suptitle(
        "auditReports(first: 100): cold (no response cache) and warm (goal: 1x)", fontsize=10
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


# -- main -------------------------------------------------------------------------------


async def profile(request: Callable[[], Awaitable[Any]], repeat: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        console.print("--profile needs pyinstrument: .venv/bin/pip install pyinstrument")
        return
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    for _ in range(repeat):
        await request()
    profiler.stop()
    console.print(profiler.output_text(unicode=True, color=False, show_all=False))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report_listing", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--bodies", type=int, default=20, help="public bodies (seed_scale)")
    parser.add_argument("--suppliers-per-body", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per path")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs per path first")
    parser.add_argument("--page", type=int, default=100, help="reports per page (first:)")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (a throwaway database on "
        "--postgres-admin-url), or the URL of an EMPTY database to migrate and seed",
    )
    parser.add_argument(
        "--database-url", default="", help="an EMPTY database instead of --databases"
    )
    parser.add_argument(
        "--postgres-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--gc-sweep", action="store_true", help="time GC threshold candidates")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--plot", type=Path, help="write a PNG of the ratios here")
    parser.add_argument("--show-sql", action="store_true", help="list one request's SQL")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument over --repeat more requests"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.page < 1:
        parser.error("--repeat and --page must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    databases = [args.database_url] if args.database_url else args.databases.split(",")
    console.print(
        f"python {platform.python_version()}, {args.bodies} bodies, page {args.page}; "
        f"GC thresholds {GC_THRESHOLDS} once the app has started"
    )
    runs: list[DatabaseRun] = []
    for database in databases:
        run = run_database(args, database.strip())
        if run is not None:
            runs.append(run)
    if not runs:
        return 2
    print_summary(runs)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([run.as_json() for run in runs], indent=2) + "\n")
    if args.plot:
        plot([run.as_json() for run in runs], args.plot)
    return 1 if any(run.problems for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
