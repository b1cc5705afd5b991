"""`me`: who the caller is, for which organisation, with which roles right now."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.viewer.types import Viewer
from services import viewer


@strawberry.type
class ViewerQueries:
    @strawberry.field
    async def me(self, info: Info) -> Viewer:
        return Viewer.from_view(await viewer.me(info.context.scope))
