"""Mini-competition rules: criteria and weights, the lifecycle, scoring and award.

The lifecycle is DRAFT → PUBLISHED → CLOSED → AWARDED or CANCELLED. CLOSED is
never stored: a PUBLISHED competition is closed once the clock reaches its
deadline (`effective_status`), so nothing has to run to seal the bids.

Scoring: the price criterion by the lowest-price ratio (lowest price / this
bid's price), every other criterion by the buyer's points (0-10, divided by 10);
a bid's total is the weighted sum, and the award goes to the best total.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain import limits
from domain.enums import MiniCompetitionStatus
from domain.errors import Conflict, InvalidInput

WEIGHT_TOLERANCE = 1e-6
MAX_CRITERIA = limits.MAX_AWARD_CRITERIA
MAX_POINTS = 10.0
CRITERION_NAME_LIMIT = 120

Status = MiniCompetitionStatus


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float
    environmental: bool = False
    price: bool = False  # scored by the lowest-price ratio, not by points

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "environmental": self.environmental,
            "price": self.price,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Criterion:
        return cls(
            name=str(value["name"]),
            weight=float(value["weight"]),
            environmental=bool(value.get("environmental", False)),
            price=bool(value.get("price", False)),
        )


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC time (SQLite hands back naive UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def check_criteria(
    criteria: Sequence[Criterion], min_environmental_weight: float | None
) -> list[Criterion]:
    """Weights sum to 1; names are unique; at most one price criterion; the
    environmental criteria weigh at least the agreement's floor."""
    if not criteria:
        raise InvalidInput("criteria", "give at least one award criterion")
    if len(criteria) > MAX_CRITERIA:
        raise InvalidInput("criteria", f"at most {MAX_CRITERIA} criteria, got {len(criteria)}")
    cleaned: list[Criterion] = []
    seen: set[str] = set()
    for criterion in criteria:
        name = " ".join(criterion.name.split())
        if not name:
            raise InvalidInput("criteria", "every criterion needs a name")
        if len(name) > CRITERION_NAME_LIMIT:
            raise InvalidInput("criteria", f"names are at most {CRITERION_NAME_LIMIT} characters")
        if name.casefold() in seen:
            raise InvalidInput("criteria", f"the criterion {name!r} is named twice")
        seen.add(name.casefold())
        if not math.isfinite(criterion.weight) or not 0 < criterion.weight <= 1:
            raise InvalidInput("criteria", f"the weight of {name!r} must be above 0 and at most 1")
        if criterion.price and criterion.environmental:
            raise InvalidInput("criteria", f"{name!r} cannot be both price and environmental")
        cleaned.append(Criterion(name, criterion.weight, criterion.environmental, criterion.price))
    if sum(1 for criterion in cleaned if criterion.price) > 1:
        raise InvalidInput("criteria", "at most one criterion is the price")
    total = math.fsum(criterion.weight for criterion in cleaned)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise InvalidInput("criteria", f"the weights sum to {total:g}; they must sum to 1")
    environmental = math.fsum(c.weight for c in cleaned if c.environmental)
    if (
        min_environmental_weight is not None
        and environmental + WEIGHT_TOLERANCE < min_environmental_weight
    ):
        raise InvalidInput(
            "criteria",
            f"environmental criteria weigh {environmental:g}; this agreement requires at "
            f"least {min_environmental_weight:g}",
        )
    return cleaned


def check_deadline(deadline: dt.datetime, now: dt.datetime) -> None:
    if deadline.tzinfo is None:
        raise InvalidInput("deadline", "give a time zone, e.g. 2027-03-01T12:00:00Z")
    if as_utc(deadline) <= as_utc(now):
        raise InvalidInput("deadline", "is in the past; pick a time after now")


def effective_status(stored: Status, deadline: dt.datetime, now: dt.datetime) -> Status:
    """CLOSED follows from the clock: a PUBLISHED competition past its deadline."""
    if stored is Status.PUBLISHED and as_utc(deadline) <= as_utc(now):
        return Status.CLOSED
    return stored


def check_can_publish(status: Status) -> None:
    if status is not Status.DRAFT:
        raise Conflict(f"only a DRAFT mini-competition can be published; this one is {status}")


def check_can_bid(status: Status) -> None:
    if status is Status.CLOSED:
        raise Conflict("the deadline has passed: late bids are refused")
    if status is not Status.PUBLISHED:
        raise Conflict(f"bids are taken while the competition is PUBLISHED; it is {status}")


def check_bid(price: float) -> None:
    if not math.isfinite(price) or price <= 0:
        raise InvalidInput("price", "must be a positive amount")


def check_closed(status: Status, what: str) -> None:
    if status is Status.PUBLISHED:
        raise Conflict(f"bids are sealed until the deadline; {what} after it")
    if status is not Status.CLOSED:
        raise Conflict(f"{what} only while the competition is CLOSED; it is {status}")


def check_can_cancel(status: Status) -> None:
    if status in (Status.AWARDED, Status.CANCELLED):
        raise Conflict(f"the competition is already {status}")


def check_points(criteria: Sequence[Criterion], points: Mapping[str, float]) -> dict[str, float]:
    """Points for the criteria that are not the price, 0 to 10, by criterion name."""
    by_name = {criterion.name.casefold(): criterion for criterion in criteria}
    scored: dict[str, float] = {}
    for name, value in points.items():
        criterion = by_name.get(" ".join(name.split()).casefold())
        if criterion is None:
            known = ", ".join(repr(c.name) for c in criteria if not c.price)
            raise InvalidInput("scores", f"no criterion {name!r}; score one of {known}")
        if criterion.price:
            raise InvalidInput(
                "scores", f"{criterion.name!r} is scored from the prices, not by points"
            )
        if not math.isfinite(value) or not 0 <= value <= MAX_POINTS:
            raise InvalidInput("scores", f"points are between 0 and {MAX_POINTS:g}")
        scored[criterion.name] = value
    return scored


def price_score(price: float, lowest: float) -> float:
    """The lowest-price ratio: the lowest bid scores 1, twice its price scores 0.5."""
    return lowest / price


def total_score(
    criteria: Sequence[Criterion], points: Mapping[str, float], price: float, lowest: float
) -> float | None:
    """The weighted total, or None while a criterion has no points yet."""
    total = 0.0
    for criterion in criteria:
        if criterion.price:
            total += criterion.weight * price_score(price, lowest)
        elif criterion.name in points:
            total += criterion.weight * points[criterion.name] / MAX_POINTS
        else:
            return None
    return round(total, 6)


@dataclass(frozen=True)
class ScoredBid:
    supplier_id: str
    supplier_name: str
    total: float | None
    submitted_at: dt.datetime


def choose_winner(bids: Sequence[ScoredBid], supplier_id: str) -> str:
    """The award goes to the best total; returns why, or refuses another choice."""
    if not bids:
        raise Conflict("no bids arrived: cancel the competition instead")
    unscored = [bid.supplier_name for bid in bids if bid.total is None]
    if unscored:
        raise Conflict(f"score every bid first; not yet scored: {', '.join(sorted(unscored))}")
    ranked = sorted(bids, key=lambda bid: (-(bid.total or 0.0), as_utc(bid.submitted_at)))
    best = ranked[0]
    if supplier_id != best.supplier_id:
        if all(bid.supplier_id != supplier_id for bid in bids):
            raise InvalidInput("supplierId", "this supplier did not bid")
        raise Conflict(f"{best.supplier_name} has the best total ({best.total:.3f}); award to it")
    standings = ", ".join(f"{bid.supplier_name} {bid.total:.3f}" for bid in ranked)
    tie = (
        " (tied; the earlier bid wins)" if len(ranked) > 1 and ranked[1].total == best.total else ""
    )
    return f"best total score of {len(ranked)} bid(s){tie}: {standings}"
