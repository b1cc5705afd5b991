"""Creating networks, adding members and ranked suppliers, acceding."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.fields import mutation
from schema.networks.types import Network, NetworkInput
from services import networks


@strawberry.type
class NetworkMutations:
    @mutation(description="The caller's organisation leads (or coordinates) it.")
    async def create_network(self, info: Info, input: NetworkInput) -> Network:
        return Network.from_view(
            await networks.create_network(info.context.scope, input.to_terms())
        )

    @mutation(
        description="National networks: the coordinator adds members. Framework agreements: "
        "the lead lists a body entitled to accede; it becomes a member when it signs (joinNetwork)."
    )
    async def add_network_member(
        self, info: Info, network_id: strawberry.ID, organization_id: strawberry.ID
    ) -> Network:
        return Network.from_view(
            await networks.add_member(info.context.scope, str(network_id), str(organization_id))
        )

    @mutation(description="Framework agreements: the lead ranks parallel suppliers.")
    async def add_network_supplier(
        self, info: Info, network_id: strawberry.ID, supplier_id: strawberry.ID, rank: int
    ) -> Network:
        return Network.from_view(
            await networks.add_supplier(info.context.scope, str(network_id), str(supplier_id), rank)
        )

    @mutation(
        description="A public body accedes to a framework agreement; records who signed, when."
    )
    async def join_network(self, info: Info, network_id: strawberry.ID) -> Network:
        return Network.from_view(await networks.join(info.context.scope, str(network_id)))
