"""Who is asking: built per request from the token and the memberships table."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import OrganizationKind, Role


@dataclass(frozen=True)
class Principal:
    """A signed-in user acting for one organisation.

    `roles` are the roles the user holds in `organization_id` right now (read
    from memberships on every request, so a revoked role stops at once); they
    count in that organisation only.
    """

    user_id: str
    email: str
    organization_id: str
    organization_kind: OrganizationKind
    roles: frozenset[Role]
