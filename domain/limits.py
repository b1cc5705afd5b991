"""The most items each list the API returns whole may hold, enforced when data is
written. The query-cost analysis (schema/cost.py) counts these lists at these
sizes, so they are true maximums, not estimates."""

from __future__ import annotations

from domain.errors import Conflict, InvalidInput

MAX_FINDINGS_PER_REPORT = 50
MAX_FACILITIES_PER_REPORT = 20
MAX_RENDITIONS_PER_REPORT = 4  # JSON and PDF at the SHARED and PUBLIC levels
MAX_DOCUMENTS_PER_REPORT = 20  # originals and renditions
MAX_ORIGINALS_PER_REPORT = MAX_DOCUMENTS_PER_REPORT - MAX_RENDITIONS_PER_REPORT
MAX_NETWORK_PARTICIPANTS = 500  # members and invited bodies together
MAX_RANKED_SUPPLIERS = 20  # ranks 1..20 of a framework agreement
MAX_SITES_PER_SELF_REPORT = 50  # production sites one self-report version lists
MAX_SUB_SUPPLIERS_PER_SELF_REPORT = 200
MAX_SELF_REPORT_CHANGES = 100  # versions one selfReportChanges answer holds
MAX_AWARD_CRITERIA = 10  # per mini-competition
MAX_PRICE_ITEMS = 200  # per supplier's price list
MAX_CORRECTIVE_ACTION_STEPS = 100  # history entries of one corrective action


def check_room(what: str, holder: str, count: int, maximum: int) -> None:
    """CONFLICT when `holder` already holds `maximum` of `what`."""
    if count >= maximum:
        raise Conflict(f"a {holder} holds at most {maximum} {what}; it has {count}")


def check_at_most(field: str, what: str, count: int, maximum: int) -> None:
    if count > maximum:
        raise InvalidInput(field, f"at most {maximum} {what}, got {count}")


# The supply-chain graph: what one answer may hold (a larger one is refused,
# asking for a smaller maxDepth), and the audit-priority list's length.
MAX_CHAIN_NODES = 2000
MAX_CHAIN_EDGES = 5000
MAX_EXPOSURE_ORGANIZATIONS = 2000
MAX_AUDIT_PRIORITIES = 200
MAX_TIER_VIOLATIONS = 2000
