"""Networks: framework agreements and national networks, their members and
ranked suppliers. The rules are `domain.networks`; membership is its MEMBERSHIP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from authz.policies import Action, Resource
from authz.principal import Principal
from domain import limits
from domain import networks as rules
from domain.enums import NetworkKind
from domain.errors import NotFound
from domain.text import require_text
from services.organizations import OrganizationView, get_organization, load_organizations
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import models


@dataclass(frozen=True)
class NetworkView:
    id: str
    name: str
    kind: NetworkKind
    join_deadline: dt.date | None
    call_off_threshold_hours: int
    max_subcontractor_tiers: int | None
    min_environmental_weight: float | None
    lead_id: str
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    options: str | None = None  # option periods in years, e.g. "1+1+1"


@dataclass(frozen=True)
class RankedSupplierView:
    rank: int  # 1 is called off first
    supplier_id: str


@dataclass(frozen=True)
class NetworkTerms:
    """What `create_network` is given; the caller's organisation leads."""

    name: str
    kind: NetworkKind
    join_deadline: dt.date | None = None
    call_off_threshold_hours: int | None = None
    max_subcontractor_tiers: int | None = None
    min_environmental_weight: float | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    options: str | None = None


def network_view(row: models.Network) -> NetworkView:
    return NetworkView(
        id=row.id,
        name=row.name,
        kind=row.kind,
        join_deadline=row.join_deadline,
        call_off_threshold_hours=row.call_off_threshold_hours,
        max_subcontractor_tiers=row.max_subcontractor_tiers,
        min_environmental_weight=row.min_environmental_weight,
        lead_id=row.lead_id,
        period_start=row.period_start,
        period_end=row.period_end,
        options=row.options,
    )


# --- reads ------------------------------------------------------------------------------


async def list_networks(scope: Scope, *, first: int | None, after: str | None) -> Page[NetworkView]:
    """Framework agreements and national networks, oldest first."""
    scope.require(Action.READ, Resource.NETWORK)
    return await fetch_page(
        scope,
        select(models.Network),
        models.Network.id,
        first=first,
        after=after,
        to_items=each(network_view),
        item_id=lambda network: network.id,
    )


async def network_by_reference(scope: Scope, network_id: str) -> NetworkView | None:
    """A network by id, with the same check as the list (federation's `_entities`)."""
    scope.require(Action.READ, Resource.NETWORK)
    return await find_network(scope, network_id)


async def find_network(scope: Scope, network_id: str) -> NetworkView | None:
    """The network a visible record refers to, through the request's DataLoader."""
    row = await scope.loaders.network.load(network_id)
    return network_view(row) if row else None


async def load_network(scope: Scope, network_id: str) -> NetworkView:
    """The network a visible record refers to by a foreign key (so it exists)."""
    network = await find_network(scope, network_id)
    if network is None:  # unreachable short of a concurrent delete
        raise LookupError(f"network {network_id} vanished")
    return network


async def members(scope: Scope, network_id: str, kind: NetworkKind) -> list[OrganizationView]:
    """Bodies with a signed accession declaration (framework agreements) or added
    by the coordinator (national networks): `domain.networks.is_member`."""
    return await _participants(scope, network_id, kind, member=True)


async def invited(scope: Scope, network_id: str, kind: NetworkKind) -> list[OrganizationView]:
    """Framework agreements: bodies the lead listed that have not yet signed."""
    return await _participants(scope, network_id, kind, member=False)


async def _participants(
    scope: Scope, network_id: str, kind: NetworkKind, *, member: bool
) -> list[OrganizationView]:
    rows = await scope.loaders.network_participants.load(network_id)
    ids = [row.organization_id for row in rows if rules.is_member(kind, row.signed_at) is member]
    return [found for found in await load_organizations(scope, ids) if found is not None]


async def ranked_suppliers(scope: Scope, network_id: str) -> list[RankedSupplierView]:
    """Framework agreements: suppliers in priority order, 1 first."""
    rows = await scope.loaders.network_suppliers.load(network_id)
    return [RankedSupplierView(rank=row.rank, supplier_id=row.supplier_id) for row in rows]


# --- changes ----------------------------------------------------------------------------


async def create_network(scope: Scope, terms: NetworkTerms) -> NetworkView:
    """The caller's organisation leads (or coordinates) it and is its first member."""
    principal = scope.require(Action.CREATE, Resource.NETWORK)
    name = require_text("name", terms.name)
    rules.check_can_lead(terms.kind, principal.organization_kind)
    rules.check_network_terms(
        call_off_threshold_hours=terms.call_off_threshold_hours,
        max_subcontractor_tiers=terms.max_subcontractor_tiers,
        min_environmental_weight=terms.min_environmental_weight,
    )
    options = rules.check_period(terms.period_start, terms.period_end, terms.options)
    network = models.Network(
        name=name,
        kind=terms.kind,
        lead_id=principal.organization_id,
        join_deadline=terms.join_deadline,
        call_off_threshold_hours=terms.call_off_threshold_hours
        or rules.DEFAULT_CALL_OFF_THRESHOLD_HOURS,
        max_subcontractor_tiers=terms.max_subcontractor_tiers,
        min_environmental_weight=terms.min_environmental_weight,
        period_start=terms.period_start,
        period_end=terms.period_end,
        options=options,
    )
    scope.session.add(network)
    await scope.session.flush()
    await _add_participant(scope, network.id, principal.organization_id, signed_by=principal)
    await scope.commit()
    return network_view(network)


async def add_member(scope: Scope, network_id: str, organization_id: str) -> NetworkView:
    """National networks: the coordinator adds a member. Framework agreements: the
    lead lists a body entitled to accede; it is a member once it signs (`join`)."""
    network = await _network_to_change(scope, network_id, Action.ADD_MEMBER)
    member = await get_organization(scope, organization_id, "organizationId")
    rules.check_can_add_member(member.kind)
    if await _find_participant(scope, network.id, member.id) is None:
        listed = await scope.session.scalar(
            select(func.count()).where(models.NetworkParticipant.network_id == network.id)
        )
        limits.check_room(
            "participants", "network", int(listed or 0), limits.MAX_NETWORK_PARTICIPANTS
        )
    await _add_participant(scope, network.id, member.id)
    await scope.commit()
    return network_view(network)


async def add_supplier(scope: Scope, network_id: str, supplier_id: str, rank: int) -> NetworkView:
    """Framework agreements: the lead ranks parallel suppliers, one per rank;
    ranking a ranked supplier again moves it."""
    network = await _network_to_change(scope, network_id, Action.ADD_SUPPLIER)
    supplier = await get_organization(scope, supplier_id, "supplierId")
    session = scope.session
    rank_holder = await session.scalar(
        select(models.NetworkSupplier.supplier_id).where(
            models.NetworkSupplier.network_id == network.id,
            models.NetworkSupplier.rank == rank,
        )
    )
    rules.check_supplier_rank(network.kind, supplier.kind, rank, rank_holder, supplier.id)
    ranked = await session.scalar(
        select(models.NetworkSupplier).where(
            models.NetworkSupplier.network_id == network.id,
            models.NetworkSupplier.supplier_id == supplier.id,
        )
    )
    if ranked is None:
        session.add(
            models.NetworkSupplier(network_id=network.id, supplier_id=supplier.id, rank=rank)
        )
    else:
        ranked.rank = rank
    await scope.commit()
    return network_view(network)


async def join(scope: Scope, network_id: str, today: dt.date | None = None) -> NetworkView:
    """A public body the lead listed accedes to a framework agreement: who signed, when."""
    principal = scope.require(Action.JOIN, Resource.NETWORK)
    network = await _network_row(scope, network_id)
    listed = await _find_participant(scope, network.id, principal.organization_id)
    rules.check_can_join(
        network.kind,
        principal.organization_kind,
        listed is not None,
        network.join_deadline,
        today or dt.date.today(),
    )
    await _add_participant(scope, network.id, principal.organization_id, signed_by=principal)
    await scope.commit()
    return network_view(network)


async def _network_to_change(scope: Scope, network_id: str, action: Action) -> models.Network:
    """The network, if the caller may do `action` on it as its lead's staff."""
    scope.require(Action.READ, Resource.NETWORK)  # anonymous: no existence leak
    network = await _network_row(scope, network_id)
    scope.require(action, Resource.NETWORK, network.lead_id)
    # Changes to one network's members and ranks queue here (PostgreSQL row lock;
    # SQLite holds the write lock already), so each sees the last one's result.
    await scope.session.execute(
        select(models.Network.id).where(models.Network.id == network.id).with_for_update()
    )
    return network


async def _network_row(scope: Scope, network_id: str) -> models.Network:
    row = await scope.loaders.network.load(network_id)
    if row is None:
        raise NotFound(f"no network with id {network_id}")
    return row


async def _find_participant(
    scope: Scope, network_id: str, organization_id: str
) -> models.NetworkParticipant | None:
    return await scope.session.scalar(
        select(models.NetworkParticipant).where(
            models.NetworkParticipant.network_id == network_id,
            models.NetworkParticipant.organization_id == organization_id,
        )
    )


async def _add_participant(
    scope: Scope, network_id: str, organization_id: str, signed_by: Principal | None = None
) -> None:
    """List a participant, or record its signed accession declaration (who, when).
    Idempotent: a repeated call changes nothing. The caller commits."""
    participant = await _find_participant(scope, network_id, organization_id)
    if participant is None:
        participant = models.NetworkParticipant(
            network_id=network_id, organization_id=organization_id
        )
        try:
            async with scope.session.begin_nested():
                scope.session.add(participant)
        except IntegrityError:
            # A concurrent request listed it first (it committed while we looked).
            participant = await _find_participant(scope, network_id, organization_id)
            if participant is None:
                raise
    if signed_by is not None and participant.signed_at is None:
        participant.signed_by_user_id = signed_by.user_id
        participant.signed_at = models.utcnow()
