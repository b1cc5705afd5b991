"""What every resolver gets: the caller, one DB session, the loaders and the services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import strawberry
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from settings import Settings
from authz.enforcer import Authorizer
from authz.policies import Action, Resource
from authz.principal import Principal
from domain.audit_reports import ViewerFacts
from domain.enums import Classification, NetworkKind
from domain.errors import DomainError
from schema.loaders import Loaders
from storage.audit_log import AuditEvent
from storage.models import Network, NetworkParticipant
from storage.objects import ObjectStore


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in: send 'Authorization: Bearer <token>'") -> None:
        super().__init__(message)


@dataclass
class Context:
    request: Request | None
    settings: Settings
    session: AsyncSession
    principal: Principal | None
    authorizer: Authorizer
    objects: ObjectStore
    url_secret: bytes
    loaders: Loaders = field(init=False)
    audit_events: list[AuditEvent] = field(default_factory=list, init=False)
    _facts: ViewerFacts | None = field(default=None, init=False, repr=False)
    _facts_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.viewer_facts)

    def viewer(self) -> Principal:
        """The signed-in principal; anonymous callers get UNAUTHENTICATED."""
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    def require(self, action: str, resource: str, owner_id: str | None = None) -> Principal:
        """The one authorization check resolvers make: may the caller do ACTION on RESOURCE?"""
        principal = self.viewer()
        self.authorizer.require(principal, action, resource, owner_id)
        return principal

    def record_read(self, level: Classification, subject_type: str, subject_id: str) -> None:
        """Queue an audit event for a read of RESTRICTED or PERSONAL data; the
        endpoint appends the request's events before the response leaves."""
        principal = self.principal
        self.audit_events.append(
            AuditEvent(
                action=f"read_{level.value.lower()}",
                subject_type=subject_type,
                subject_id=subject_id,
                actor_user_id=principal.user_id if principal else None,
                actor_org_id=principal.organization_id if principal else None,
            )
        )

    async def commit(self) -> None:
        """Commit a mutation; what the request reads afterwards is read afresh."""
        await self.session.commit()
        self.loaders.forget()

    async def viewer_facts(self) -> ViewerFacts:
        """The caller's organisation, kind, personal-data right and networks: once per request
        and compiled into every row filter."""
        async with self._facts_lock:  # aliased root fields ask at the same time
            if self._facts is None:
                self._facts = await self._load_facts()
        return self._facts

    async def _load_facts(self) -> ViewerFacts:
        principal = self.principal
        if principal is None:
            return ViewerFacts(None, None, False, frozenset())
        return ViewerFacts(
            organization_id=principal.organization_id,
            organization_kind=principal.organization_kind,
            reads_personal=self.authorizer.allows(
                principal, Action.READ_PERSONAL, Resource.AUDIT_REPORT
            ),
            network_ids=await network_ids_of(self.session, principal.organization_id),
        )


async def network_ids_of(session: AsyncSession, organization_id: str) -> frozenset[str]:
    """Networks an organisation leads or is a member of (`domain.networks.is_member`)."""
    participant = (
        select(NetworkParticipant.network_id)
        .join(Network, Network.id == NetworkParticipant.network_id)
        .where(
            NetworkParticipant.organization_id == organization_id,
            or_(
                Network.kind == NetworkKind.NATIONAL_NETWORK,
                NetworkParticipant.signed_at.is_not(None),
            ),
        )
    )
    led = select(Network.id).where(Network.lead_id == organization_id)
    rows = await session.execute(participant.union(led))
    return frozenset(rows.scalars())


Info = strawberry.Info[Context, None]


def selected_names(info: Info) -> frozenset[str]:
    """The names of every field the operation selects below this one."""
    names: set[str] = set()
    stack: list[Any] = list(info.selected_fields)
    while stack:
        field = stack.pop()
        names.add(getattr(field, "name", ""))
        stack.extend(getattr(field, "selections", ()) or ())
    return frozenset(names)
