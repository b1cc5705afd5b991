"""Viewer facts: what every relation rule needs to know about the caller.

Computed once per request from one membership query, by any caller (the
GraphQL context, the CLI, a job), and compiled into every row filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CompoundSelect, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.enforcer import Authorizer
from authz.policies import Action, Resource
from authz.principal import Principal
from authz.sql import to_sql
from domain.enums import OrganizationKind
from domain.networks import MEMBERSHIP
from storage.models import Network, NetworkParticipant


@dataclass(frozen=True)
class ViewerFacts:
    """None and empty for an anonymous caller: it relates to nothing but PUBLIC rows."""

    organization_id: str | None
    organization_kind: OrganizationKind | None
    reads_personal: bool  # its roles allow audit_report:read_personal
    network_ids: frozenset[str]


ANONYMOUS = ViewerFacts(None, None, False, frozenset())


def member_networks(organization_id: str) -> CompoundSelect[str]:
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


async def load_viewer_facts(
    session: AsyncSession, principal: Principal | None, authorizer: Authorizer
) -> ViewerFacts:
    if principal is None:
        return ANONYMOUS
    rows = await session.execute(member_networks(principal.organization_id))
    return ViewerFacts(
        organization_id=principal.organization_id,
        organization_kind=principal.organization_kind,
        reads_personal=authorizer.allows(principal, Action.READ_PERSONAL, Resource.AUDIT_REPORT),
        network_ids=frozenset(str(network_id) for network_id in rows.scalars()),
    )
