"""Who reads a supplier's self-reports, as rule data (DESIGN.md: a supplier reports
once to many buyers).

A self-report version, and everything it discloses (its production sites, its
supply edges), is read by:
- the supplier's own members;
- every PUBLIC_BODY with an active contract with the supplier (`contract_active`);
- every organisation holding an unrevoked grant from the supplier.
Nobody else sees it, not even that it exists.

The rules compare one column naming the supplier (`supplier_id` of a self-report,
`disclosed_by_id` of a supply edge) with viewer facts (`authz.viewer.ViewerFacts`:
`contracted_suppliers`, `granted_suppliers`; their union with the viewer's own
organisation is `self_report_suppliers`). `authz.records` gives each its Relation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.enums import OrganizationKind
from domain.predicates import Column, Equals, Fact, FactOneOf, OneOf, Predicate, all_of

BUYER_KINDS = frozenset({OrganizationKind.PUBLIC_BODY})


@dataclass(frozen=True)
class SelfReportReaders:
    """The three ways to read a supplier's self-reports, over one supplier column."""

    own: Predicate  # the supplier's members
    buyer: Predicate  # a public body with an active contract with the supplier
    grantee: Predicate  # an organisation holding an unrevoked grant


def readers(supplier_column: str) -> SelfReportReaders:
    column = Column(supplier_column)
    return SelfReportReaders(
        own=Equals(column, Fact("organization_id")),
        buyer=all_of(
            FactOneOf(Fact("organization_kind"), BUYER_KINDS),
            OneOf(column, Fact("contracted_suppliers")),
        ),
        grantee=OneOf(column, Fact("granted_suppliers")),
    )


def contract_active(start_date: dt.date, end_date: dt.date | None, today: dt.date) -> bool:
    """A contract is active from its start date through its end date (open-ended
    when there is none). `authz.viewer` asks the same in SQL."""
    return start_date <= today and (end_date is None or end_date >= today)
