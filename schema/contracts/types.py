"""The `Contract` entity (built from what the viewer may read of it) and its input."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from authz.disclosure import Disclosed
from schema.context import Info, selected_names
from schema.organizations import Organization, load_organization
from services import contracts
from services.contracts import NewContract


@strawberry.federation.type(keys=["id"])
class Contract:
    id: strawberry.ID
    title: str
    product_category: str
    start_date: dt.date
    end_date: dt.date | None
    value: float | None = strawberry.field(description="RESTRICTED: the two parties only.")
    buyer_id: strawberry.Private[str]
    supplier_id: strawberry.Private[str]

    @classmethod
    def from_disclosed(cls, contract: Disclosed) -> Self:
        """A withheld field reads None (`Disclosed.withheld` says which)."""
        return cls(
            id=strawberry.ID(contract["id"]),
            title=contract["title"],
            product_category=contract["product_category"],
            start_date=contract["start_date"],
            end_date=contract["end_date"],
            value=contract["value"],
            buyer_id=contract["buyer_id"],
            supplier_id=contract["supplier_id"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """`_entities` is a second way in: same check, row filter and read log."""
        return (await cls.resolve_references(info, [str(id)]))[0]

    @classmethod
    async def resolve_references(cls, info: Info, ids: list[str]) -> list[Self | None]:
        """Every `_entities` reference to a contract at once (schema/entities.py)."""
        found = await contracts.contracts_by_reference(
            info.context.scope, ids, selected_names(info)
        )
        by_id = {str(contract["id"]): cls.from_disclosed(contract) for contract in found}
        return [by_id.get(contract_id) for contract_id in ids]

    @strawberry.field
    async def buyer(self, info: Info) -> Organization:
        return await load_organization(info, self.buyer_id)

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)


@strawberry.input
class ContractInput:
    supplier_id: strawberry.ID
    title: str
    product_category: str
    start_date: dt.date
    end_date: dt.date | None = None
    value: float | None = None

    def to_new(self) -> NewContract:
        return NewContract(
            supplier_id=str(self.supplier_id),
            title=self.title,
            product_category=self.product_category,
            start_date=self.start_date,
            end_date=self.end_date,
            value=self.value,
        )
