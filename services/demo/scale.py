"""The synthetic national-scale world for benchmarks: `seed_scale` generates every
row in memory (deterministic for a seed, with valid organisation numbers computed
rather than queried), then bulk-inserts them in chunks."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from services.demo.scale_chains import add_chains
from services.demo.scale_networks import add_contracts, add_networks
from services.demo.scale_parties import add_parties
from services.demo.scale_reports import add_reports
from services.demo.scale_rows import INSERT_ORDER, Row, ScaleRows, TakenValues
from storage.db import transaction
from storage.models import Base

_CHUNK = 5_000


@dataclass(frozen=True)
class ScaleStats:
    """Rows inserted per table, and how long it took."""

    organizations: int
    users: int
    memberships: int
    networks: int
    network_participants: int
    network_suppliers: int
    contracts: int
    facilities: int
    supply_edges: int
    audit_reports: int
    audit_report_facilities: int
    findings: int
    corrective_actions: int
    seconds: float

    def counts(self) -> dict[str, int]:
        """Counts keyed by table name."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "seconds"
        }

    @property
    def total_rows(self) -> int:
        return sum(self.counts().values())


def seed_scale(
    session_factory: sessionmaker[Session],
    bodies: int,
    *,
    suppliers_per_body: int = 50,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 0,
) -> ScaleStats:
    """Bulk-insert a synthetic national-scale world: `bodies` public bodies (NO and SE
    alternating), each with `suppliers_per_body` contracts drawn from a shared supplier
    pool, multi-tier chains, two networks and about two audit reports per supplier.

    Everything is generated in memory first (deterministic for a seed), then inserted
    in chunks with one commit each, so progress is real and a failure loses one chunk.
    """
    if bodies < 1:
        raise ValueError("bodies must be at least 1")
    if suppliers_per_body < 1:
        raise ValueError("suppliers_per_body must be at least 1")
    started = time.perf_counter()
    with transaction(session_factory) as session:
        taken = TakenValues.load(session)
    rows = build_scale_rows(ScaleRows(random.Random(seed), seed, taken), bodies, suppliers_per_body)
    total = sum(len(rows[model]) for model in INSERT_ORDER)
    done = 0
    for model in INSERT_ORDER:
        table_rows = rows[model]
        for start in range(0, len(table_rows), _CHUNK):
            chunk = table_rows[start : start + _CHUNK]
            with transaction(session_factory) as session:
                session.execute(insert(model), chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    counts = {model.__tablename__: len(rows[model]) for model in INSERT_ORDER}
    return ScaleStats(**counts, seconds=time.perf_counter() - started)


def build_scale_rows(
    rows: ScaleRows, bodies: int, suppliers_per_body: int
) -> dict[type[Base], list[Row]]:
    """Generate the whole world into `rows`: organisations and users, supply chains,
    contracts, networks, then audit reports; the rows per model."""
    parties = add_parties(rows, bodies, suppliers_per_body)
    sites = add_chains(rows, parties.suppliers)
    buyers = add_contracts(rows, parties.body_ids, parties.suppliers, suppliers_per_body)
    member_of = add_networks(rows, parties)
    add_reports(rows, parties, sites, buyers, member_of)
    return rows.rows
