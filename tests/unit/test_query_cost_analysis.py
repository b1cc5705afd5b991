"""The static cost and depth of hand-written operations (schema/cost.py): objects
cost 1, lists multiply by their page or documented maximum, aliases count,
merged fields and fragments do not count twice, cycles and doubling fragments
end quickly."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, GraphQLObjectType, parse, validate

from schema.app_schema import build_schema
from schema.cost import (
    FIELD_WEIGHTS,
    LIST_SIZES,
    TYPE_WEIGHTS,
    Analysis,
    Limits,
    TooDeep,
    alias_rule,
    operation_to_run,
    price,
)
from settings import Settings

SCHEMA = build_schema(Settings())._schema
LIMITS = Limits(max_cost=30_000, max_depth=12, max_page_size=200, max_entities=200)
REPORT = 1 + TYPE_WEIGHTS["AuditReport"]  # one report object, findings built with it
TOTAL = FIELD_WEIGHTS["*.totalCount"]
PARTICIPANTS = LIST_SIZES["Network.participants"]
SUPPLIERS = LIST_SIZES["Network.suppliers"]


def analyse(
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    limits: Limits = LIMITS,
) -> Analysis:
    document = parse(query)
    return price(SCHEMA, document, operation_to_run(document, operation_name), variables, limits)


def cost(query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> int:
    return analyse(query, variables, **kwargs).cost


def test_objects_cost_one_and_scalars_nothing() -> None:
    assert cost("{ __typename }") == 0
    assert cost("{ me { roles } }") == 1
    assert cost("{ me { roles user { id email } organization { id name } } }") == 3


def test_a_connection_counts_its_page() -> None:
    edges = "edges { cursor node { id name } } pageInfo { hasNextPage }"
    # the connection, its pageInfo, and per edge the edge and its node
    assert cost(f"{{ organizations(first: 10) {{ {edges} }} }}") == 2 + 10 * 2
    assert cost(f"{{ organizations {{ {edges} }} }}") == 2 + 50 * 2  # the default page
    assert cost(f"{{ organizations(first: null) {{ {edges} }} }}") == 2 + 50 * 2
    assert cost(f"{{ organizations(first: 5000) {{ {edges} }} }}") == 2 + 200 * 2  # clamped
    assert cost(f"{{ organizations(first: 0) {{ {edges} }} }}") == 2


def test_first_from_variables_and_their_defaults() -> None:
    query = "query($n: Int) { organizations(first: $n) { edges { node { id } } } }"
    assert cost(query, {"n": 7}) == 1 + 7 * 2
    assert cost(query, {"n": None}) == 1 + 50 * 2
    assert cost(query, {}) == 1 + 50 * 2  # not sent: the argument's default
    assert cost(query, {"n": "many"}) == 1 + 200 * 2  # execution refuses it; priced at worst
    with_default = "query($n: Int = 3) { organizations(first: $n) { edges { node { id } } } }"
    assert cost(with_default, {}) == 1 + 3 * 2
    assert cost(with_default, {"n": 4}) == 1 + 4 * 2


def test_total_count_runs_a_statement_per_connection() -> None:
    assert cost("{ organizations(first: 1) { totalCount } }") == 1 + TOTAL


def test_aliases_count_as_fields_of_their_own() -> None:
    assert cost("{ a: me { roles } b: me { roles } c: me { roles } }") == 3
    one_page = 1 + 10 * 2
    pages = "{ a: organizations(first: 10) { edges { node { id } } } b: organizations(first: 10) { edges { node { id } } } }"  # noqa: E501
    assert cost(pages) == 2 * one_page


def test_the_same_response_key_twice_is_merged_not_doubled() -> None:
    assert cost("{ me { roles } me { user { id } } }") == 2  # me once, user once
    assert cost("{ me { user { id } user { email } } }") == 2


def test_named_and_inline_fragments_count_once_where_spread() -> None:
    fragment = "fragment F on Viewer { user { email } organization { id } }"
    plain = "{ me { user { email } organization { id } } }"
    assert cost(plain) == 3
    assert cost(f"{{ me {{ ...F }} }} {fragment}") == 3
    assert cost(f"{{ me {{ ...F ...F }} }} {fragment}") == 3
    assert cost(f"{{ me {{ ...F ... on Viewer {{ user {{ id }} }} }} }} {fragment}") == 3
    assert cost(f"{{ a: me {{ ...F }} b: me {{ ...F }} }} {fragment}") == 6
    # a fragment used in two places is counted in each
    per_node = "fragment N on Organization { id name }"
    query = f"{{ organizations(first: 4) {{ edges {{ node {{ ...N }} }} }} me {{ organization {{ ...N }} }} }} {per_node}"  # noqa: E501
    assert cost(query) == (1 + 4 * 2) + 2


def test_nested_lists_multiply() -> None:
    query = """{ networks(first: 2) { edges { node {
        lead { id } participants { id } suppliers { rank supplier { id } }
    } } } }"""
    per_network = 1 + 1 + 1 + PARTICIPANTS + SUPPLIERS * 2  # edge, node, lead, lists
    assert cost(query) == 1 + 2 * per_network


def test_a_report_costs_what_is_built_with_it() -> None:
    assert cost('{ auditReport(id: "x") { id } }') == REPORT
    findings = LIST_SIZES["AuditReport.findings"]
    query = '{ auditReport(id: "x") { findings { id correctiveAction { status } } } }'
    assert cost(query) == REPORT + findings * 2


def test_pages_nested_in_pages_multiply() -> None:
    query = """{ auditReports(first: 2) { edges { node {
        focusArea { reports(first: 3) { edges { node { id } } } }
    } } } }"""
    inner = 1 + 3 * (1 + REPORT)  # the connection; per edge the edge and its report
    assert cost(query) == 1 + 2 * (1 + REPORT + 1 + inner)


def test_the_issue_query_costs_millions() -> None:
    nested = "focusArea { reports { edges { node { focusArea { reports { edges { node { id } } } } } } } }"  # noqa: E501
    query = (
        "{ "
        + " ".join(f"a{n}: auditReports {{ edges {{ node {{ {nested} }} }} }}" for n in range(4))
        + " }"
    )
    assert 500 < len(query) < 700
    assert cost(query) > 4 * 50 * 50 * 50


def test_entities_count_their_representations_at_the_dearest_type() -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Organization { id } ... on AuditReport { id } } }"""
    three = [{"__typename": "Organization", "id": str(n)} for n in range(3)]
    assert cost(query, {"r": three}) == 3 * REPORT
    assert cost(query, {"r": three * 1000}) == 200 * REPORT  # at most max_entities
    assert cost(query, {}) == 200 * REPORT
    literal = (
        '{ _entities(representations: [{__typename: "Organization", id: "1"}]) { __typename } }'
    )
    assert cost(literal) == REPORT


def test_skip_and_include_are_honoured_when_known() -> None:
    assert cost("{ me { user @skip(if: true) { id } } }") == 1
    assert cost("{ me { user @include(if: false) { id } } }") == 1
    query = "query($s: Boolean!) { me { user @skip(if: $s) { id } } }"
    assert cost(query, {"s": True}) == 1
    assert cost(query, {"s": False}) == 2
    assert cost(query, {}) == 2  # unknown: counted


def test_fragment_cycles_end() -> None:
    direct = "{ me { ...A } } fragment A on Viewer { organization { id } ...B } fragment B on Viewer { ...A }"  # noqa: E501
    assert cost(direct) == 2
    through_fields = """{ auditReport(id: "1") { ...A } }
        fragment A on AuditReport { focusArea { reports(first: 1) { edges { node { ...A } } } } }"""
    assert analyse(through_fields).depth <= LIMITS.max_depth


def test_doubling_fragments_are_priced_in_linear_time() -> None:
    # strawberry's depth and alias limiters expand every spread: 2**150 times here,
    # which would never return; pricing each fragment once returns at once
    levels = 150
    fragments = " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)
    )
    query = f"{{ ...F0 }} {fragments} fragment F{levels} on Query {{ me {{ roles }} }}"
    assert cost(query) == 1
    # the same selection set reached through many parents is priced once
    viewer = "fragment V on Viewer { user { id } organization { id } }"
    aliased = " ".join(f"m{n}: me {{ ...V }}" for n in range(30))
    assert cost(f"{{ {aliased} }} {viewer}") == 30 * 3


def test_depth_counts_fields_on_the_longest_path() -> None:
    assert analyse("{ __typename }").depth == 1
    assert analyse("{ me { roles } }").depth == 2
    assert (
        analyse("{ me { ...F } } fragment F on Viewer { ... on Viewer { user { id } } }").depth == 3
    )
    assert analyse("{ __schema { types { fields { name } } } }").depth == 0


def path_query(levels: int) -> str:
    """`levels` fields deep: auditReports > edges > node, a fragment, then
    focusArea > reports > edges > node repeated, then leaves."""
    chain = ["focusArea", "reports(first: 1)", "edges", "node"]
    fields = [chain[n % 4] for n in range(levels - 4)]
    body = "__typename"
    for name in reversed(fields):
        body = f"{name} {{ {body} }}"
    return (
        "query Deep { auditReports(first: 1) { edges { ... on AuditReportEdge { node { ...R } } } } } "  # noqa: E501
        f"fragment R on AuditReport {{ {body} }}"
    )


@pytest.mark.parametrize("limit", [6, 9, 12])
def test_depth_equal_to_the_limit_passes_and_one_more_is_refused(limit: int) -> None:
    limits = Limits(max_cost=10**9, max_depth=limit, max_page_size=200, max_entities=200)
    assert analyse(path_query(limit), limits=limits).depth == limit
    with pytest.raises(TooDeep):
        analyse(path_query(limit + 1), limits=limits)


def test_the_operation_to_run() -> None:
    two = parse("query A { me { roles } } query B { __typename }")
    assert operation_to_run(two, "B").name is not None
    for name, words in ((None, "send operationName"), ("C", "no operation named 'C'")):
        with pytest.raises(GraphQLError) as refused:
            operation_to_run(two, name)
        assert words in refused.value.message
        assert refused.value.extensions == {"code": "BAD_USER_INPUT", "field": "operationName"}
    assert analyse("query A { me { roles } } query B { __typename }", operation_name="A").cost == 1


def test_the_alias_rule_counts_each_written_alias_once() -> None:
    rule = alias_rule(2)
    assert validate(SCHEMA, parse("{ a: me { roles } b: me { roles } }"), [rule]) == []
    errors = validate(SCHEMA, parse("{ a: me { roles } b: me { roles } c: __typename }"), [rule])
    assert [error.message.split(".")[0] for error in errors] == ["3 aliases found"]
    doubling = "{ ...F0 } " + " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(60)
    )
    # 2**60 expansions would never return: each fragment is counted once
    assert (
        validate(SCHEMA, parse(doubling + " fragment F60 on Query { x: __typename }"), [rule]) == []
    )


def test_every_list_of_objects_is_a_page_or_has_a_documented_maximum() -> None:
    """A new list field must be paginated or listed in LIST_SIZES (a visible decision),
    and its description tells clients the maximum the cost counts."""
    undecided = []
    for named in SCHEMA.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("_"):
            continue
        if named.name.endswith("Connection"):
            continue
        for name, field in named.fields.items():
            item = field.type
            while hasattr(item, "of_type"):
                item = item.of_type
            listed = "[" in str(field.type)
            if not listed or not isinstance(item, GraphQLObjectType):
                continue
            if f"{named.name}.{name}" == "Query._entities":
                continue
            if f"{named.name}.{name}" not in LIST_SIZES:
                undecided.append(f"{named.name}.{name}")
            else:
                size = LIST_SIZES[f"{named.name}.{name}"]
                assert f"counts it as {size} items" in (field.description or ""), name
    assert undecided == []
