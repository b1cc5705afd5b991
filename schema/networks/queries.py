"""The `networks` list, and one network by id."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.fields import field
from schema.networks.types import Network
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import networks


@strawberry.type
class NetworkQueries:
    @field(description="Framework agreements and national networks, oldest first.")
    async def networks(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Network]:
        page = await networks.list_networks(info.context.scope, first=first, after=after)
        return connection(page, Network.from_view)

    @field(description="One network by id; null when there is none.")
    async def network(self, info: Info, id: strawberry.ID) -> Network | None:
        view = await networks.network_by_reference(info.context.scope, str(id))
        return Network.from_view(view) if view else None
