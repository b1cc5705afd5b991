"""The caller as `me` shows it."""

from __future__ import annotations

from typing import Self

import strawberry

from domain.enums import Role
from schema.organizations import Organization
from services.viewer import ViewerView


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

    @classmethod
    def from_view(cls, view: ViewerView) -> Self:
        return cls(
            user=User(id=strawberry.ID(view.user.id), email=view.user.email, name=view.user.name),
            organization=Organization.from_view(view.organization),
            roles=list(view.roles),
        )
