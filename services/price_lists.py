"""Suppliers' price lists on a framework agreement: RESTRICTED and exempt from
public access (`authz.records.PRICE_LIST`); the agreement's participants and the
supplier read them, every read of the prices is logged."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from authz.disclosure import Disclosed, disclose, row_values
from authz.policies import Action, Resource
from authz.records import PRICE_LIST
from authz.viewer import ViewerFacts
from domain import limits
from domain.enums import NetworkKind
from domain.errors import Conflict, InvalidInput, NotFound
from domain.text import require_text
from services.scope import Scope
from storage import models

MAX_PRICE_ITEMS = limits.MAX_PRICE_ITEMS
CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class PriceItem:
    item: str
    unit: str
    price: float


async def price_lists_of(
    scope: Scope, network_id: str, selected: frozenset[str]
) -> list[Disclosed]:
    """The price lists of one agreement the caller may read (none for outsiders)."""
    facts = await scope.facts()
    rows = await scope.loaders.frameworks.price_lists(facts).load(network_id)
    return disclose_price_lists(scope, facts, rows, selected)


async def set_price_list(
    scope: Scope,
    network_id: str,
    supplier_id: str,
    currency: str,
    items: Sequence[PriceItem],
    selected: frozenset[str],
) -> Disclosed:
    """The agreement's lead records a ranked supplier's prices (replacing any before)."""
    scope.require(Action.READ, Resource.NETWORK)
    network = await scope.loaders.network.load(network_id)
    if network is None:
        raise NotFound(f"no network with id {network_id}")
    scope.require(Action.ADD_SUPPLIER, Resource.NETWORK, network.lead_id)
    if network.kind is not NetworkKind.FRAMEWORK_AGREEMENT:
        raise Conflict("price lists belong to framework agreements")
    ranked = {row.supplier_id for row in await scope.loaders.network_suppliers.load(network.id)}
    if supplier_id not in ranked:
        raise InvalidInput("supplierId", "rank the supplier on this agreement first")
    if not CURRENCY.fullmatch(currency):
        raise InvalidInput("currency", "an ISO 4217 code in capitals, e.g. NOK or SEK")
    if not items or len(items) > MAX_PRICE_ITEMS:
        raise InvalidInput("items", f"give between 1 and {MAX_PRICE_ITEMS} priced items")
    cleaned = []
    for entry in items:
        if not math.isfinite(entry.price) or entry.price < 0:
            raise InvalidInput("items", f"the price of {entry.item!r} must be 0 or more")
        cleaned.append(
            {
                "item": require_text("items.item", entry.item),
                "unit": require_text("items.unit", entry.unit, 40),
                "price": entry.price,
            }
        )
    row = await scope.session.scalar(
        select(models.PriceList).where(
            models.PriceList.network_id == network.id,
            models.PriceList.supplier_id == supplier_id,
        )
    )
    if row is None:
        row = models.PriceList(network_id=network.id, supplier_id=supplier_id)
        scope.session.add(row)
    row.currency, row.items = currency, cleaned
    row.updated_at = models.utcnow()
    await scope.commit()
    disclosed = disclose_price_lists(scope, await scope.facts(), [row], selected)
    if not disclosed:  # the lead is a participant: unreachable unless the policy changes
        raise LookupError(f"price list {row.id} is not visible to the agreement's lead")
    return disclosed[0]


def disclose_price_lists(
    scope: Scope, facts: ViewerFacts, rows: Sequence[models.PriceList], selected: frozenset[str]
) -> list[Disclosed]:
    disclosed: list[Disclosed] = []
    for row in rows:
        cleared = PRICE_LIST.clearance(row, facts)
        if cleared is None:
            continue
        disclosed.append(disclose(row_values(row), PRICE_LIST, cleared))
    scope.reads.record_disclosed(disclosed, selected)
    return disclosed
