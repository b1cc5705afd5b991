"""How much the GraphQL report listing costs over one hand-written SQL query.

    .venv/bin/python -m benchmarks.report_listing [--bodies 20] [--repeat 30]

Builds a fresh synthetic world (`storage.demo.seed_scale`) in a temporary directory
(SQLite; `--database-url` for an empty PostgreSQL database instead), picks a public
body in a network that can see at least `--page` reports, and times in this process:

  graphql   `auditReports(first: N)` with supplier, facilities, findings, corrective
            actions and documents, POSTed through the real ASGI app (httpx
            ASGITransport): token check, roles, row filter, DataLoaders, redaction,
            serialisation;
  baseline  the same N reports and relations fetched with ONE hand-written SQL
            statement on the same async engine (same driver), assembled into dicts.

It prints medians, p90s, the statements each path issued and the ratio
graphql/baseline; see benchmarks/README.md for how to read it. Timing goals belong
here as ratios, never in unit tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, TextClause, bindparam, event, func, select, text
from sqlalchemy.orm import Session

from api.app import Services, create_app
from api.tokens import mint_dev_token
from authz.disclosure import row_filter
from authz.enforcer import Authorizer
from authz.records import AUDIT_REPORT
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain.audit_reports import READABLE_BY_OTHERS
from domain.enums import PUBLIC_SECTOR, OrganizationKind, ShareScope
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
    statements: list[int]
    gc_seconds: list[float]

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
                    {"status": row.action_status, "dueDate": _iso(row.action_due)}
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
    counts: dict[str, list[int]] = {name: [] for name in paths}
    collected: dict[str, list[float]] = {name: [] for name in paths}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, (run, engine) in paths.items():
            with counting(engine) as statements, collecting() as passes:
                started = time.perf_counter()
                results[name] = await run()
                seconds[name].append(time.perf_counter() - started)
            counts[name].append(len(statements))
            collected[name].append(sum(passes))
    timings = {name: Timings(seconds[name], counts[name], collected[name]) for name in paths}
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


# -- main -------------------------------------------------------------------------------


async def run_benchmark(args: argparse.Namespace, settings: Settings, viewer: Viewer) -> int:
    services = Services.from_settings(settings)
    app = create_app(settings, services)
    token = mint_dev_token(settings, email=viewer.email, organization_id=viewer.organization_id)
    sync_engine = services.async_engine.sync_engine
    payload = {"query": QUERY, "variables": {"first": args.page}}
    headers = {"Authorization": f"Bearer {token}"}
    statement = baseline_statement()
    params = baseline_params(viewer, args.page)

    try:
        transport = httpx.ASGITransport(app=app)
        # Run the app's lifespan as `kjede serve` does (it freezes start-up objects
        # out of the garbage collector).
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
        ):

            async def graphql() -> httpx.Response:
                return await client.post("/graphql", json=payload, headers=headers)

            async def baseline_async() -> list[dict[str, Any]]:
                async with services.async_engine.connect() as connection:
                    rows = (await connection.execute(statement, params)).all()
                return assemble(rows)

            async def baseline_sync() -> list[dict[str, Any]]:
                with services.engine.connect() as connection:
                    rows = connection.execute(statement, params).all()
                return assemble(rows)

            timings, results = await measure(
                {
                    "graphql": (graphql, sync_engine),
                    "baseline": (baseline_async, sync_engine),
                    "baseline_sync": (baseline_sync, services.engine),
                },
                args.warmup,
                args.repeat,
            )
            gql_result = graphql_reports(results["graphql"].json())
            base_result = results["baseline"]

            if args.show_sql:
                with counting(sync_engine) as statements:
                    graphql_reports((await graphql()).json())
                console.print("[bold]statements of one GraphQL request[/bold]")
                for number, sql in enumerate(statements, start=1):
                    console.print(f"{number:3d}. {' '.join(sql.split())[:160]}")

            if args.profile:
                await profile(graphql, args.repeat)
    finally:
        await services.close()

    problems = differences(gql_result, base_result)
    findings = sum(len(r["findings"]) for r in gql_result)
    facilities = sum(len(r["facilities"]) for r in gql_result)
    documents = sum(len(r["documents"]) for r in gql_result)
    console.print(
        f"page: {len(gql_result)} reports, {findings} findings, {facilities} facilities, "
        f"{documents} documents; answers agree: "
        + ("yes" if not problems else f"NO ({len(problems)}: {problems[:3]})")
    )
    print_table(args, timings["graphql"], timings["baseline"], timings["baseline_sync"])
    return 1 if problems else 0


def print_table(
    args: argparse.Namespace, graphql: Timings, baseline: Timings, baseline_sync: Timings
) -> None:
    table = Table(
        "path",
        "median ms",
        "p90 ms",
        "SQL statements",
        "GC ms (mean)",
        "ratio vs baseline",
        title=f"auditReports(first: {args.page}): {args.repeat} interleaved runs per path "
        f"after {args.warmup} warm-up",
    )
    rows = (
        ("graphql (ASGI, async engine)", graphql),
        ("baseline: 1 SQL, async engine", baseline),
        ("baseline: 1 SQL, sync engine", baseline_sync),
    )
    for label, timings in rows:
        table.add_row(
            label,
            f"{timings.median_ms:.2f}",
            f"{timings.p90_ms:.2f}",
            timings.statements_label,
            f"{timings.gc_mean_ms:.1f}",
            f"{timings.median_ms / baseline.median_ms:.1f}x",
        )
    console.print(table)
    console.print(
        f"RATIO graphql/baseline (medians, same driver): "
        f"[bold]{graphql.median_ms / baseline.median_ms:.1f}x[/bold]"
    )


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
        "--database-url",
        default="",
        help="an EMPTY database to migrate and seed (e.g. postgresql+psycopg://...); "
        "default: SQLite in a temporary directory",
    )
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
    with tempfile.TemporaryDirectory(prefix="kjede-bench-") as directory:
        settings = Settings(
            environment=Environment.DEV,
            data_dir=Path(directory) / "data",
            database_url=args.database_url,
            object_store_url="",
        )
        where = "SQLite" if settings.resolved_database_url.startswith("sqlite") else "database"
        console.print(f"seeding {args.bodies} bodies into {where} ...")
        stats = build_world(settings, args.bodies, args.suppliers_per_body, args.seed)
        console.print(
            f"world: {stats.total_rows} rows ({stats.audit_reports} reports, "
            f"{stats.findings} findings) in {stats.seconds:.1f} s"
        )
        engine = db.make_engine(settings.resolved_database_url)
        try:
            viewer = pick_viewer(engine, args.page)
        finally:
            engine.dispose()
        if viewer is None:
            console.print(
                f"no public body in a network sees {args.page} reports; "
                f"try a larger --bodies (was {args.bodies})"
            )
            return 2
        console.print(
            f"viewer: {viewer.email} for {viewer.organization_name} "
            f"({len(viewer.facts.network_ids)} network(s)), sees {viewer.visible} reports"
        )
        return asyncio.run(run_benchmark(args, settings, viewer))


if __name__ == "__main__":
    sys.exit(main())
