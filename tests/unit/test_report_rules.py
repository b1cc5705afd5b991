"""Audit-report rules without a database: lifecycle and clearance (the kernel's
disclosure itself is tested in test_disclosure.py)."""

from __future__ import annotations

from typing import Any

import pytest

from authz.disclosure import Relation
from authz.records import AUDIT_REPORT
from authz.viewer import ViewerFacts
from domain.audit_reports import check_share, require_editable, transition
from domain.enums import AuditReportStatus as S
from domain.enums import Classification as C
from domain.enums import OrganizationKind, ShareScope
from domain.errors import Conflict, InvalidInput

LEGAL = [
    (S.DRAFT, "submit", S.SUBMITTED),
    (S.SUBMITTED, "publish", S.PUBLISHED),
    (S.PUBLISHED, "reshare", S.PUBLISHED),
    (S.PUBLISHED, "supersede", S.SUPERSEDED),
    (S.SUBMITTED, "withdraw", S.WITHDRAWN),
    (S.PUBLISHED, "withdraw", S.WITHDRAWN),
]


@pytest.mark.parametrize(("current", "action", "target"), LEGAL)
def test_legal_transitions(current: S, action: str, target: S) -> None:
    assert transition(current, action) is target


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (status, action)
        for status in S
        for action in ("submit", "publish", "reshare", "supersede", "withdraw")
        if (status, action) not in {(c, a) for c, a, _ in LEGAL}
    ],
)
def test_every_other_transition_is_a_conflict(current: S, action: str) -> None:
    with pytest.raises(Conflict, match=f"cannot {action} a {current.value} report"):
        transition(current, action)


def test_only_drafts_are_editable() -> None:
    require_editable(S.DRAFT)
    for status in set(S) - {S.DRAFT}:
        with pytest.raises(Conflict):
            require_editable(status)


def test_network_sharing_needs_exactly_a_network() -> None:
    check_share(ShareScope.NETWORK, "n1")
    check_share(ShareScope.PUBLIC, None)
    with pytest.raises(InvalidInput) as missing:
        check_share(ShareScope.NETWORK, None)
    assert missing.value.field == "networkId"
    with pytest.raises(InvalidInput):
        check_share(ShareScope.PRIVATE, "n1")


def report(status: S = S.PUBLISHED, scope: ShareScope = ShareScope.NETWORK) -> dict[str, Any]:
    return {
        "status": status,
        "share_scope": scope,
        "commissioned_by_id": "body",
        "auditor_id": "auditor",
        "supplier_id": "supplier",
        "network_id": "net",
    }


def viewer(
    org: str | None,
    kind: OrganizationKind | None = OrganizationKind.PUBLIC_BODY,
    reads_personal: bool = False,
    networks: frozenset[str] = frozenset(),
) -> ViewerFacts:
    return ViewerFacts(org, kind, reads_personal, networks)


CLEARANCE_TABLE = [
    ("commissioner", report(S.DRAFT), viewer("body"), (C.RESTRICTED, Relation.PARTY)),
    (
        "auditor with AUDITOR role",
        report(S.DRAFT),
        viewer("auditor", OrganizationKind.AUDITOR, reads_personal=True),
        (C.PERSONAL, Relation.PARTY),
    ),
    (
        "commissioner's contract manager",
        report(),
        viewer("body", reads_personal=True),
        (C.PERSONAL, Relation.PARTY),
    ),
    ("supplier before publishing", report(S.SUBMITTED), viewer("supplier"), None),
    ("supplier after publishing", report(), viewer("supplier"), (C.SHARED, Relation.SUPPLIER)),
    (
        "network member",
        report(),
        viewer("b2", networks=frozenset({"net"})),
        (C.SHARED, Relation.SCOPE_MEMBER),
    ),
    ("other network", report(), viewer("b2", networks=frozenset({"net2"})), None),
    (
        "member of a withdrawn report",
        report(S.WITHDRAWN),
        viewer("b2", networks=frozenset({"net"})),
        None,
    ),
    (
        "superseded stays readable",
        report(S.SUPERSEDED),
        viewer("b2", networks=frozenset({"net"})),
        (C.SHARED, Relation.SCOPE_MEMBER),
    ),
    (
        "any body, ALL_PUBLIC_BODIES",
        report(scope=ShareScope.ALL_PUBLIC_BODIES),
        viewer("b3"),
        (C.SHARED, Relation.SCOPE_MEMBER),
    ),
    (
        "a supplier, ALL_PUBLIC_BODIES",
        report(scope=ShareScope.ALL_PUBLIC_BODIES),
        viewer("s2", OrganizationKind.SUPPLIER),
        None,
    ),
    (
        "anonymous, PUBLIC",
        report(scope=ShareScope.PUBLIC),
        viewer(None, None),
        (C.PUBLIC, Relation.PUBLIC),
    ),
    (
        "coordinator, PUBLIC",
        report(scope=ShareScope.PUBLIC),
        viewer("c", OrganizationKind.COORDINATOR),
        (C.SHARED, Relation.SCOPE_MEMBER),
    ),
    ("anonymous, PRIVATE", report(scope=ShareScope.PRIVATE), viewer(None, None), None),
]


@pytest.mark.parametrize(
    ("access", "facts", "expected"),
    [row[1:] for row in CLEARANCE_TABLE],
    ids=[row[0] for row in CLEARANCE_TABLE],
)
def test_clearance_follows_the_relation(
    access: dict[str, Any], facts: ViewerFacts, expected: tuple[C, Relation] | None
) -> None:
    found = AUDIT_REPORT.clearance(access, facts)
    assert (None if found is None else (found.level, found.relation)) == expected
