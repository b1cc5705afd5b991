"""Rules for networks and contracts, as plain functions over plain values."""

from __future__ import annotations

import datetime as dt

from domain.enums import NetworkKind, OrganizationKind
from domain.errors import Conflict, Forbidden, InvalidInput
from domain.limits import MAX_RANKED_SUPPLIERS
from domain.predicates import Column, Equals, Predicate, Present, any_of, holds

DEFAULT_CALL_OFF_THRESHOLD_HOURS = 250


def check_network_terms(
    *,
    call_off_threshold_hours: int | None,
    max_subcontractor_tiers: int | None,
    min_environmental_weight: float | None,
) -> None:
    if call_off_threshold_hours is not None and call_off_threshold_hours <= 0:
        raise InvalidInput("callOffThresholdHours", "must be a positive number of hours")
    if max_subcontractor_tiers is not None and max_subcontractor_tiers < 1:
        raise InvalidInput("maxSubcontractorTiers", "must be at least 1")
    if min_environmental_weight is not None and not 0 <= min_environmental_weight <= 1:
        raise InvalidInput(
            "minEnvironmentalWeight", "must be a fraction between 0 and 1, e.g. 0.5 for 50 %"
        )


def option_years(options: str | None) -> list[int]:
    """Option periods as years, e.g. "1+1+1" → [1, 1, 1]; none for None."""
    if options is None or not options.strip():
        return []
    parts = options.replace(" ", "").split("+")
    if not all(part.isdigit() and 1 <= int(part) <= 10 for part in parts) or len(parts) > 10:
        raise InvalidInput(
            "options", "option periods in whole years joined by '+', e.g. 1+1+1 (1 to 10 each)"
        )
    return [int(part) for part in parts]


def check_period(start: dt.date | None, end: dt.date | None, options: str | None) -> str | None:
    """A framework agreement's base period and its options; returns the options
    in canonical form ("1+1+1")."""
    if (start is None) != (end is None):
        raise InvalidInput("periodEnd", "give both periodStart and periodEnd, or neither")
    if start is not None and end is not None and end <= start:
        raise InvalidInput("periodEnd", "must be after periodStart")
    years = option_years(options)
    if years and end is None:
        raise InvalidInput(
            "options", "options extend a base period: give periodStart and periodEnd"
        )
    return "+".join(map(str, years)) or None


def latest_end(end: dt.date | None, options: str | None) -> dt.date | None:
    """The last day the agreement can run to if every option is used."""
    if end is None:
        return None
    years = sum(option_years(options))
    try:
        return end.replace(year=end.year + years)
    except ValueError:  # 29 February into a common year
        return end.replace(year=end.year + years, day=28)


def check_can_lead(kind: NetworkKind, lead_kind: OrganizationKind) -> None:
    """Framework agreements are led by a public body; national networks by a
    coordinator (or a public body acting as one)."""
    allowed = {
        NetworkKind.FRAMEWORK_AGREEMENT: {OrganizationKind.PUBLIC_BODY},
        NetworkKind.NATIONAL_NETWORK: {OrganizationKind.COORDINATOR, OrganizationKind.PUBLIC_BODY},
    }[kind]
    if lead_kind not in allowed:
        names = " or ".join(sorted(k.value for k in allowed))
        raise Forbidden(f"a {kind.value} must be led by a {names}, not a {lead_kind.value}")


# The one definition of network membership, over a participant row joined with its
# network (`kind` of the network, `signed_at` of the participant): a national
# network's members are added by its coordinator; a body listed on a framework
# agreement is a member once it has signed its accession declaration. NETWORK
# sharing is compiled from it (authz.viewer), so membership is never self-service.
MEMBERSHIP: Predicate = any_of(
    Equals(Column("kind"), NetworkKind.NATIONAL_NETWORK), Present(Column("signed_at"))
)


def is_member(kind: NetworkKind, signed_at: dt.datetime | None) -> bool:
    return holds(MEMBERSHIP, {"kind": kind, "signed_at": signed_at})


def check_can_add_member(member_kind: OrganizationKind) -> None:
    """The coordinator adds a member; a framework agreement's lead lists a body
    entitled to accede (it becomes a member when it signs with joinNetwork)."""
    if member_kind not in (OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR):
        raise InvalidInput("organizationId", "network members must be public bodies")


def check_can_join(
    kind: NetworkKind,
    joiner_kind: OrganizationKind,
    listed: bool,
    join_deadline: dt.date | None,
    today: dt.date,
) -> None:
    """A public body listed on a framework agreement accedes by a signed declaration."""
    if kind is not NetworkKind.FRAMEWORK_AGREEMENT:
        raise Conflict("national networks are joined through their coordinator (addNetworkMember)")
    if joiner_kind is not OrganizationKind.PUBLIC_BODY:
        raise Forbidden("only public bodies can accede to a framework agreement")
    if not listed:
        raise Forbidden(
            "this agreement's lead has not listed your organisation; "
            "ask it to add you with addNetworkMember"
        )
    if join_deadline is not None and today > join_deadline:
        raise Conflict(f"the accession deadline {join_deadline.isoformat()} has passed")


def check_supplier_rank(
    kind: NetworkKind,
    supplier_kind: OrganizationKind,
    rank: int,
    rank_holder_id: str | None,
    supplier_id: str,
) -> None:
    """Parallel suppliers are ranked 1, 2, ...; one supplier per rank."""
    if kind is not NetworkKind.FRAMEWORK_AGREEMENT:
        raise Conflict("only framework agreements rank suppliers")
    if supplier_kind is not OrganizationKind.SUPPLIER:
        raise InvalidInput("supplierId", "must be an organisation of kind SUPPLIER")
    if not 1 <= rank <= MAX_RANKED_SUPPLIERS:
        raise InvalidInput(
            "rank", f"must be between 1 and {MAX_RANKED_SUPPLIERS}; 1 is called off first"
        )
    if rank_holder_id is not None and rank_holder_id != supplier_id:
        raise Conflict(f"rank {rank} is already held by another supplier; pick a free rank")


def check_contract(
    *,
    buyer_kind: OrganizationKind,
    supplier_kind: OrganizationKind,
    start_date: dt.date,
    end_date: dt.date | None,
    value: float | None,
) -> None:
    if buyer_kind is not OrganizationKind.PUBLIC_BODY:
        raise Forbidden("only public bodies record contracts with suppliers")
    if supplier_kind is not OrganizationKind.SUPPLIER:
        raise InvalidInput("supplierId", "must be an organisation of kind SUPPLIER")
    if end_date is not None and end_date < start_date:
        raise InvalidInput("endDate", "must not be before startDate")
    if value is not None and value < 0:
        raise InvalidInput("value", "must not be negative")
