"""The `miniCompetitions` and `callOffs` lists, and one competition by id."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.fields import field
from schema.frameworks.types import CallOffDecision, MiniCompetition
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import call_offs, mini_competitions


def optional_id(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None


@strawberry.type
class FrameworkQueries:
    @field(
        description="Mini-competitions the caller may see: its own as buyer, published ones "
        "on agreements it supplies, templates on agreements it participates in, and the "
        "outline of decided ones. Oldest first."
    )
    async def mini_competitions(
        self,
        info: Info,
        network_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[MiniCompetition]:
        page = await mini_competitions.list_mini_competitions(
            info.context.scope,
            network_id=optional_id(network_id),
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, MiniCompetition.from_disclosed)

    @field(
        description="One mini-competition, when the caller may see it (as in "
        "miniCompetitions); null otherwise."
    )
    async def mini_competition(self, info: Info, id: strawberry.ID) -> MiniCompetition | None:
        found = await mini_competitions.get_mini_competition(
            info.context.scope, str(id), selected_names(info)
        )
        return MiniCompetition.from_disclosed(found) if found is not None else None

    @field(
        description="Call-offs the caller placed, asks it (as supplier), or, as the "
        "agreement's lead, every call-off on it with any exception claimed. Oldest first."
    )
    async def call_offs(
        self,
        info: Info,
        network_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[CallOffDecision]:
        page = await call_offs.list_call_offs(
            info.context.scope,
            network_id=optional_id(network_id),
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, CallOffDecision.from_disclosed)
