"""Policies of national coordination's classified records (registered in
`authz.records.POLICIES`).

- A focus area's overview (its aggregates) is read by the network's coordinator
  and the focus area's responsible body (PARTY) and by the network's members
  (SCOPE_MEMBER); anyone else gets none. Its counts are computed only over rows
  the viewer may see (the report policy's row and field filters in the SQL), so
  two viewers of one focus area may read different numbers.
- A contract's follow-up plan is its buyer's working document: the buyer alone
  reads it.
"""

from __future__ import annotations

from types import MappingProxyType

from authz.disclosure import HIDDEN, SHARED, FieldRule, Policy, Relation
from domain.enums import Classification
from domain.predicates import Column, Equals, Fact, OneOf, any_of

_ORGANIZATION = Fact("organization_id")

FOCUS_AREA_OVERVIEW = Policy(
    record="focus_area_overview",
    relations=(
        (
            Relation.PARTY,
            any_of(
                Equals(Column("coordinator_id"), _ORGANIZATION),
                Equals(Column("responsible_body_id"), _ORGANIZATION),
            ),
        ),
        (Relation.SCOPE_MEMBER, OneOf(Column("network_id"), Fact("network_ids"))),
    ),
    levels=MappingProxyType(
        {Relation.PARTY: Classification.SHARED, Relation.SCOPE_MEMBER: Classification.SHARED}
    ),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "focus_area_id": HIDDEN,
            "network_id": HIDDEN,
            "coordinator_id": HIDDEN,
            "responsible_body_id": HIDDEN,
            "audits_planned": SHARED,
            "audits_under_way": SHARED,
            "audits_done": SHARED,
            "findings": SHARED,
            "open_corrective_actions": SHARED,
            "overdue_corrective_actions": SHARED,
        }
    ),
)

FOLLOW_UP_STEP = Policy(
    record="follow_up_step",
    relations=((Relation.PARTY, Equals(Column("buyer_id"), _ORGANIZATION)),),
    levels=MappingProxyType({Relation.PARTY: Classification.RESTRICTED}),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": HIDDEN,
            "contract_id": SHARED,
            "buyer_id": HIDDEN,
            "step": SHARED,
            "due_date": SHARED,
            "completed_at": SHARED,
            "note": FieldRule(Classification.RESTRICTED),
            "overdue": SHARED,  # computed: past its due date and not done
            "created_at": HIDDEN,
        }
    ),
)
