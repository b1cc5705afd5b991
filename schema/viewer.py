"""`me`: who the caller is, for which organisation, with which roles right now."""

from __future__ import annotations

import strawberry

from domain.enums import Role
from schema.context import Info
from schema.organizations import Organization, load_organization


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    name: str | None


@strawberry.type
class Viewer:
    user: User
    organization: Organization
    roles: list[Role]


@strawberry.type
class ViewerQueries:
    @strawberry.field
    async def me(self, info: Info) -> Viewer:
        principal = info.context.viewer()
        user = await info.context.loaders.user.load(principal.user_id)
        return Viewer(
            user=User(
                id=strawberry.ID(principal.user_id),
                email=principal.email,
                name=user.name if user else None,
            ),
            organization=await load_organization(info, principal.organization_id),
            roles=sorted(principal.roles, key=list(Role).index),
        )
