"""Viewer facts: what every relation rule needs to know about the caller.

Computed once per request from one query (network memberships, the suppliers
the viewer holds an active contract with, the suppliers that granted it access
to their self-reports), by any caller (the GraphQL context, the CLI, a job),
and compiled into every row filter. The API reads that query as one column of
its authentication statement (`fact_pairs_column`), saving a statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    CompoundSelect,
    Date,
    ScalarSelect,
    Select,
    String,
    bindparam,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from authz.enforcer import Authorizer
from authz.policies import Action, Resource
from authz.principal import Principal
from authz.sql import to_sql
from domain.enums import OrganizationKind
from domain.networks import MEMBERSHIP
from domain.self_reports import BUYER_KINDS
from storage.db import core_rows
from storage.models import (
    Contract,
    Network,
    NetworkParticipant,
    NetworkSupplier,
    SelfReportGrant,
)


@dataclass(frozen=True)
class ViewerFacts:
    """None and empty for an anonymous caller: it relates to nothing but PUBLIC rows."""

    organization_id: str | None
    organization_kind: OrganizationKind | None
    reads_personal: bool  # its roles allow audit_report:read_personal
    network_ids: frozenset[str]
    # Suppliers this public body holds an active contract with (domain.self_reports).
    contracted_suppliers: frozenset[str] = frozenset()
    # Suppliers that granted this organisation access to their self-reports (unrevoked).
    granted_suppliers: frozenset[str] = frozenset()
    # Framework agreements the organisation is a ranked supplier on.
    supplier_network_ids: frozenset[str] = frozenset()
    # The request's clock: deadlines compare with it (`domain.predicates.NotAfter`).
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def self_report_suppliers(self) -> frozenset[str]:
        """Suppliers whose self-reports, and what they disclose (sites, supply edges),
        this viewer sees: its own organisation, its contracted suppliers, its grantors."""
        own = frozenset({self.organization_id}) if self.organization_id else frozenset()
        buys = self.organization_kind in BUYER_KINDS
        return own | (self.contracted_suppliers if buys else frozenset()) | self.granted_suppliers


ANONYMOUS = ViewerFacts(None, None, False, frozenset())

OrganizationId = str | BindParameter[str]  # a value, or bound when the statement runs
Day = dt.date | BindParameter[dt.date]


def member_networks(organization_id: OrganizationId) -> CompoundSelect[str]:
    """Networks an organisation leads or is a member of (`domain.networks.MEMBERSHIP`)."""
    columns = {"kind": Network.kind, "signed_at": NetworkParticipant.signed_at}
    participant = (
        select(NetworkParticipant.network_id)
        .join(Network, Network.id == NetworkParticipant.network_id)
        .where(
            NetworkParticipant.organization_id == organization_id,
            to_sql(MEMBERSHIP, columns.__getitem__, None),
        )
    )
    led = select(Network.id).where(Network.lead_id == organization_id)
    return participant.union(led)


def contracted_suppliers(organization_id: OrganizationId, today: Day) -> Select[Any]:
    """Suppliers the organisation buys from under a contract active `today`
    (`domain.self_reports.contract_active`)."""
    return select(Contract.supplier_id).where(
        Contract.buyer_id == organization_id,
        Contract.start_date <= today,
        or_(Contract.end_date.is_(None), Contract.end_date >= today),
    )


def granted_suppliers(organization_id: OrganizationId) -> Select[Any]:
    """Suppliers holding an unrevoked self-report grant to the organisation."""
    return select(SelfReportGrant.supplier_id).where(
        SelfReportGrant.organization_id == organization_id,
        SelfReportGrant.revoked_at.is_(None),
    )


def supplied_networks(organization_id: OrganizationId) -> Select[Any]:
    """Framework agreements the organisation is a ranked supplier on."""
    return select(NetworkSupplier.network_id).where(NetworkSupplier.supplier_id == organization_id)


@cache
def _facts_query(buys: bool) -> CompoundSelect[Any]:
    """Every set-valued fact in one statement, (fact name, value) rows, for the
    bound `organization_id` and `today`: built once per kind of viewer, so a
    request only binds its values."""
    organization_id = bindparam("organization_id", type_=String)
    networks = member_networks(organization_id).subquery()
    parts = [
        _fact("network", networks.c[0]),
        _fact("granted", granted_suppliers(organization_id).subquery().c[0]),
        _fact("supplier", supplied_networks(organization_id).subquery().c[0]),
    ]
    if buys:
        today = bindparam("today", type_=Date)
        parts.append(
            _fact("contracted", contracted_suppliers(organization_id, today).subquery().c[0])
        )
    return union_all(*parts)


def _fact(name: str, value: Any) -> Select[Any]:
    return select(literal(name).label("fact"), value.label("value"))


FactPairs = Sequence[Sequence[Any]]
"""(fact name, value) rows of `_facts_query`: "network", "granted", "contracted", "supplier"."""


async def load_viewer_facts(
    session: AsyncSession,
    principal: Principal | None,
    authorizer: Authorizer,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ViewerFacts:
    clock = now or dt.datetime.now(dt.UTC)
    if principal is None:
        return replace(ANONYMOUS, now=clock)
    day = today or clock.date()
    buys = principal.organization_kind in BUYER_KINDS
    parameters: dict[str, Any] = {"organization_id": principal.organization_id}
    if buys:
        parameters["today"] = day
    rows = await core_rows(session, _facts_query(buys), parameters)
    return facts_from_pairs(principal, authorizer, rows, clock)


def facts_from_pairs(
    principal: Principal, authorizer: Authorizer, pairs: FactPairs, now: dt.datetime
) -> ViewerFacts:
    """The viewer's facts from the (fact, value) rows of its organisation
    (`load_viewer_facts`' statement, or `fact_pairs_column` read with another)."""
    values: dict[str, set[str]] = {
        "network": set(),
        "granted": set(),
        "contracted": set(),
        "supplier": set(),
    }
    for fact, value in pairs:
        values[str(fact)].add(str(value))
    buys = principal.organization_kind in BUYER_KINDS
    return ViewerFacts(
        organization_id=principal.organization_id,
        organization_kind=principal.organization_kind,
        reads_personal=authorizer.allows(principal, Action.READ_PERSONAL, Resource.AUDIT_REPORT),
        network_ids=frozenset(values["network"]),
        contracted_suppliers=frozenset(values["contracted"]) if buys else frozenset(),
        granted_suppliers=frozenset(values["granted"]),
        supplier_network_ids=frozenset(values["supplier"]),
        now=now,
    )


class _json_pairs(FunctionElement[Any]):
    """A JSON array of [a, b] pairs, one per row: `json_group_array(json_array(a, b))`
    on SQLite, `json_agg(json_build_array(a, b))` on PostgreSQL (NULL for no rows)."""

    type = JSON()
    name = "json_pairs"
    inherit_cache = True


@compiles(_json_pairs, "sqlite")
def _json_pairs_sqlite(element: _json_pairs, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(_json_pairs, "postgresql")
def _json_pairs_postgresql(element: _json_pairs, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@cache
def fact_pairs_column() -> ScalarSelect[Any]:
    """Every set-valued fact of the organisation bound as `organization_id` on the
    day bound as `today`, as one JSON value: a column another statement (the
    authentication's) reads them with, saving a statement of their own. Contracts
    are read whatever the organisation's kind; `facts_from_pairs` keeps them for
    buyers only, as `load_viewer_facts` does."""
    facts = _facts_query(True).subquery()
    return select(_json_pairs(facts.c.fact, facts.c.value)).scalar_subquery()
