"""The supply-chain graph's life cycle: loaded from the database, built off the
request path, updated incrementally, and filtered per viewer.

- One `GraphStore` per database. `refresh()` reads the data version (row
  counts and the newest ids of supply edges, contracts, organisations and
  facilities, and the reference edition); when only new rows arrived it loads
  just those and extends the graph (`SupplyGraph.extend`), otherwise it
  rebuilds. Building runs in a worker thread. The API's background task
  (`refresh_forever`) calls it every `graph_refresh_seconds`; requests use the
  last graph built and wait only for the very first one.
- Views: the graph is shared, its filtered views are cached per (graph
  version, viewer facts). A view holds only the supply edges whose
  `authz.records.SUPPLY_EDGE` relation to the viewer is not NONE (through the
  viewer fact `self_report_suppliers`, the same rule) and the contract edges
  the viewer is a party to (`authz.records.CONTRACT`'s relation), so a shared
  cache never answers with an edge the viewer may not see; the service asks
  the policies again for every edge it hands out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.viewer import ViewerFacts
from domain.enums import OrganizationKind
from domain.self_reports import contract_active
from graph.risk import RiskTables
from graph.supply import FACILITY, ORGANIZATION, GraphInput, GraphView, SupplyGraph
from graph.supply import build_supply_graph as build_graph
from services import reference
from storage.models import Contract, Facility, Organization, ReferenceFile, SupplyEdge

log = logging.getLogger(__name__)

VIEW_CACHE_SIZE = 256
TRACKED = (SupplyEdge, Contract, Organization, Facility)


@dataclass(frozen=True)
class DataVersion:
    """What the graph was built from: per table (count, newest id), the
    reference edition's load time and the day (contracts start and end)."""

    tables: tuple[tuple[int, str | None], ...]
    reference: dt.datetime | None
    day: dt.date

    def only_grew_from(self, old: DataVersion) -> bool:
        """True when rows were only added since `old` (an increment suffices)."""
        return (
            self.reference == old.reference
            and self.day == old.day
            and all(
                count >= old_count and (old_id is None or (new_id or "") >= old_id)
                for (count, new_id), (old_count, old_id) in zip(
                    self.tables, old.tables, strict=True
                )
            )
        )


async def data_version(session: AsyncSession) -> DataVersion:
    tables = []
    for model in TRACKED:
        count, newest = (await session.execute(select(func.count(), func.max(model.id)))).one()
        tables.append((int(count), newest))
    loaded = await session.scalar(select(func.max(ReferenceFile.loaded_at)))
    return DataVersion(tuple(tables), loaded, dt.date.today())


async def load_input(
    session: AsyncSession, since: DataVersion | None, day: dt.date
) -> tuple[GraphInput, int]:
    """Nodes and edges newer than `since` (everything when None), and how many
    rows were read per tracked table in total (for the increment's check)."""
    data = GraphInput()
    newest = dict(zip(TRACKED, since.tables, strict=True)) if since else {}

    def newer(model: Any) -> Any:
        known = newest.get(model)
        return model.id > known[1] if known and known[1] else True

    read = 0
    organizations = await session.execute(
        select(Organization.id, Organization.name, Organization.kind, Organization.country)
        .where(newer(Organization))
        .order_by(Organization.id)
    )
    for node_id, name, kind, country in organizations:
        data.add_node(
            node_id, ORGANIZATION, name, country, buyer=kind is OrganizationKind.PUBLIC_BODY
        )
        read += 1
    facilities = await session.execute(
        select(Facility.id, Facility.name, Facility.country, Facility.latitude, Facility.longitude)
        .where(newer(Facility))
        .order_by(Facility.id)
    )
    for node_id, name, country, latitude, longitude in facilities:
        data.add_node(node_id, FACILITY, name, country, latitude=latitude, longitude=longitude)
        read += 1
    edges = await session.execute(
        select(
            SupplyEdge.source_id,
            SupplyEdge.target_id,
            SupplyEdge.product_category,
            SupplyEdge.disclosed_by_id,
        )
        .where(newer(SupplyEdge))
        .order_by(SupplyEdge.id)
    )
    for source, target, category, discloser in edges:
        data.add_edge(source, target, category, discloser)
        read += 1
    contracts = await session.execute(
        select(
            Contract.supplier_id,
            Contract.buyer_id,
            Contract.product_category,
            Contract.start_date,
            Contract.end_date,
        )
        .where(newer(Contract))
        .order_by(Contract.id)
    )
    for supplier, buyer, category, start, end in contracts:
        read += 1
        if contract_active(start, end, day):  # active contracts reach bodies
            data.add_contract(supplier, buyer, category)
    return data, read


def visible_disclosers(facts: ViewerFacts) -> frozenset[str]:
    """The organisations whose disclosed edges this viewer sees: the viewer fact
    `self_report_suppliers`, the in-memory form of `authz.records.SUPPLY_EDGE`'s
    relations (its own organisation, the suppliers it holds an active contract
    with as a public body, the suppliers that granted it access)."""
    return facts.self_report_suppliers


def contract_parties(facts: ViewerFacts) -> frozenset[str]:
    """A contract is seen by its buyer and its supplier (`authz.records.CONTRACT`)."""
    return frozenset({facts.organization_id}) if facts.organization_id else frozenset()


class GraphStore:
    """The last graph built for one database, and its per-viewer views."""

    def __init__(self) -> None:
        self.graph: SupplyGraph | None = None
        self.version: DataVersion | None = None
        self.builds = 0  # full builds, for tests and logs
        self.increments = 0
        self._rows = 0
        self._lock = asyncio.Lock()
        self._views: OrderedDict[tuple[int, ViewerFacts], GraphView] = OrderedDict()
        self._everything: GraphView | None = None
        self._generation = 0

    async def refresh(self, session: AsyncSession) -> bool:
        """Bring the graph up to the data version; True when it changed."""
        async with self._lock:
            version = await data_version(session)
            if self.graph is not None and version == self.version:
                return False
            tables: RiskTables = await reference.current_tables(session)
            graph = self.graph
            if graph is not None and self.version and version.only_grew_from(self.version):
                data, read = await load_input(session, self.version, version.day)
                expected = sum(count for count, _ in version.tables) - self._rows
                if read == expected:
                    self._install(await asyncio.to_thread(graph.extend, data), version, read)
                    self.increments += 1
                    return True
            data, read = await load_input(session, None, version.day)
            self._install(await asyncio.to_thread(build_graph, data, tables), version, 0)
            self._rows = read
            self.builds += 1
            return True

    def _install(self, graph: SupplyGraph, version: DataVersion, added: int) -> None:
        self.graph, self.version = graph, version
        self._rows += added
        self._generation += 1
        self._views.clear()
        self._everything = None

    async def current(self, session: AsyncSession) -> SupplyGraph:
        """The last graph built; only the first call of a process waits for a build."""
        if self.graph is None:
            await self.refresh(session)
        assert self.graph is not None
        return self.graph

    async def view(self, session: AsyncSession, facts: ViewerFacts) -> GraphView:
        """The viewer's filtered view of the current graph (cached)."""
        graph = await self.current(session)
        key = (self._generation, facts)
        found = self._views.get(key)
        if found is not None and found.graph is graph:
            self._views.move_to_end(key)
            return found
        view = await asyncio.to_thread(
            lambda: graph.view(
                graph.visible_edges(visible_disclosers(facts), contract_parties(facts))
            )
        )
        if graph is self.graph:
            self._views[key] = view
            while len(self._views) > VIEW_CACHE_SIZE:
                self._views.popitem(last=False)
        return view

    async def all_seeing(self, session: AsyncSession) -> GraphView:
        """Every edge: for operators' exports and the benchmark, never for a viewer."""
        graph = await self.current(session)
        found = self._everything
        if found is None or found.graph is not graph:
            found = await asyncio.to_thread(graph.view, graph.visible_edges(None))
            self._everything = found
        return found


_STORES: dict[str, GraphStore] = {}


def store_for(database_url: str) -> GraphStore:
    """The one store of a database (by URL) in this process."""
    store = _STORES.get(database_url)
    if store is None:
        store = _STORES[database_url] = GraphStore()
    return store


async def refresh_forever(
    store: GraphStore,
    sessions: Callable[[], Any],
    seconds: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """The background task: wait, then refresh; an error is logged, not fatal.
    (The first graph is built by the first request that needs it.)"""
    while True:
        await sleep(seconds)
        try:
            async with sessions() as session:
                if await store.refresh(session):
                    log.info(
                        "supply graph at %s (builds %d, increments %d)",
                        store.version,
                        store.builds,
                        store.increments,
                    )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("supply graph refresh failed; the last graph stays in use")
