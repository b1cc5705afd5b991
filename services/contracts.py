"""Contracts: a public body buys from a supplier. Seen by its two parties only;
its price is RESTRICTED (`authz.records.CONTRACT`), and every read of the price
is logged from what was disclosed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from authz.disclosure import Disclosed, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.records import CONTRACT
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain import networks as rules
from domain.text import require_text
from services.organizations import get_organization
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import models

CONTRACT_COLUMNS = model_columns(models.Contract)


@dataclass(frozen=True)
class NewContract:
    """What `create_contract` is given; the caller's organisation is the buyer."""

    supplier_id: str
    title: str
    product_category: str
    start_date: dt.date
    end_date: dt.date | None = None
    value: float | None = None


async def list_contracts(
    scope: Scope,
    *,
    supplier_id: str | None,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    """Contracts the caller's organisation is a party to, oldest first. `selected`
    names the fields the caller asked for: reading the price is logged."""
    scope.require(Action.READ, Resource.CONTRACT)
    facts = await scope.facts()
    stmt = select(models.Contract).where(row_filter(CONTRACT, facts, CONTRACT_COLUMNS))
    if supplier_id is not None:  # narrows the visible rows, never widens them
        stmt = stmt.where(models.Contract.supplier_id == supplier_id)

    async def to_items(rows: list[models.Contract]) -> list[Disclosed]:
        return disclose_contracts(scope, facts, rows, selected)

    return await fetch_page(
        scope,
        stmt,
        models.Contract.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=lambda contract: str(contract["id"]),
    )


async def contracts_by_reference(
    scope: Scope, contract_ids: Sequence[str], selected: frozenset[str]
) -> list[Disclosed]:
    """The visible ones among `contract_ids` (federation's `_entities`, one
    statement for all of them): the same check, row filter, disclosure and read
    log as the list."""
    scope.require(Action.READ, Resource.CONTRACT)
    facts = await scope.facts()
    rows = await scope.session.scalars(
        select(models.Contract).where(
            models.Contract.id.in_(contract_ids), row_filter(CONTRACT, facts, CONTRACT_COLUMNS)
        )
    )
    return disclose_contracts(scope, facts, list(rows), selected)


async def create_contract(scope: Scope, new: NewContract, selected: frozenset[str]) -> Disclosed:
    """A public body records a contract with a supplier; it reads back what its
    clearance as a party allows (a price read is logged like any other)."""
    principal = scope.require(Action.CREATE, Resource.CONTRACT)
    supplier = await get_organization(scope, new.supplier_id, "supplierId")
    rules.check_contract(
        buyer_kind=principal.organization_kind,
        supplier_kind=supplier.kind,
        start_date=new.start_date,
        end_date=new.end_date,
        value=new.value,
    )
    row = models.Contract(
        buyer_id=principal.organization_id,
        supplier_id=supplier.id,
        title=require_text("title", new.title),
        product_category=require_text("productCategory", new.product_category, 120),
        start_date=new.start_date,
        end_date=new.end_date,
        value=new.value,
    )
    scope.session.add(row)
    await scope.commit()
    disclosed = disclose_contracts(scope, await scope.facts(), [row], selected)
    if not disclosed:  # the buyer is a party: unreachable unless the policy changes
        raise LookupError(f"contract {row.id} is not visible to its buyer")
    return disclosed[0]


def disclose_contracts(
    scope: Scope,
    facts: ViewerFacts,
    rows: Sequence[models.Contract],
    selected: frozenset[str],
) -> list[Disclosed]:
    """What the viewer may read of each row, with its clearance from CONTRACT;
    the selected RESTRICTED fields it received go on the read log."""
    disclosed: list[Disclosed] = []
    for row in rows:
        cleared = CONTRACT.clearance(row, facts)
        if cleared is None:  # the SQL filter already excludes these; never trust one layer
            continue
        disclosed.append(disclose(row_values(row), CONTRACT, cleared))
    scope.reads.record_disclosed(disclosed, selected)
    return disclosed
