"""The call-off rules (`domain.call_offs`), table-driven: at 249, 250 and 251
hours against the default threshold of 250, with and without an exception,
and with declined suppliers."""

from __future__ import annotations

import pytest

from domain.call_offs import (
    CallOffException,
    ExceptionGround,
    Ranked,
    claim_exception,
    plan_call_off,
)
from domain.enums import CallOffRoute
from domain.errors import DomainError, InvalidInput

DIRECT, MINI = CallOffRoute.DIRECT, CallOffRoute.MINI_COMPETITION
RANKED = (Ranked(1, "s1"), Ranked(2, "s2"), Ranked(3, "s3"))
SECURITY = CallOffException(
    ExceptionGround.SECURITY, "unforeseen breach of the municipal network; security response"
)

# hours, exception, declined → route, supplier asked (or the refusal's code)
CASES = [
    (249, None, (), DIRECT, "s1"),
    (250, None, (), DIRECT, "s1"),
    (251, None, (), MINI, None),
    (249, None, ("s1",), DIRECT, "s2"),
    (250, None, ("s1", "s2"), DIRECT, "s3"),
    (250, None, ("s2",), DIRECT, "s1"),
    (250, None, ("s1", "s2", "s3"), MINI, None),
    (251, None, ("s1",), MINI, None),
    (249, SECURITY, (), "BAD_USER_INPUT", None),
    (250, SECURITY, (), "BAD_USER_INPUT", None),
    (251, SECURITY, (), DIRECT, "s1"),
    (251, SECURITY, ("s1",), DIRECT, "s2"),
    (251, SECURITY, ("s1", "s2", "s3"), MINI, None),
]


@pytest.mark.parametrize(("hours", "exception", "declined", "route", "supplier"), CASES)
def test_plan_call_off(
    hours: int,
    exception: CallOffException | None,
    declined: tuple[str, ...],
    route: CallOffRoute | str,
    supplier: str | None,
) -> None:
    def plan() -> tuple[CallOffRoute, str | None, str]:
        decided = plan_call_off(
            estimated_hours=hours,
            threshold_hours=250,
            ranked=RANKED,
            declined=frozenset(declined),
            exception=exception,
        )
        return decided.route, decided.supplier_id, decided.reason

    if isinstance(route, CallOffRoute):
        got_route, got_supplier, reason = plan()
        assert (got_route, got_supplier) == (route, supplier)
        assert str(hours) in reason and "250" in reason
        if exception is not None and route is DIRECT:
            assert "exception" in reason and "security" in reason
    else:
        with pytest.raises(DomainError) as refused:
            plan()
        assert refused.value.code == route
        assert refused.value.field == "exceptionJustification"


def test_the_threshold_is_the_agreements() -> None:
    decided = plan_call_off(estimated_hours=120, threshold_hours=100, ranked=RANKED)
    assert decided.route is MINI
    assert "threshold of 100" in decided.reason


def test_the_buyer_may_choose_a_mini_competition_within_the_threshold() -> None:
    decided = plan_call_off(
        estimated_hours=10, threshold_hours=250, ranked=RANKED, choose_mini_competition=True
    )
    assert (decided.route, decided.supplier_id) == (MINI, None)
    assert "chose" in decided.reason


def test_ranks_are_followed_not_list_order() -> None:
    shuffled = (Ranked(3, "s3"), Ranked(1, "s1"), Ranked(2, "s2"))
    decided = plan_call_off(
        estimated_hours=1, threshold_hours=250, ranked=shuffled, declined={"s1"}
    )
    assert decided.supplier_id == "s2"
    assert "not declined" in decided.reason


@pytest.mark.parametrize("hours", [0, -5])
def test_hours_must_be_positive(hours: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_call_off(estimated_hours=hours, threshold_hours=250, ranked=RANKED)
    assert refused.value.field == "estimatedHours"


def test_no_ranked_suppliers_is_a_conflict() -> None:
    with pytest.raises(DomainError) as refused:
        plan_call_off(estimated_hours=5, threshold_hours=250, ranked=())
    assert refused.value.code == "CONFLICT"


@pytest.mark.parametrize(
    ("justification", "ground", "expected"),
    [
        (None, None, None),
        ("   ", None, None),
        ("Uforutsett behov: kritisk sikkerhet i kommunens nett", None, ExceptionGround.SECURITY),
        ("Unforeseen outage of services critical to health care", None, "LIFE_OR_HEALTH"),
        ("An unforeseen need for extra capacity in the project", None, "BAD_USER_INPUT"),
        ("An unforeseen need for extra capacity in the project", "SECURITY", "SECURITY"),
        ("too short: security", None, "BAD_USER_INPUT"),
        (None, ExceptionGround.SECURITY, "BAD_USER_INPUT"),
    ],
)
def test_an_exception_names_its_ground(
    justification: str | None, ground: str | None, expected: str | None
) -> None:
    chosen = ExceptionGround(ground) if ground else None
    if expected == "BAD_USER_INPUT":
        with pytest.raises(InvalidInput) as refused:
            claim_exception(justification, chosen)
        assert refused.value.field == "exceptionJustification"
        return
    claimed = claim_exception(justification, chosen)
    if expected is None:
        assert claimed is None
    else:
        assert claimed is not None and claimed.ground == ExceptionGround(expected)
        assert claimed.justification == " ".join((justification or "").split())
