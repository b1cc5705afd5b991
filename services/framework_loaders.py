"""Per-request loaders for framework agreements: a competition's visible bids and a
network's visible price lists, one statement per nesting level. They filter rows
by the viewer's facts, so they are made on first use (`Loaders.frameworks`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from authz.disclosure import row_filter, row_values
from authz.records import BID, PRICE_LIST
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from storage import models

Values = dict[str, Any]

PRICE_LIST_COLUMNS = model_columns(models.PriceList)


def bid_column(name: str) -> Any:
    """BID's rules read the bid's columns and its competition's buyer and deadline."""
    if name in ("buyer_id", "deadline"):
        return getattr(models.MiniCompetition, name)
    return getattr(models.Bid, name)


def bid_statement(facts: ViewerFacts) -> Any:
    """Bids with their competition's buyer and deadline, as the viewer may see them."""
    return (
        select(models.Bid, models.MiniCompetition.buyer_id, models.MiniCompetition.deadline)
        .join(models.MiniCompetition, models.MiniCompetition.id == models.Bid.mini_competition_id)
        .where(row_filter(BID, facts, bid_column))
    )


def bid_values(bid: models.Bid, buyer_id: str, deadline: Any) -> Values:
    return {**row_values(bid), "buyer_id": buyer_id, "deadline": deadline}


class FrameworkLoaders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._bids: DataLoader[str, list[Values]] | None = None
        self._price_lists: DataLoader[str, list[models.PriceList]] | None = None

    def bids(self, facts: ViewerFacts) -> DataLoader[str, list[Values]]:
        """Visible bids by competition id, oldest first."""
        if self._bids is None:
            self._bids = DataLoader(load_fn=self._load_bids(facts))
        return self._bids

    def price_lists(self, facts: ViewerFacts) -> DataLoader[str, list[models.PriceList]]:
        """Visible price lists by network id."""
        if self._price_lists is None:
            self._price_lists = DataLoader(load_fn=self._load_price_lists(facts))
        return self._price_lists

    def _load_bids(
        self, facts: ViewerFacts
    ) -> Callable[[list[str]], Awaitable[list[list[Values]]]]:
        async def load(keys: list[str]) -> list[list[Values]]:
            stmt = bid_statement(facts).where(models.Bid.mini_competition_id.in_(keys))
            groups: dict[str, list[Values]] = defaultdict(list)
            for bid, buyer_id, deadline in await self._session.execute(
                stmt.order_by(models.Bid.submitted_at, models.Bid.id)
            ):
                groups[bid.mini_competition_id].append(bid_values(bid, buyer_id, deadline))
            return [groups.get(key, []) for key in keys]

        return load

    def _load_price_lists(
        self, facts: ViewerFacts
    ) -> Callable[[list[str]], Awaitable[list[list[models.PriceList]]]]:
        async def load(keys: list[str]) -> list[list[models.PriceList]]:
            stmt = (
                select(models.PriceList)
                .where(
                    models.PriceList.network_id.in_(keys),
                    row_filter(PRICE_LIST, facts, PRICE_LIST_COLUMNS),
                )
                .order_by(models.PriceList.id)
            )
            groups: dict[str, list[models.PriceList]] = defaultdict(list)
            for row in (await self._session.execute(stmt)).scalars():
                groups[row.network_id].append(row)
            return [groups.get(key, []) for key in keys]

        return load
