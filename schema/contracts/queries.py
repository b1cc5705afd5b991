"""The `contracts` list: the caller's organisation's contracts."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.contracts.types import Contract
from schema.fields import field
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import contracts


@strawberry.type
class ContractQueries:
    @field(description="Contracts the caller's organisation is a party to.")
    async def contracts(
        self,
        info: Info,
        supplier_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Contract]:
        page = await contracts.list_contracts(
            info.context.scope,
            supplier_id=str(supplier_id) if supplier_id is not None else None,
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, Contract.from_disclosed)
