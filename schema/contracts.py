"""Contracts: a public body buys from a supplier. Visible to its two parties only."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry
from sqlalchemy import select

from authz import visibility
from authz.policies import Action, Resource
from domain import networks as rules
from domain.enums import Classification
from domain.text import require_text
from schema.context import Info, selected_names
from schema.networks import get_organization_row
from schema.organizations import Organization, load_organization
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, paginate
from schema.transactions import transactional_mutation
from storage import models


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
    def from_model(cls, row: models.Contract) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            title=row.title,
            product_category=row.product_category,
            start_date=row.start_date,
            end_date=row.end_date,
            value=row.value,
            buyer_id=row.buyer_id,
            supplier_id=row.supplier_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        principal = info.context.require(Action.READ, Resource.CONTRACT)
        row = await info.context.session.scalar(
            select(models.Contract).where(
                visibility.contract_party(principal.organization_id),
                models.Contract.id == str(id),
            )
        )
        return cls.from_model(row) if row else None

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


@strawberry.type
class ContractQueries:
    @strawberry.field(description="Contracts the caller's organisation is a party to.")
    async def contracts(
        self,
        info: Info,
        supplier_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Contract]:
        principal = info.context.require(Action.READ, Resource.CONTRACT)
        stmt = select(models.Contract).where(visibility.contract_party(principal.organization_id))
        if supplier_id is not None:
            stmt = stmt.where(models.Contract.supplier_id == str(supplier_id))
        reads_value = "value" in selected_names(info)

        async def to_nodes(rows: list[models.Contract]) -> list[Contract]:
            for row in rows:
                if reads_value and row.value is not None:  # prices are RESTRICTED
                    info.context.record_read(Classification.RESTRICTED, "contract", row.id)
            return [Contract.from_model(row) for row in rows]

        return await paginate(
            info.context, stmt, models.Contract.id, first=first, after=after, to_nodes=to_nodes
        )


@strawberry.type
class ContractMutations:
    @transactional_mutation(description="A public body records a contract with a supplier.")
    async def create_contract(self, info: Info, input: ContractInput) -> Contract:
        principal = info.context.require(Action.CREATE, Resource.CONTRACT)
        supplier = await get_organization_row(info, str(input.supplier_id), "supplierId")
        rules.check_contract(
            buyer_kind=principal.organization_kind,
            supplier_kind=supplier.kind,
            start_date=input.start_date,
            end_date=input.end_date,
            value=input.value,
        )
        row = models.Contract(
            buyer_id=principal.organization_id,
            supplier_id=supplier.id,
            title=require_text("title", input.title),
            product_category=require_text("productCategory", input.product_category, 120),
            start_date=input.start_date,
            end_date=input.end_date,
            value=input.value,
        )
        info.context.session.add(row)
        await info.context.commit()
        return Contract.from_model(row)
