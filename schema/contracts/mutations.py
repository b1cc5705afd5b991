"""Recording contracts."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.contracts.types import Contract, ContractInput
from schema.fields import mutation
from services import contracts


@strawberry.type
class ContractMutations:
    @mutation(description="A public body records a contract with a supplier.")
    async def create_contract(self, info: Info, input: ContractInput) -> Contract:
        created = await contracts.create_contract(
            info.context.scope, input.to_new(), selected_names(info)
        )
        return Contract.from_disclosed(created)
