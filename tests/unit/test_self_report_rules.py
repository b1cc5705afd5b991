"""Who reads a supplier's self-reports, and at which clearance (no database: the
facts are given; tests/api/test_self_report_visibility.py loads them)."""

from __future__ import annotations

import datetime as dt

import pytest

from authz.disclosure import Relation
from authz.records import SELF_REPORT, SUPPLY_EDGE
from authz.viewer import ViewerFacts
from domain.enums import Classification as C
from domain.enums import OrganizationKind as K
from domain.self_reports import contract_active

REPORT = {"supplier_id": "sup", "id": "r1"}
EDGE = {"disclosed_by_id": "sup", "id": "e1"}


def viewer(
    org: str,
    kind: K = K.PUBLIC_BODY,
    contracted: frozenset[str] = frozenset(),
    granted: frozenset[str] = frozenset(),
    personal: bool = False,
) -> ViewerFacts:
    return ViewerFacts(org, kind, personal, frozenset(), contracted, granted)


CASES = [
    ("the supplier itself", viewer("sup", K.SUPPLIER), (C.PERSONAL, Relation.PARTY)),
    (
        "a contracted body",
        viewer("b1", contracted=frozenset({"sup"})),
        (C.RESTRICTED, Relation.BUYER),
    ),
    (
        "a contracted body whose role reads personal data",
        viewer("b1", contracted=frozenset({"sup"}), personal=True),
        (C.PERSONAL, Relation.BUYER),
    ),
    ("a grantee", viewer("g", K.AUDITOR, granted=frozenset({"sup"})), (C.SHARED, Relation.GRANTEE)),
    (
        "a contracted body that also holds a grant",
        viewer("b1", contracted=frozenset({"sup"}), granted=frozenset({"sup"})),
        (C.RESTRICTED, Relation.BUYER),
    ),
    ("a body contracted with another supplier", viewer("b2", contracted=frozenset({"x"})), None),
    (
        "a coordinator named as contracted (not a public body)",
        viewer("c", K.COORDINATOR, contracted=frozenset({"sup"})),
        None,
    ),
    ("another supplier", viewer("sup2", K.SUPPLIER), None),
    ("anonymous", ViewerFacts(None, None, False, frozenset()), None),
]


@pytest.mark.parametrize(("label", "facts", "expected"), CASES, ids=[c[0] for c in CASES])
def test_clearance_of_each_reader(
    label: str, facts: ViewerFacts, expected: tuple[C, Relation] | None
) -> None:
    for policy, row in ((SELF_REPORT, REPORT), (SUPPLY_EDGE, EDGE)):
        cleared = policy.clearance(row, facts)
        got = None if cleared is None else (cleared.level, cleared.relation)
        assert got == expected, policy.record
        # The viewer fact the graph filters with says the same.
        assert ("sup" in facts.self_report_suppliers) is (expected is not None)


TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("start", "end", "active"),
    [
        (dt.date(2026, 1, 1), None, True),
        (dt.date(2026, 1, 1), TODAY, True),
        (TODAY, TODAY, True),
        (dt.date(2026, 1, 1), dt.date(2026, 11, 30), False),
        (dt.date(2026, 12, 2), None, False),
    ],
)
def test_a_contract_is_active_from_start_through_end(
    start: dt.date, end: dt.date | None, active: bool
) -> None:
    assert contract_active(start, end, TODAY) is active
