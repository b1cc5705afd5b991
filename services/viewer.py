"""`me`: who the caller is, for which organisation, with which roles right now."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Role
from services.organizations import OrganizationView, load_organization
from services.scope import Scope


@dataclass(frozen=True)
class UserView:
    id: str
    email: str
    name: str | None


@dataclass(frozen=True)
class ViewerView:
    user: UserView
    organization: OrganizationView
    roles: tuple[Role, ...]  # in the order of `Role`


async def me(scope: Scope) -> ViewerView:
    """The signed-in caller; anonymous callers get UNAUTHENTICATED."""
    principal = scope.viewer()
    user = await scope.loaders.user.load(principal.user_id)
    return ViewerView(
        user=UserView(
            id=principal.user_id, email=principal.email, name=user.name if user else None
        ),
        organization=await load_organization(scope, principal.organization_id),
        roles=tuple(sorted(principal.roles, key=list(Role).index)),
    )
