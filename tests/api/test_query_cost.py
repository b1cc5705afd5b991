"""Query cost, depth, operation choice and `_entities` limits through the ASGI app.

The issue: a 600-byte query nesting `focusArea { reports { focusArea { reports … } } }`
under four aliases ran for 15 s while `{ __typename }` waited; `_entities` with 2,000
representations ran a statement per representation; FocusArea `_entities` crashed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient
from strawberry.extensions.validation_cache import _get_validate_cache

from api.app import Services, create_app
from domain.enums import AuditReportType, NetworkKind, OrganizationKind, Role
from settings import Settings
from storage import db
from storage.models import AuditReport, AuditReportFacility, Contract, Facility, FocusArea, Network
from tests.api.test_query_counts import counted
from tests.conftest import World, error_codes, gql
from tests.unit.test_query_cost_analysis import path_query

NESTED = (
    "focusArea { reports { edges { node { focusArea { reports { edges { node { id } } } } } } } }"
)
ISSUE_QUERY = (
    "{ "
    + " ".join(f"a{n}: auditReports {{ edges {{ node {{ {NESTED} }} }} }}" for n in range(4))
    + " }"
)
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on AuditReport { id title }
    ... on Contract { id title }
    ... on Organization { id name }
    ... on Network { id name }
    ... on Facility { id name }
    ... on FocusArea { id title }
  }
}
"""


@dataclass
class Seeded:
    token: str
    oslo: str
    supplier: str
    network: str
    facility: str
    areas: list[str]
    reports: list[str]
    contracts: list[str]


def seed(world: World, *, areas: int = 3, reports_per_area: int = 4, contracts: int = 3) -> Seeded:
    """Oslo commissions reports in a few focus areas of its network and holds contracts."""
    oslo = world.org("Oslo kommune")
    supplier = world.org("Hansker AS", kind=OrganizationKind.SUPPLIER)
    token = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    with db.transaction(world.factory) as session:
        network = Network(name="Hansker", kind=NetworkKind.NATIONAL_NETWORK, lead_id=oslo)
        facility = Facility(name="Factory", country="MY", dedup_key="my|factory")
        session.add_all([network, facility])
        session.flush()
        area_ids, report_ids, contract_ids = [], [], []
        for a in range(areas):
            area = FocusArea(
                network_id=network.id,
                title=f"Area {a}",
                product_category="gloves",
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31),
                created_by_id=oslo,
            )
            session.add(area)
            session.flush()
            area_ids.append(area.id)
            for r in range(reports_per_area):
                report = AuditReport(
                    title=f"Report {a}.{r}",
                    report_type=AuditReportType.SYSTEM_AUDIT,
                    commissioned_by_id=oslo,
                    supplier_id=supplier,
                    focus_area_id=area.id,
                )
                session.add(report)
                session.flush()
                report_ids.append(report.id)
        if report_ids:  # a facility is known to those who see a report covering it
            session.add(AuditReportFacility(report_id=report_ids[0], facility_id=facility.id))
        for c in range(contracts):
            contract = Contract(
                buyer_id=oslo,
                supplier_id=supplier,
                title=f"Contract {c}",
                product_category="gloves",
                start_date=dt.date(2026, 1, 1),
            )
            session.add(contract)
            session.flush()
            contract_ids.append(contract.id)
        network_id, facility_id = network.id, facility.id
    return Seeded(
        token, oslo, supplier, network_id, facility_id, area_ids, report_ids, contract_ids
    )


# --- the issue's query -------------------------------------------------------------


def test_the_nested_query_is_refused_before_it_runs_while_a_small_one_answers(
    world: World, settings: Settings
) -> None:
    """The refusal comes from the static analysis: the nested query issues no
    statement beyond what authenticating a `{ __typename }` takes, however many
    rows it would have touched, and a small query sent after it is answered. (How fast that is, is a
    matter for benchmarks/, not for a timed test.)"""
    seeded = seed(world, areas=1, reports_per_area=60)
    assert 500 < len(ISSUE_QUERY) < 700
    with TestClient(create_app(settings, Services.from_settings(settings))) as client:
        gql(client, "{ __typename }", seeded.token)  # first-request setup is not the refusal
        with counted(client) as authenticating:
            gql(client, "{ __typename }", seeded.token)
        with counted(client) as statements:
            refused = gql(client, ISSUE_QUERY, seeded.token)
        assert statements == authenticating, statements
        assert gql(client, "{ __typename }", seeded.token) == {"data": {"__typename": "Query"}}
    assert refused["data"] is None
    [error] = refused["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "QUERY_TOO_COSTLY"
    assert extensions["limit"] == settings.max_query_cost
    assert extensions["cost"] > 100 * settings.max_query_cost
    assert str(extensions["cost"]) in error["message"]


def test_the_limit_is_a_setting_and_the_cost_is_reported(world: World, settings: Settings) -> None:
    tight = settings.model_copy(update={"max_query_cost": 5})
    seeded = seed(world, areas=1, reports_per_area=1)
    with TestClient(create_app(tight, Services.from_settings(tight))) as client:
        two = gql(client, "{ organizations(first: 2) { edges { node { id } } } }", seeded.token)
        assert "errors" not in two, two  # 1 + 2 * (edge + node) = 5
        three = gql(client, "{ organizations(first: 3) { edges { node { id } } } }", seeded.token)
        assert error_codes(three) == ["QUERY_TOO_COSTLY"]
        assert three["errors"][0]["extensions"] == {
            "code": "QUERY_TOO_COSTLY",
            "cost": 7,
            "limit": 5,
        }
        assert "may cost 7, more than the limit of 5" in three["errors"][0]["message"]
        variable = "query($n: Int) { organizations(first: $n) { edges { node { id } } } }"
        assert "errors" not in gql(client, variable, seeded.token, {"n": 2})
        assert error_codes(gql(client, variable, seeded.token, {"n": 3})) == ["QUERY_TOO_COSTLY"]


def test_a_document_that_doubles_its_fragments_is_answered_at_once(
    client: TestClient, world: World
) -> None:
    """strawberry's depth and alias limiters expanded every spread (2**60 here)."""
    seeded = seed(world, areas=1, reports_per_area=1)
    fragments = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(60))
    query = f"{{ ...F0 }} {fragments} fragment F60 on Query {{ x: me {{ roles }} }}"
    body = gql(client, query, seeded.token)  # 2**60 expansions would never return
    assert body == {"data": {"x": {"roles": ["CONTRACT_MANAGER"]}}}, body


# --- depth, operation choice, caches -------------------------------------------------


def test_the_depth_limit_is_exact_through_fragments(client: TestClient, world: World) -> None:
    seeded = seed(world, areas=1, reports_per_area=1)
    limit = 12  # Settings().max_query_depth
    at_limit = gql(client, path_query(limit), seeded.token)
    assert "errors" not in at_limit, at_limit
    over = gql(client, path_query(limit + 1), seeded.token)
    assert error_codes(over) == ["GRAPHQL_VALIDATION_FAILED"]
    assert f"exceeds maximum operation depth of {limit}" in over["errors"][0]["message"]


def test_several_operations_need_an_operation_name(client: TestClient, world: World) -> None:
    seeded = seed(world, areas=1, reports_per_area=1)
    document = "query Mine { me { roles } } query Kind { __typename }"

    def post(name: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"query": document}
        if name is not None:
            body["operationName"] = name
        response = client.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {seeded.token}"}
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    unnamed = post(None)
    assert unnamed["data"] is None
    assert error_codes(unnamed) == ["BAD_USER_INPUT"]
    assert "send operationName" in unnamed["errors"][0]["message"]
    assert post("Kind") == {"data": {"__typename": "Query"}}
    assert post("Mine") == {"data": {"me": {"roles": ["CONTRACT_MANAGER"]}}}
    unknown = post("Other")
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    assert "no operation named 'Other'" in unknown["errors"][0]["message"]


def test_repeated_operations_hit_the_validation_cache(world: World, settings: Settings) -> None:
    seeded = seed(world, areas=1, reports_per_area=1)
    query = f"query Q{uuid.uuid4().hex} {{ a: me {{ roles }} }}"  # new to every cache
    cache = _get_validate_cache(1024)
    # The response cache and the prepared-query fast path (api/prepared.py) off,
    # or the repeats would not be validated at all.
    uncached = settings.model_copy(update={"response_cache_entries": 0, "prepared_queries": False})
    with TestClient(create_app(uncached, Services.from_settings(uncached))) as client:
        before = cache.cache_info()
        for _ in range(3):
            assert "errors" not in gql(client, query, seeded.token)
        after = cache.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits >= 2


# --- FocusArea.reports -----------------------------------------------------------------

AREA_REPORTS = """
query($id: ID!, $first: Int, $after: String) {
  auditReport(id: $id) { focusArea { reports(first: $first, after: $after) {
    totalCount edges { cursor node { id title } } pageInfo { hasNextPage endCursor }
  } } }
}
"""


def test_a_focus_areas_reports_come_a_page_at_a_time(client: TestClient, world: World) -> None:
    seeded = seed(world, areas=2, reports_per_area=5)
    mine = seeded.reports[:5]  # ids are time-ordered: the first area's, oldest first

    def page(first: int | None, after: str | None = None) -> dict[str, Any]:
        variables = {"id": mine[0], "first": first, "after": after}
        body = gql(client, AREA_REPORTS, seeded.token, variables)
        assert "errors" not in body, body
        reports: dict[str, Any] = body["data"]["auditReport"]["focusArea"]["reports"]
        return reports

    first = page(2)
    assert [edge["node"]["id"] for edge in first["edges"]] == mine[:2]
    assert first["totalCount"] == 5
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}
    rest = page(10, first["pageInfo"]["endCursor"])
    assert [edge["node"]["id"] for edge in rest["edges"]] == mine[2:]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert [edge["node"]["id"] for edge in page(None)["edges"]] == mine  # first: 50
    too_big = gql(client, AREA_REPORTS, seeded.token, {"id": mine[0], "first": 201})
    assert error_codes(too_big) == ["BAD_USER_INPUT"]
    foreign = gql(client, AREA_REPORTS, seeded.token, {"id": mine[0], "after": "bm9wZQ=="})
    assert error_codes(foreign) == ["BAD_USER_INPUT"]


def test_focus_area_pages_take_the_same_statements_for_any_number_of_areas(
    client: TestClient, world: World
) -> None:
    seeded = seed(world, areas=4, reports_per_area=4)
    query = """query($n: Int!) { auditReports(first: $n) { edges { node {
        id focusArea { title reports(first: 2) { edges { node { id title } } pageInfo { hasNextPage } } }
    } } } }"""  # noqa: E501
    gql(client, query, seeded.token, {"n": 1})  # warm caches unrelated to the sizes
    counts = {}
    for size in (2, 16):
        with counted(client) as statements:
            body = gql(client, query, seeded.token, {"n": size})
        assert "errors" not in body, body
        edges = body["data"]["auditReports"]["edges"]
        assert len(edges) == size
        for edge in edges:
            pages = edge["node"]["focusArea"]["reports"]
            assert len(pages["edges"]) == 2 and pages["pageInfo"]["hasNextPage"] is True
        counts[size] = len(statements)
    assert counts[2] == counts[16], counts


# --- _entities ---------------------------------------------------------------------------


def representations(seeded: Seeded, copies: int) -> list[dict[str, str]]:
    """`copies` references of every entity type, and one unknown report and contract."""
    reps = []
    for n in range(copies):
        reps += [
            {"__typename": "AuditReport", "id": seeded.reports[n % len(seeded.reports)]},
            {"__typename": "Contract", "id": seeded.contracts[n % len(seeded.contracts)]},
            {"__typename": "Organization", "id": (seeded.oslo, seeded.supplier)[n % 2]},
            {"__typename": "Network", "id": seeded.network},
            {"__typename": "Facility", "id": seeded.facility},
            {"__typename": "FocusArea", "id": seeded.areas[n % len(seeded.areas)]},
        ]
    return [
        *reps,
        {"__typename": "AuditReport", "id": str(uuid.uuid4())},
        {"__typename": "Contract", "id": str(uuid.uuid4())},
    ]


def test_entities_resolve_one_statement_per_type(client: TestClient, world: World) -> None:
    seeded = seed(world, areas=3, reports_per_area=4, contracts=6)
    gql(client, ENTITIES, seeded.token, {"representations": representations(seeded, 1)})
    counts = {}
    for copies in (2, 12):
        reps = representations(seeded, copies)
        with counted(client) as statements:
            body = gql(client, ENTITIES, seeded.token, {"representations": reps})
        assert "errors" not in body, body
        found = body["data"]["_entities"]
        assert [entity and (entity["__typename"], entity["id"]) for entity in found] == [
            (rep["__typename"], rep["id"]) for rep in reps[:-2]
        ] + [None, None]
        counts[copies] = len(statements)
    assert counts[2] == counts[12], counts


def test_entities_over_the_limit_are_refused_before_any_lookup(
    client: TestClient, world: World, settings: Settings
) -> None:
    seeded = seed(world, areas=1, reports_per_area=1)
    with counted(client) as baseline:
        gql(client, "{ __typename }", seeded.token)
    one = {"__typename": "AuditReport", "id": seeded.reports[0]}
    for count in (500, 2000):  # 2,000 may meet the transport's list cap first
        with counted(client) as statements:
            body = gql(client, ENTITIES, seeded.token, {"representations": [one] * count})
        assert body["data"] is None
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert len(statements) == len(baseline)  # authentication only
    with counted(client) as statements:
        body = gql(client, ENTITIES, seeded.token, {"representations": [one] * 500})
    message = body["errors"][0]["message"]
    assert f"at most {settings.max_entities} per request, got 500" in message
    at_limit = [one] * settings.max_entities
    full = gql(client, ENTITIES, seeded.token, {"representations": at_limit})
    assert "errors" not in full and len(full["data"]["_entities"]) == settings.max_entities


def test_focus_area_entities_resolve_and_refuse_anonymous_callers(
    client: TestClient, world: World
) -> None:
    seeded = seed(world, areas=1, reports_per_area=3)
    query = """query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on FocusArea { id title network { id } reports(first: 2) { totalCount edges { node { id } } } }
    } }"""  # noqa: E501
    reps = {"representations": [{"__typename": "FocusArea", "id": seeded.areas[0]}]}
    body = gql(client, query, seeded.token, reps)
    assert "errors" not in body, body
    [area] = body["data"]["_entities"]
    assert area["title"] == "Area 0" and area["network"] == {"id": seeded.network}
    assert area["reports"]["totalCount"] == 3
    assert [edge["node"]["id"] for edge in area["reports"]["edges"]] == seeded.reports[:2]
    anonymous = gql(client, query, None, reps)
    assert anonymous["data"] == {"_entities": [None]}
    assert [(e["path"], e["extensions"]["code"]) for e in anonymous["errors"]] == [
        (["_entities", 0], "UNAUTHENTICATED")
    ]
