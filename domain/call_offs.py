"""Call-off rules under a framework agreement, as plain functions over plain values.

Up to the agreement's threshold (250 consultant hours by default) a call-off
goes directly to the highest-ranked supplier that has not declined it, unless
the buyer chooses a mini-competition. Above the threshold a mini-competition is
mandatory, unless the buyer claims the exception: an unforeseen need that
concerns security, or services critical to life or health, justified in
writing. The exception is recorded with the call-off and shown to the lead.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.enums import CallOffRoute
from domain.errors import Conflict, InvalidInput

MIN_JUSTIFICATION_LENGTH = 30
MAX_JUSTIFICATION_LENGTH = 4000


class ExceptionGround(StrEnum):
    """What an exception from the mandatory mini-competition may rest on."""

    SECURITY = "SECURITY"
    LIFE_OR_HEALTH = "LIFE_OR_HEALTH"


# Words that name a ground when the buyer does not pick one (nb, sv, en).
GROUND_WORDS: dict[ExceptionGround, tuple[str, ...]] = {
    ExceptionGround.SECURITY: ("security", "sikkerhet", "säkerhet", "beredskap", "beredskab"),
    ExceptionGround.LIFE_OR_HEALTH: ("life", "health", "liv", "helse", "hälsa", "sundhed"),
}


@dataclass(frozen=True)
class Ranked:
    rank: int  # 1 is asked first
    supplier_id: str


@dataclass(frozen=True)
class CallOffException:
    ground: ExceptionGround
    justification: str


@dataclass(frozen=True)
class CallOffPlan:
    route: CallOffRoute
    supplier_id: str | None  # DIRECT: who is asked
    reason: str
    exception: CallOffException | None = None


def check_hours(estimated_hours: int) -> None:
    if estimated_hours <= 0:
        raise InvalidInput("estimatedHours", "must be a positive number of consultant hours")


def claim_exception(
    justification: str | None, ground: ExceptionGround | None
) -> CallOffException | None:
    """The exception as claimed, or None when no justification is given. The
    ground is the one named, else read from the justification's words."""
    if justification is None or not justification.strip():
        if ground is not None:
            raise InvalidInput(
                "exceptionJustification",
                "an exception ground needs a written justification of the unforeseen need",
            )
        return None
    text = " ".join(justification.split())
    if len(text) < MIN_JUSTIFICATION_LENGTH:
        raise InvalidInput(
            "exceptionJustification",
            f"must describe the unforeseen need in at least {MIN_JUSTIFICATION_LENGTH} characters",
        )
    if len(text) > MAX_JUSTIFICATION_LENGTH:
        raise InvalidInput(
            "exceptionJustification", f"must be at most {MAX_JUSTIFICATION_LENGTH} characters"
        )
    found = ground or ground_named_in(text)
    if found is None:
        raise InvalidInput(
            "exceptionJustification",
            "an exception needs an unforeseen need that concerns security, or services "
            "critical to life or health: say which (or pass exceptionGround)",
        )
    return CallOffException(found, text)


def ground_named_in(text: str) -> ExceptionGround | None:
    words = set(re.findall(r"\w+", text.lower()))
    for ground, names in GROUND_WORDS.items():
        if any(name in words for name in names):
            return ground
    return None


def plan_call_off(
    *,
    estimated_hours: int,
    threshold_hours: int,
    ranked: Sequence[Ranked],
    declined: Collection[str] = (),
    exception: CallOffException | None = None,
    choose_mini_competition: bool = False,
) -> CallOffPlan:
    """The route, the supplier asked (DIRECT) and the reason, for one call-off."""
    check_hours(estimated_hours)
    above = estimated_hours > threshold_hours
    if exception is not None and not above:
        raise InvalidInput(
            "exceptionJustification",
            f"not needed: {estimated_hours} hours is within the agreement's threshold of "
            f"{threshold_hours} hours, so the call-off may go directly",
        )
    if exception is not None and choose_mini_competition:
        raise InvalidInput(
            "exceptionJustification", "an exception is claimed to avoid a mini-competition"
        )
    if choose_mini_competition:
        return CallOffPlan(
            CallOffRoute.MINI_COMPETITION,
            None,
            f"the buyer chose a mini-competition for {estimated_hours} hours",
        )
    if above and exception is None:
        return CallOffPlan(
            CallOffRoute.MINI_COMPETITION,
            None,
            f"{estimated_hours} hours exceeds the agreement's threshold of {threshold_hours} "
            "hours: a mini-competition is mandatory",
        )
    if not ranked:
        raise Conflict("this agreement has no ranked suppliers to call off from")
    asked = next_supplier(ranked, declined)
    if asked is None:
        return CallOffPlan(
            CallOffRoute.MINI_COMPETITION,
            None,
            f"every ranked supplier ({len(ranked)}) has declined the call-off of "
            f"{estimated_hours} hours (threshold {threshold_hours} hours): run a "
            "mini-competition",
        )
    skipped = sum(1 for entry in ranked if entry.rank < asked.rank)
    why = (
        f"rank {asked.rank}, the highest-ranked supplier that has not declined"
        if skipped
        else f"rank {asked.rank}, the highest-ranked supplier"
    )
    if exception is not None:
        ground = exception.ground.value.lower().replace("_", " ")
        reason = (
            f"{estimated_hours} hours exceeds the threshold of {threshold_hours} hours; "
            f"exception claimed for an unforeseen need concerning {ground}: direct to {why}"
        )
    else:
        reason = (
            f"{estimated_hours} hours is within the threshold of {threshold_hours} hours: "
            f"direct to {why}"
        )
    return CallOffPlan(CallOffRoute.DIRECT, asked.supplier_id, reason, exception)


def next_supplier(ranked: Sequence[Ranked], declined: Collection[str]) -> Ranked | None:
    for entry in sorted(ranked, key=lambda entry: entry.rank):
        if entry.supplier_id not in declined:
            return entry
    return None
