"""Networks: framework agreements and national networks, their members and ranked suppliers."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry
from sqlalchemy import select

from authz.policies import Action, Resource
from authz.principal import Principal
from domain import networks as rules
from domain.enums import NetworkKind
from domain.errors import NotFound
from domain.text import require_text
from schema.context import Info
from schema.organizations import Organization, load_organization, load_organizations
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, each, paginate
from schema.transactions import transactional_mutation
from storage import models


@strawberry.type
class RankedSupplier:
    rank: int
    supplier_id: strawberry.Private[str]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)


@strawberry.federation.type(keys=["id"])
class Network:
    id: strawberry.ID
    name: str
    kind: NetworkKind
    join_deadline: dt.date | None
    call_off_threshold_hours: int
    max_subcontractor_tiers: int | None
    min_environmental_weight: float | None
    lead_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: models.Network) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            kind=row.kind,
            join_deadline=row.join_deadline,
            call_off_threshold_hours=row.call_off_threshold_hours,
            max_subcontractor_tiers=row.max_subcontractor_tiers,
            min_environmental_weight=row.min_environmental_weight,
            lead_id=row.lead_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        info.context.require(Action.READ, Resource.NETWORK)
        row = await info.context.loaders.network.load(str(id))
        return cls.from_model(row) if row else None

    @strawberry.field
    async def lead(self, info: Info) -> Organization:
        return await load_organization(info, self.lead_id)

    @strawberry.field(
        description="Members: bodies with a signed accession declaration (framework "
        "agreements) or added by the coordinator (national networks)."
    )
    async def participants(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.network_participants.load(self.id)
        members = [row for row in rows if rules.is_member(self.kind, row.signed_at)]
        return await load_organizations(info, [row.organization_id for row in members])

    @strawberry.field(
        description="Framework agreements: bodies the lead listed that have not yet signed."
    )
    async def invited(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.network_participants.load(self.id)
        pending = [row for row in rows if not rules.is_member(self.kind, row.signed_at)]
        return await load_organizations(info, [row.organization_id for row in pending])

    @strawberry.field(description="Framework agreements: suppliers in priority order, 1 first.")
    async def suppliers(self, info: Info) -> list[RankedSupplier]:
        rows = await info.context.loaders.network_suppliers.load(self.id)
        return [RankedSupplier(rank=row.rank, supplier_id=row.supplier_id) for row in rows]


@strawberry.input
class NetworkInput:
    name: str
    kind: NetworkKind
    join_deadline: dt.date | None = None
    call_off_threshold_hours: int | None = None
    max_subcontractor_tiers: int | None = None
    min_environmental_weight: float | None = None


async def get_network(info: Info, network_id: str) -> models.Network:
    row = await info.context.loaders.network.load(network_id)
    if row is None:
        raise NotFound(f"no network with id {network_id}")
    return row


async def get_organization_row(info: Info, organization_id: str, field: str) -> models.Organization:
    row = await info.context.loaders.organization.load(organization_id)
    if row is None:
        raise NotFound(f"no organisation with id {organization_id} ({field})")
    return row


async def find_participant(
    info: Info, network_id: str, organization_id: str
) -> models.NetworkParticipant | None:
    return await info.context.session.scalar(
        select(models.NetworkParticipant).where(
            models.NetworkParticipant.network_id == network_id,
            models.NetworkParticipant.organization_id == organization_id,
        )
    )


async def add_participant(
    info: Info, network_id: str, organization_id: str, signed_by: Principal | None = None
) -> None:
    """List a participant, or record its signed accession declaration (who, when);
    idempotent, so a repeated call changes nothing."""
    session = info.context.session
    participant = await find_participant(info, network_id, organization_id)
    if participant is None:
        participant = models.NetworkParticipant(
            network_id=network_id, organization_id=organization_id
        )
        session.add(participant)
    if signed_by is not None and participant.signed_at is None:
        participant.signed_by_user_id = signed_by.user_id
        participant.signed_at = models.utcnow()
    await info.context.commit()


@strawberry.type
class NetworkQueries:
    @strawberry.field(description="Framework agreements and national networks, oldest first.")
    async def networks(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Network]:
        info.context.require(Action.READ, Resource.NETWORK)
        return await paginate(
            info.context,
            select(models.Network),
            models.Network.id,
            first=first,
            after=after,
            to_nodes=each(Network.from_model),
        )


@strawberry.type
class NetworkMutations:
    @transactional_mutation(description="The caller's organisation leads (or coordinates) it.")
    async def create_network(self, info: Info, input: NetworkInput) -> Network:
        principal = info.context.require(Action.CREATE, Resource.NETWORK)
        name = require_text("name", input.name)
        rules.check_can_lead(input.kind, principal.organization_kind)
        rules.check_network_terms(
            call_off_threshold_hours=input.call_off_threshold_hours,
            max_subcontractor_tiers=input.max_subcontractor_tiers,
            min_environmental_weight=input.min_environmental_weight,
        )
        session = info.context.session
        network = models.Network(
            name=name,
            kind=input.kind,
            lead_id=principal.organization_id,
            join_deadline=input.join_deadline,
            call_off_threshold_hours=input.call_off_threshold_hours
            or rules.DEFAULT_CALL_OFF_THRESHOLD_HOURS,
            max_subcontractor_tiers=input.max_subcontractor_tiers,
            min_environmental_weight=input.min_environmental_weight,
        )
        session.add(network)
        await session.flush()
        await add_participant(info, network.id, principal.organization_id, signed_by=principal)
        return Network.from_model(network)

    @transactional_mutation(
        description="National networks: the coordinator adds members. Framework agreements: "
        "the lead lists a body entitled to accede; it becomes a member when it signs (joinNetwork)."
    )
    async def add_network_member(
        self, info: Info, network_id: strawberry.ID, organization_id: strawberry.ID
    ) -> Network:
        info.context.require(Action.READ, Resource.NETWORK)  # anonymous: no existence leak
        network = await get_network(info, str(network_id))
        info.context.require(Action.ADD_MEMBER, Resource.NETWORK, network.lead_id)
        member = await get_organization_row(info, str(organization_id), "organizationId")
        rules.check_can_add_member(member.kind)
        await add_participant(info, network.id, member.id)
        return Network.from_model(network)

    @transactional_mutation(description="Framework agreements: the lead ranks parallel suppliers.")
    async def add_network_supplier(
        self, info: Info, network_id: strawberry.ID, supplier_id: strawberry.ID, rank: int
    ) -> Network:
        info.context.require(Action.READ, Resource.NETWORK)  # anonymous: no existence leak
        network = await get_network(info, str(network_id))
        info.context.require(Action.ADD_SUPPLIER, Resource.NETWORK, network.lead_id)
        supplier = await get_organization_row(info, str(supplier_id), "supplierId")
        session = info.context.session
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
        await info.context.commit()
        return Network.from_model(network)

    @transactional_mutation(
        description="A public body accedes to a framework agreement; records who signed, when."
    )
    async def join_network(self, info: Info, network_id: strawberry.ID) -> Network:
        principal = info.context.require(Action.JOIN, Resource.NETWORK)
        network = await get_network(info, str(network_id))
        listed = await find_participant(info, network.id, principal.organization_id)
        rules.check_can_join(
            network.kind,
            principal.organization_kind,
            listed is not None,
            network.join_deadline,
            dt.date.today(),
        )
        await add_participant(info, network.id, principal.organization_id, signed_by=principal)
        return Network.from_model(network)
