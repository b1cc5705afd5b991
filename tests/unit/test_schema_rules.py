"""Every field of a classified GraphQL type has a rule in its record's policy.

A field is ruled when the policy names it (`summary`), or names the key it is
resolved from (`supplier` from `supplier_id`). The kernel's own outputs
(`redactedFields`, `downloadUrl`) need no rule.
"""

from __future__ import annotations

import re

import graphql
from graphql import GraphQLObjectType, GraphQLSchema

from authz.coordination import FOCUS_AREA_OVERVIEW, FOLLOW_UP_STEP
from authz.disclosure import PUBLIC, Policy
from authz.records import (
    AUDIT_REPORT,
    BID,
    CALL_OFF,
    CONTRACT,
    CORRECTIVE_ACTION,
    CORRECTIVE_ACTION_EVENT,
    DOCUMENT,
    FINDING,
    MINI_COMPETITION,
    PRICE_LIST,
    SELF_REPORT,
    SUPPLY_EDGE,
)
from schema.app_schema import build_schema
from settings import Settings

CLASSIFIED_TYPES: dict[str, Policy] = {
    "AuditReport": AUDIT_REPORT,
    "Finding": FINDING,
    "CorrectiveAction": CORRECTIVE_ACTION,
    "Document": DOCUMENT,
    "Contract": CONTRACT,
    "FocusAreaOverview": FOCUS_AREA_OVERVIEW,
    "FollowUpPlanStep": FOLLOW_UP_STEP,
    "SelfReport": SELF_REPORT,
    "SupplyEdge": SUPPLY_EDGE,
    "MiniCompetition": MINI_COMPETITION,
    "Bid": BID,
    "CallOffDecision": CALL_OFF,
    "PriceList": PRICE_LIST,
    "CorrectiveActionEvent": CORRECTIVE_ACTION_EVENT,
}
KERNEL_OUTPUTS = frozenset({"redactedFields", "downloadUrl"})


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def unruled_fields(schema: GraphQLSchema, types: dict[str, Policy]) -> list[str]:
    missing = []
    for type_name, policy in types.items():
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType), f"{type_name} is not in the schema"
        for field_name in graphql_type.fields:
            key = snake(field_name)
            if field_name in KERNEL_OUTPUTS:
                continue
            if key not in policy.fields and f"{key}_id" not in policy.fields:
                missing.append(f"{type_name}.{field_name}")
    return missing


def test_every_field_of_a_classified_type_has_a_rule() -> None:
    schema = build_schema(Settings())._schema
    assert unruled_fields(schema, CLASSIFIED_TYPES) == []


def test_the_walk_finds_a_field_without_a_rule() -> None:
    schema = graphql.build_schema(
        "type Query { thing: Thing } type Thing { id: ID! secretPrice: Float }"
    )
    policy = Policy("thing", {"id": PUBLIC})
    assert unruled_fields(schema, {"Thing": policy}) == ["Thing.secretPrice"]


def test_classified_fields_describe_their_classification() -> None:
    schema = build_schema(Settings())._schema
    for type_name, policy in CLASSIFIED_TYPES.items():
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        for field_name, field in graphql_type.fields.items():
            rule = policy.fields.get(snake(field_name))
            if rule is not None and rule.level.value != "PUBLIC":
                assert (field.description or "").startswith(rule.level.value), (
                    f"{type_name}.{field_name} should say {rule.level.value}"
                )


def test_list_arguments_state_their_maximum_length() -> None:
    settings = Settings(max_list_length=321)
    schema = build_schema(settings)._schema
    facility_ids = schema.type_map["AuditReportInput"].fields["facilityIds"]  # type: ignore[union-attr]
    assert "At most 321 items." in (facility_ids.description or "")
