"""Audit reports: the lifecycle, as rules over plain values.

Who may see what of a report is the disclosure kernel's (authz/records.py).
"""

from __future__ import annotations

from domain.enums import AuditReportStatus, ShareScope
from domain.errors import Conflict, InvalidInput
from domain.limits import MAX_ORIGINALS_PER_REPORT, check_room

# Lifecycle ------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[frozenset[AuditReportStatus], AuditReportStatus]] = {
    "submit": (frozenset({AuditReportStatus.DRAFT}), AuditReportStatus.SUBMITTED),
    "publish": (frozenset({AuditReportStatus.SUBMITTED}), AuditReportStatus.PUBLISHED),
    "reshare": (frozenset({AuditReportStatus.PUBLISHED}), AuditReportStatus.PUBLISHED),
    "supersede": (frozenset({AuditReportStatus.PUBLISHED}), AuditReportStatus.SUPERSEDED),
    "withdraw": (
        frozenset({AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED}),
        AuditReportStatus.WITHDRAWN,
    ),
}

EDITABLE = frozenset({AuditReportStatus.DRAFT})
ATTACHABLE = frozenset({AuditReportStatus.DRAFT, AuditReportStatus.SUBMITTED})
"""Reports that take new documents."""
READABLE_BY_OTHERS = frozenset({AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED})


def transition(current: AuditReportStatus, action: str) -> AuditReportStatus:
    """The status after `action`, or CONFLICT naming what the report must be in."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        needed = " or ".join(sorted(status.value for status in allowed))
        raise Conflict(f"cannot {action} a {current.value} report; it must be {needed}")
    return target


def require_editable(current: AuditReportStatus) -> None:
    if current not in EDITABLE:
        raise Conflict(
            f"a {current.value} report can no longer be changed; "
            "create a new report that supersedes it"
        )


def require_attachable(current: AuditReportStatus, originals: int) -> None:
    """CONFLICT unless a report in `current` holding `originals` uploaded documents
    takes one more."""
    if current not in ATTACHABLE:
        raise Conflict(f"documents cannot be added to a {current.value} report")
    check_room("documents", "report", originals, MAX_ORIGINALS_PER_REPORT)


def check_share(scope: ShareScope, network_id: str | None) -> None:
    if scope is ShareScope.NETWORK and network_id is None:
        raise InvalidInput("networkId", "sharing with a NETWORK needs the network's id")
    if scope is not ShareScope.NETWORK and network_id is not None:
        raise InvalidInput(
            "networkId", f"only NETWORK sharing takes a networkId, not {scope.value}"
        )
