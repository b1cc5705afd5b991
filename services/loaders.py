"""Per-request DataLoaders: one SQL statement per relation and nesting level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.dataloader import DataLoader

from domain.enums import OrganizationKind
from services.framework_loaders import FrameworkLoaders
from services.key_batches import KeyBatches
from storage import models
from storage.db import core_rows
from storage.keys import KeysNamed, among

ModelT = TypeVar("ModelT", bound=models.Base)


def by_id(
    session: AsyncSession, model: type[ModelT]
) -> Callable[[list[str]], Awaitable[list[ModelT | None]]]:
    """Load rows by primary key, in key order, None for missing ids."""

    async def load(ids: list[str]) -> list[ModelT | None]:
        pk = model.__mapper__.primary_key[0]
        rows = (await session.execute(select(model).where(pk.in_(ids)))).scalars()
        found = {getattr(row, str(pk.key)): row for row in rows}
        return [found.get(key) for key in ids]

    return load


class OrganizationColumns(Protocol):
    """What an organisation view is built from: an ORM row or a Core row of
    `ORGANIZATION_COLUMNS`."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> OrganizationKind: ...
    @property
    def country(self) -> str: ...
    @property
    def org_number(self) -> str: ...


class OrganizationRow(NamedTuple):
    """`ORGANIZATION_COLUMNS` read along with another statement (a page's suppliers)."""

    id: str
    name: str
    kind: OrganizationKind
    country: str
    org_number: str


ORGANIZATION_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = tuple(
    getattr(models.Organization, name) for name in OrganizationRow._fields
)


@cache
def _by_ids(columns: tuple[InstrumentedAttribute[Any], ...]) -> Select[Any]:
    """One statement per set of columns, for every request (its cache key made once)."""
    return select(*columns).where(among(columns[0], KeysNamed("ids")))


def columns_by_id(
    session: AsyncSession, columns: Sequence[InstrumentedAttribute[Any]]
) -> Callable[[list[str]], Awaitable[dict[str, Any]]]:
    """Load Core rows of `columns` (the first is the primary key) by key, for
    views built from a few columns, without the ORM objects
    (`storage.db.core_rows`); ids not found are absent."""

    stmt = _by_ids(tuple(columns))

    async def load(ids: list[str]) -> dict[str, Any]:
        rows = await core_rows(session, stmt, {"ids": ids})
        return {row[0]: row for row in rows}

    return load


def grouped(
    session: AsyncSession, model: type[ModelT], column: Any, order_by: Sequence[Any] = ()
) -> Callable[[list[str]], Awaitable[list[list[ModelT]]]]:
    """Load the rows whose `column` matches each key, one list per key."""

    async def load(keys: list[str]) -> list[list[ModelT]]:
        stmt = select(model).where(column.in_(keys)).order_by(*order_by)
        groups: dict[str, list[ModelT]] = defaultdict(list)
        for row in (await session.execute(stmt)).scalars():
            groups[getattr(row, column.key)].append(row)
        return [groups.get(key, []) for key in keys]

    return load


class Loaders:
    """Built fresh for every request so no data leaks between callers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.forget()

    def forget(self) -> None:
        """Drop every cached row (after a write)."""
        session = self._session
        self.organization = DataLoader(load_fn=by_id(session, models.Organization))
        # The same organisations as views read them (services.organizations): five
        # columns, no ORM objects, one future per statement rather than per key (a
        # page's suppliers are read through it: services.key_batches).
        self.organization_columns: KeyBatches[OrganizationColumns] = KeyBatches(
            columns_by_id(session, ORGANIZATION_COLUMNS)
        )
        self.user = DataLoader(load_fn=by_id(session, models.User))
        self.network = DataLoader(load_fn=by_id(session, models.Network))
        self.facility = DataLoader(load_fn=by_id(session, models.Facility))
        self.focus_area = DataLoader(load_fn=by_id(session, models.FocusArea))
        self.network_participants = DataLoader(
            load_fn=grouped(
                session,
                models.NetworkParticipant,
                models.NetworkParticipant.network_id,
                (models.NetworkParticipant.id,),
            )
        )
        self.network_suppliers = DataLoader(
            load_fn=grouped(
                session,
                models.NetworkSupplier,
                models.NetworkSupplier.network_id,
                (models.NetworkSupplier.rank,),
            )
        )
        self.reports = ReportLoaders(session)
        # Loaders a capability builds on first use because they need the whole
        # scope (e.g. the viewer's facts), by name; dropped with the rest.
        self.batches: dict[str, DataLoader[Any, Any]] = {}
        self.self_report_sites = DataLoader(
            load_fn=facilities_by(
                session, models.SelfReportSite.self_report_id, models.SelfReportSite.facility_id
            )
        )
        self.frameworks = FrameworkLoaders(session)


class ReportLoaders:
    """Relations of audit reports; one statement per relation per request level."""

    def __init__(self, session: AsyncSession) -> None:
        self.findings = DataLoader(
            load_fn=grouped(
                session,
                models.Finding,
                models.Finding.report_id,
                (models.Finding.position, models.Finding.id),
            )
        )
        self.corrective_action = DataLoader(
            load_fn=grouped(session, models.CorrectiveAction, models.CorrectiveAction.finding_id)
        )
        self.documents = DataLoader(
            load_fn=grouped(
                session, models.Document, models.Document.report_id, (models.Document.id,)
            )
        )
        self.facilities = DataLoader(
            load_fn=facilities_by(
                session,
                models.AuditReportFacility.report_id,
                models.AuditReportFacility.facility_id,
            )
        )


def facilities_by(
    session: AsyncSession,
    owner: InstrumentedAttribute[str],
    facility: InstrumentedAttribute[str],
) -> Callable[[list[str]], Awaitable[list[list[models.Facility]]]]:
    """The facilities a link table ties to each owner (an audit report, a
    self-report), by name: one statement per batch."""

    async def load(owner_ids: list[str]) -> list[list[models.Facility]]:
        stmt = (
            select(owner, models.Facility)
            .join(models.Facility, models.Facility.id == facility)
            .where(owner.in_(owner_ids))
            .order_by(models.Facility.name, models.Facility.id)
        )
        groups: dict[str, list[models.Facility]] = defaultdict(list)
        for owner_id, row in await session.execute(stmt):
            groups[owner_id].append(row)
        return [groups.get(key, []) for key in owner_ids]

    return load
