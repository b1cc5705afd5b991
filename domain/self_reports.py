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
from domain.errors import InvalidInput
from domain.orgnumbers import normalize_country, normalize_org_number
from domain.predicates import Column, Equals, Fact, FactOneOf, OneOf, Predicate, all_of
from domain.text import optional_text, require_text

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


@dataclass(frozen=True)
class SubSupplier:
    """A sub-supplier a self-report names, validated; `parent` is the org number
    of the sub-supplier it delivers to, None for the reporting supplier itself."""

    org_number: str
    name: str
    country: str
    product_category: str | None
    parent: str | None
    tier: int  # 1 delivers to the reporting supplier, 2 to a tier-1 sub-supplier, ...


@dataclass(frozen=True)
class SubSupplierDraft:
    org_number: str
    name: str
    country: str
    product_category: str | None = None
    tier_parent_org_number: str | None = None


def validate_sub_suppliers(
    drafts: list[SubSupplierDraft], supplier_org_number: str
) -> list[SubSupplier]:
    """Each sub-supplier once, every tier parent named in the same list (or the
    reporting supplier), and no loop among parents; errors name the item."""
    parsed: list[tuple[str, str, str, str | None, str | None]] = []
    seen: dict[str, int] = {}
    for index, draft in enumerate(drafts):
        prefix = f"subSuppliers.{index}"
        try:
            country = normalize_country(draft.country)
            number = normalize_org_number(country, draft.org_number)
        except InvalidInput as exc:
            raise InvalidInput(prefix, f"{prefix}: {exc.message}") from exc
        if number in seen:
            raise InvalidInput(
                f"{prefix}.orgNumber",
                f"{prefix}.orgNumber {number} is listed twice (also subSuppliers.{seen[number]})",
            )
        if number == supplier_org_number:
            raise InvalidInput(
                f"{prefix}.orgNumber", f"{prefix}.orgNumber is your own organisation number"
            )
        seen[number] = index
        named = (draft.tier_parent_org_number or "").replace(" ", "").replace("-", "").upper()
        parsed.append(
            (
                number,
                require_text(f"{prefix}.name", draft.name),
                country,
                optional_text(f"{prefix}.productCategory", draft.product_category, 120),
                None if not named or named == supplier_org_number else named,
            )
        )
    for index, (_, _, _, _, parent) in enumerate(parsed):
        if parent is not None and parent not in seen:
            raise InvalidInput(
                f"subSuppliers.{index}.tierParentOrgNumber",
                f"subSuppliers.{index}.tierParentOrgNumber {parent} is neither your own "
                "organisation number nor another sub-supplier in this report",
            )
    parents = {number: parent for number, _, _, _, parent in parsed}
    result: list[SubSupplier] = []
    for index, (number, name, country, category, parent) in enumerate(parsed):
        tier, current = 1, parent
        while current is not None:
            tier += 1
            if tier > len(parsed) + 1:
                raise InvalidInput(
                    f"subSuppliers.{index}.tierParentOrgNumber",
                    f"subSuppliers.{index}.tierParentOrgNumber: the tier parents form a loop; "
                    "each chain must end at your own organisation",
                )
            current = parents[current]
        result.append(SubSupplier(number, name, country, category, parent, tier))
    return result
