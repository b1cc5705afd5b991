"""National coordination as rules over plain values: focus areas on DFØ's
high-risk product categories, who may follow one up, how its results are shared,
the Difi/DFØ follow-up steps and when a corrective action is overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType

from domain.enums import CorrectiveActionStatus, NetworkKind, OrganizationKind, ShareScope
from domain.errors import Conflict, Forbidden, InvalidInput

# DFØ's list of product categories with a high risk of breaches of human rights
# and labour rights in the supply chain, as slugs with their names (nb, sv, en).
HIGH_RISK_CATEGORIES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "medical-gloves": ("Medisinske hansker", "Medicinska handskar", "Medical gloves"),
        "surgical-instruments": (
            "Kirurgiske instrumenter",
            "Kirurgiska instrument",
            "Surgical instruments",
        ),
        "surgical-items": ("Operasjonsutstyr", "Operationsmaterial", "Surgical items"),
        "dressings": ("Forbruksmateriell og bandasjer", "Förband", "Dressings"),
        "medtech": ("Medisinsk utstyr", "Medicinteknik", "Medical technology"),
        "pharmaceuticals": ("Legemidler", "Läkemedel", "Pharmaceuticals"),
        "textiles": ("Tekstiler", "Textilier", "Textiles"),
        "workwear": ("Arbeidstøy og uniformer", "Arbetskläder", "Workwear and uniforms"),
        "footwear": ("Fottøy", "Skor", "Footwear"),
        "ict-hardware": ("IKT-utstyr", "IT-utrustning", "ICT hardware"),
        "food": ("Mat og drikke", "Livsmedel", "Food and beverages"),
        "coffee-tea-cocoa": ("Kaffe, te og kakao", "Kaffe, te och kakao", "Coffee, tea, cocoa"),
        "furniture": ("Møbler", "Möbler", "Furniture"),
        "toys-sports": ("Leker og sportsutstyr", "Leksaker och sportutrustning", "Toys, sports"),
        "construction-materials": ("Byggevarer", "Byggmaterial", "Construction materials"),
        "solar-panels": ("Solcellepaneler", "Solpaneler", "Solar panels"),
    }
)

MAX_PLANNED_AUDITS = 1_000


def is_high_risk(product_category: str) -> bool:
    return product_category in HIGH_RISK_CATEGORIES


def check_focus_area(
    *,
    network_kind: NetworkKind,
    product_category: str,
    period_start: dt.date,
    period_end: dt.date,
    planned_audits: int,
) -> None:
    """A focus area belongs to a national network, covers one high-risk product
    category and a period, and plans a number of audits."""
    if network_kind is not NetworkKind.NATIONAL_NETWORK:
        raise Conflict(
            f"focus areas belong to a NATIONAL_NETWORK; this network is a {network_kind.value}"
        )
    if not is_high_risk(product_category):
        names = ", ".join(sorted(HIGH_RISK_CATEGORIES))
        raise InvalidInput("productCategory", f"must be one of DFØ's high-risk categories: {names}")
    if period_end < period_start:
        raise InvalidInput("periodEnd", "must not be before periodStart")
    if not 0 <= planned_audits <= MAX_PLANNED_AUDITS:
        raise InvalidInput("plannedAudits", f"must be between 0 and {MAX_PLANNED_AUDITS}")


def check_responsible_body(kind: OrganizationKind, is_member: bool) -> None:
    """The responsible body is a public body among the network's members."""
    if kind is not OrganizationKind.PUBLIC_BODY:
        raise InvalidInput("responsibleBodyId", "must be a public body, not a " + kind.value)
    if not is_member:
        raise InvalidInput(
            "responsibleBodyId",
            "must be a member of the focus area's network; add it with addNetworkMember first",
        )


def check_can_commission(commissioner_id: str, responsible_body_id: str | None) -> None:
    """Audits under a focus area are commissioned by its responsible body."""
    if responsible_body_id is None:
        raise Conflict("this focus area has no responsible body yet; its coordinator assigns one")
    if commissioner_id != responsible_body_id:
        raise Forbidden(
            "only the focus area's responsible body commissions audits under it; "
            "leave focusAreaId out or ask the coordinator to assign your organisation"
        )


def focus_share(
    share_scope: ShareScope, network_id: str | None, focus_network_id: str
) -> str | None:
    """The network a focus-area report is shared with: every member of the focus
    area's network reads it (SHARED), so the scope is that NETWORK (its id may be
    left out) or wider (ALL_PUBLIC_BODIES, PUBLIC: every member is public sector).
    Anything narrower is refused, naming the scope required."""
    if share_scope is ShareScope.NETWORK and network_id in (None, focus_network_id):
        return focus_network_id
    if share_scope in (ShareScope.ALL_PUBLIC_BODIES, ShareScope.PUBLIC):
        return network_id
    raise InvalidInput(
        "shareScope",
        "a report under a focus area is shared with every member of the focus area's "
        f"network: publish it with shareScope NETWORK and networkId {focus_network_id}, "
        "or wider (ALL_PUBLIC_BODIES or PUBLIC)",
    )


# --- the Difi/DFØ follow-up steps ------------------------------------------------------


class FollowUpStep(StrEnum):
    """Anchor (forankre), plan, execute, follow up, report: in this order."""

    ANCHOR = "ANCHOR"
    PLAN = "PLAN"
    EXECUTE = "EXECUTE"
    FOLLOW_UP = "FOLLOW_UP"
    REPORT = "REPORT"

    @property
    def order(self) -> int:
        return list(FollowUpStep).index(self)


def check_plan(steps: Mapping[FollowUpStep, dt.date]) -> None:
    """A plan names each step once with a due date; later steps are not due earlier."""
    if not steps:
        raise InvalidInput("steps", "name at least one step with its due date")
    ordered = sorted(steps.items(), key=lambda item: item[0].order)
    for (earlier, earlier_due), (later, later_due) in pairwise(ordered):
        if later_due < earlier_due:
            raise InvalidInput(
                "steps",
                f"{later.value} is due {later_due.isoformat()}, before {earlier.value} "
                f"({earlier_due.isoformat()}); the steps follow each other",
            )


def current_step(completed: Mapping[FollowUpStep, bool]) -> FollowUpStep | None:
    """The first planned step not yet done (None when every planned step is done)."""
    for step in FollowUpStep:
        if step in completed and not completed[step]:
            return step
    return None


def step_overdue(due_date: dt.date, completed_at: dt.datetime | None, today: dt.date) -> bool:
    return completed_at is None and due_date < today


# --- corrective actions ------------------------------------------------------------------

# Not yet verified by the commissioning body (DONE: the supplier says it is done).
OPEN_ACTION = frozenset(
    {
        CorrectiveActionStatus.OPEN,
        CorrectiveActionStatus.IN_PROGRESS,
        CorrectiveActionStatus.DONE,
        CorrectiveActionStatus.OVERDUE,
    }
)
# Still waiting on the supplier: past the due date these are overdue.
AWAITING_SUPPLIER = frozenset(
    {
        CorrectiveActionStatus.OPEN,
        CorrectiveActionStatus.IN_PROGRESS,
        CorrectiveActionStatus.OVERDUE,
    }
)


def action_overdue(
    status: CorrectiveActionStatus, due_date: dt.date | None, today: dt.date
) -> bool:
    """Still waiting on the supplier and past its due date (or stored as OVERDUE
    by older data)."""
    if status is CorrectiveActionStatus.OVERDUE:
        return True
    return status in AWAITING_SUPPLIER and due_date is not None and due_date < today
