"""Mini-competition rules (`domain.mini_competitions`): weights, the environmental
floor, the clock-driven lifecycle, scoring and the award."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.enums import MiniCompetitionStatus as Status
from domain.errors import DomainError, InvalidInput
from domain.mini_competitions import (
    Criterion,
    ScoredBid,
    check_can_bid,
    check_closed,
    check_criteria,
    check_deadline,
    check_points,
    choose_winner,
    effective_status,
    price_score,
    total_score,
)
from domain.predicates import Column, Fact, NotAfter, holds

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PRICE = Criterion("Price", 0.4, price=True)
QUALITY = Criterion("Quality", 0.1)
CLIMATE = Criterion("Climate", 0.5, environmental=True)


@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        ((0.5, 0.5), True),
        ((0.3, 0.3, 0.4), True),
        ((0.1,) * 10, True),  # 0.1 ten times is not exactly 1.0 in floating point
        ((0.5, 0.4), False),
        ((0.6, 0.6), False),
        ((1.0, 0.0), False),
    ],
)
def test_weights_sum_to_one(weights: tuple[float, ...], ok: bool) -> None:
    criteria = [Criterion(f"c{index}", weight) for index, weight in enumerate(weights)]
    if ok:
        assert len(check_criteria(criteria, None)) == len(weights)
    else:
        with pytest.raises(InvalidInput) as refused:
            check_criteria(criteria, None)
        assert refused.value.field == "criteria"


@pytest.mark.parametrize(("floor", "ok"), [(None, True), (0.5, True), (0.51, False)])
def test_the_environmental_floor(floor: float | None, ok: bool) -> None:
    criteria = [PRICE, QUALITY, CLIMATE]
    if ok:
        check_criteria(criteria, floor)
    else:
        with pytest.raises(InvalidInput, match=r"environmental criteria weigh 0\.5"):
            check_criteria(criteria, floor)


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        [Criterion("a", 0.5), Criterion("A", 0.5)],
        [Criterion("a", 0.5, price=True), Criterion("b", 0.5, price=True)],
        [Criterion("", 1.0)],
        [Criterion("a", float("nan"))],
        [Criterion("a", 1.0, price=True, environmental=True)],
    ],
)
def test_malformed_criteria_are_refused(criteria: list[Criterion]) -> None:
    with pytest.raises(InvalidInput):
        check_criteria(criteria, None)


def test_deadlines_lie_ahead_and_carry_a_zone() -> None:
    check_deadline(NOW + dt.timedelta(seconds=1), NOW)
    for deadline in (NOW, NOW - dt.timedelta(days=1), dt.datetime(2030, 1, 1)):
        with pytest.raises(InvalidInput) as refused:
            check_deadline(deadline, NOW)
        assert refused.value.field == "deadline"


@pytest.mark.parametrize(
    ("stored", "deadline_offset", "effective"),
    [
        (Status.PUBLISHED, 1, Status.PUBLISHED),
        (Status.PUBLISHED, 0, Status.CLOSED),
        (Status.PUBLISHED, -1, Status.CLOSED),
        (Status.DRAFT, -1, Status.DRAFT),
        (Status.AWARDED, -1, Status.AWARDED),
        (Status.CANCELLED, 1, Status.CANCELLED),
    ],
)
def test_closed_follows_from_the_clock(
    stored: Status, deadline_offset: int, effective: Status
) -> None:
    deadline = NOW + dt.timedelta(seconds=deadline_offset)
    assert effective_status(stored, deadline, NOW) is effective
    # The bid rule's clock comparison agrees: the buyer sees bids exactly when closed.
    reached = holds(NotAfter(Column("deadline"), Fact("now")), {"deadline": deadline}, _Clock())
    assert reached == (deadline <= NOW)
    # SQLite hands back naive UTC; it means the same instant.
    naive = deadline.replace(tzinfo=None)
    assert effective_status(stored, naive, NOW) is effective


class _Clock:
    now = NOW


def test_late_bids_and_early_scoring_are_refused() -> None:
    check_can_bid(Status.PUBLISHED)
    for status in (Status.CLOSED, Status.DRAFT, Status.AWARDED):
        with pytest.raises(DomainError) as refused:
            check_can_bid(status)
        assert refused.value.code == "CONFLICT"
    with pytest.raises(DomainError, match="late bids are refused"):
        check_can_bid(Status.CLOSED)
    check_closed(Status.CLOSED, "scored")
    with pytest.raises(DomainError, match="sealed until the deadline"):
        check_closed(Status.PUBLISHED, "scored")


def test_price_by_the_lowest_price_ratio_and_points_by_tenths() -> None:
    assert price_score(100.0, 100.0) == 1.0
    assert price_score(200.0, 100.0) == 0.5
    criteria = [PRICE, QUALITY, CLIMATE]
    assert total_score(criteria, {"Quality": 10, "Climate": 8}, 100.0, 100.0) == pytest.approx(
        0.4 * 1 + 0.1 * 1 + 0.5 * 0.8
    )
    assert total_score(criteria, {"Quality": 10, "Climate": 8}, 125.0, 100.0) == pytest.approx(
        0.4 * 0.8 + 0.1 + 0.4
    )
    assert total_score(criteria, {"Quality": 10}, 100.0, 100.0) is None  # Climate unscored


def test_points_name_a_criterion_other_than_the_price() -> None:
    criteria = [PRICE, QUALITY, CLIMATE]
    assert check_points(criteria, {" quality ": 7}) == {"Quality": 7}
    for points in ({"Price": 5}, {"Speed": 5}, {"Quality": 11}, {"Quality": -1}):
        with pytest.raises(InvalidInput) as refused:
            check_points(criteria, points)
        assert refused.value.field == "scores"


def test_the_award_goes_to_the_best_total_and_says_why() -> None:
    early, late = NOW - dt.timedelta(hours=2), NOW - dt.timedelta(hours=1)
    bids = [ScoredBid("a", "Alfa AS", 0.8, late), ScoredBid("b", "Beta AB", 0.9, early)]
    reason = choose_winner(bids, "b")
    assert reason.startswith("best total score of 2 bid(s)")
    assert reason.index("Beta AB 0.900") < reason.index("Alfa AS 0.800")
    with pytest.raises(DomainError, match="Beta AB has the best total"):
        choose_winner(bids, "a")
    with pytest.raises(InvalidInput):
        choose_winner(bids, "nobody")
    tied = [ScoredBid("a", "Alfa AS", 0.9, late), ScoredBid("b", "Beta AB", 0.9, early)]
    assert "earlier bid wins" in choose_winner(tied, "b")
    with pytest.raises(DomainError, match="score every bid first"):
        choose_winner([ScoredBid("a", "Alfa AS", None, early)], "a")
    with pytest.raises(DomainError, match="no bids"):
        choose_winner([], "a")
