"""Networks a visible record refers to, batched per request."""

from __future__ import annotations

from schema.context import Info
from schema.networks.types import Network
from services import networks


async def load_network(info: Info, network_id: str) -> Network:
    """The network a record refers to by a foreign key (so it exists)."""
    return Network.from_view(await networks.load_network(info.context.scope, network_id))
