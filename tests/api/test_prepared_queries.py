"""The fast path for prepared queries (api/prepared.py) answers exactly what
strawberry's view answers, logs the same reads, and refuses what the view
refuses: two apps on one database, one with `prepared_queries` off, the
response cache off in both (or repeats would never execute)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from api import prepared
from api.app import Services, create_app
from domain.enums import Role
from schema.app_schema import DOCUMENT_CACHE_SIZE, build_schema
from settings import Environment, Settings
from tests.api.test_compiled_execution import (
    BY_ID,
    FRAGMENTS,
    LISTING,
    SEARCH,
    VIEWERS,
    a_world,
    last_seq,
    read_events,
    unsigned,
)
from tests.conftest import World, error_codes

ME = "{ me { user { email } organization { name } roles } }"
NAMED = "query Mine { me { roles } } query Kind { __typename }"
ORGANIZATIONS = "query($n: Int) { organizations(first: $n) { edges { node { id name } } } }"


def app_client(settings: Settings, **update: Any) -> TestClient:
    changed = settings.model_copy(update={"response_cache_entries": 0, **update})
    return TestClient(create_app(changed, Services.from_settings(changed)))


@pytest.fixture
def fast(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with app_client(settings) as test_client:
        yield test_client


@pytest.fixture
def normal(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The same database behind strawberry's view for every request."""
    with app_client(settings, prepared_queries=False) as test_client:
        yield test_client


def post(
    client: TestClient,
    query: str,
    token: str | None,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> tuple[int, Any]:
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation_name is not None:
        payload["operationName"] = operation_name
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json=payload, headers=headers)
    return response.status_code, response.json()


def test_the_fast_path_answers_and_logs_what_the_view_does(
    fast: TestClient, normal: TestClient, world: World, engine: Engine
) -> None:
    w, report_ids = a_world(fast, world)
    # Clean ones first, so the documents of the later errors are prepared already.
    operations: list[tuple[str, dict[str, Any], str | None]] = [
        (ME, {}, None),
        (LISTING, {"first": 50}, None),
        (LISTING, {"first": 1}, None),
        (FRAGMENTS, {}, None),
        (SEARCH, {"text": "margin"}, None),  # a RESTRICTED field: logged for parties only
        *((BY_ID, {"id": report_id}, None) for report_id in report_ids),  # last: NOT_FOUND
        (NAMED, {}, "Mine"),
        (NAMED, {}, "Kind"),
        (LISTING, {"first": 1, "after": "bm90IGEgY3Vyc29y"}, None),  # not a cursor
        (LISTING, {"first": 100_000}, None),  # over the maximum page
        (LISTING, {"first": "many"}, None),  # not an Int: priced at the maximum, too costly
        (BY_ID, {"id": ["a", "b"]}, None),  # not an ID: graphql-core's coercion error
        (LISTING, {"first": 1, "unknown": 1}, None),
        (SEARCH, {"text": "nul\x00"}, None),  # the input guard's, on the normal path
        (NAMED, {}, None),  # two operations, none named
        (NAMED, {}, "Other"),
    ]
    before = prepared.served.fast
    compared = 0
    for viewer in VIEWERS:
        token = w.tokens[viewer] if viewer else None
        for query, variables, name in operations:
            where = f"{viewer}: {query.split('{')[0].strip() or query[:40]} {variables} {name}"
            seq = last_seq(engine)
            expected = post(normal, query, token, variables, name)
            expected_events = read_events(engine, seq)
            for _ in range(2):  # the first may prepare the document, the second uses it
                seq = last_seq(engine)
                got = post(fast, query, token, variables, name)
                assert read_events(engine, seq) == expected_events, where
                assert (got[0], unsigned(got[1])) == (expected[0], unsigned(expected[1])), where
            compared += 1
    assert compared == len(VIEWERS) * len(operations)
    # Most repeats took the fast path: every clean document, and the errors of
    # prepared documents (resolvers' and graphql-core's own).
    assert prepared.served.fast - before >= len(VIEWERS) * 12
    # The comparison covered what it claims: errors and logged reads.
    oslo = w.tokens["oslo"]
    before = prepared.served.fast
    status, bad = post(fast, BY_ID, oslo, {"id": ["a", "b"]})
    assert status == 200 and error_codes(bad) == ["BAD_USER_INPUT"], bad
    assert prepared.served.fast == before + 1
    seq = last_seq(engine)
    post(fast, SEARCH, oslo, {"text": "margin"})
    assert any(event[0] == "read_restricted" for event in read_events(engine, seq))


def test_a_prepared_document_still_refuses_what_a_request_sends(
    fast: TestClient, normal: TestClient, world: World, settings: Settings
) -> None:
    """The guard and the cost limit judge every request's variables: a document
    prepared with harmless ones is refused with others, exactly as the view does."""
    org = world.org("Region Refusals")
    token = world.user("refusals@example.org", org, Role.VIEWER)
    search = "query($t: String) { auditReports(filter: { text: $t }) { totalCount } }"
    assert "errors" not in post(fast, search, token, {"t": "gloves"})[1]
    assert "errors" not in post(fast, ORGANIZATIONS, token, {"n": 2})[1]
    before = prepared.served.fast
    nul = {"t": "bad\x00text"}
    refused = post(fast, search, token, nul)
    assert refused == post(normal, search, token, nul)
    assert error_codes(refused[1]) == ["BAD_USER_INPUT"] and "$t" in str(refused[1]), refused
    assert prepared.served.fast == before, "the input guard's refusal took the fast path"
    # A page over the maximum is the resolver's refusal: the fast path runs it.
    page = {"n": settings.max_page_size + 1}
    over = post(fast, ORGANIZATIONS, token, page)
    assert over == post(normal, ORGANIZATIONS, token, page)
    assert error_codes(over[1]) == ["BAD_USER_INPUT"], over
    assert prepared.served.fast == before + 1
    tight = {"max_query_cost": 5}
    with (
        app_client(settings, **tight) as small,
        app_client(settings, prepared_queries=False, **tight) as plain,
    ):
        assert "errors" not in post(small, ORGANIZATIONS, token, {"n": 2})[1]
        two = post(small, ORGANIZATIONS, token, {"n": 2})
        assert two == post(plain, ORGANIZATIONS, token, {"n": 2})
        before = prepared.served.fast
        costly = post(small, ORGANIZATIONS, token, {"n": 3})
        assert costly == post(plain, ORGANIZATIONS, token, {"n": 3})
        assert error_codes(costly[1]) == ["QUERY_TOO_COSTLY"], costly
        assert prepared.served.fast == before, "the costly request took the fast path"
        assert post(small, ORGANIZATIONS, token, {"n": 1})[0] == 200
        assert prepared.served.fast == before + 1


def test_a_repeat_is_neither_parsed_nor_validated_again(fast: TestClient, world: World) -> None:
    org = world.org("Region Repeats")
    token = world.user("repeats@example.org", org, Role.VIEWER)
    query = f"query Q_{uuid.uuid4().hex} {{ me {{ user {{ email }} }} }}"
    parsed, validated = (
        _get_parse_cache(DOCUMENT_CACHE_SIZE),
        _get_validate_cache(DOCUMENT_CACHE_SIZE),
    )
    first = post(fast, query, token)
    assert "errors" not in first[1], first
    counts = (parsed.cache_info(), validated.cache_info())
    before = prepared.served.fast
    for _ in range(3):
        assert post(fast, query, token) == first
    assert prepared.served.fast - before == 3
    assert (parsed.cache_info(), validated.cache_info()) == counts


def test_an_answer_of_the_fast_path_is_kept_by_the_response_cache(
    client: TestClient, world: World
) -> None:
    """`Context.clean_query` is set as NoteCleanQuery sets it: the fast path's
    clean answer is stored, and served again from the response cache."""
    org = world.org("Region Kept")
    token = world.user("kept@example.org", org, Role.VIEWER)
    assert post(client, ORGANIZATIONS, token, {"n": 1})[0] == 200  # prepares it
    before = prepared.served.fast
    first = post(client, ORGANIZATIONS, token, {"n": 2})
    assert prepared.served.fast == before + 1 and "errors" not in first[1], first
    assert post(client, ORGANIZATIONS, token, {"n": 2}) == first
    assert prepared.served.fast == before + 1, "not answered from the response cache"


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_fast_path_is_on_only_while_it_reproduces_every_extension(
    settings: Settings, environment: str
) -> None:
    configured = settings.model_copy(update={"environment": Environment(environment)})
    assert prepared.reproduces(build_schema(configured))

    class Another(SchemaExtension):
        pass

    schema = build_schema(configured)
    schema.extensions = [*schema.extensions, Another]
    assert not prepared.reproduces(schema), "a new extension would be skipped"


@pytest.mark.parametrize(
    ("query", "name", "kept"),
    [
        (ME, None, True),
        (NAMED, "Mine", True),
        ("mutation { __typename }", None, False),
        ("{ _service { sdl } }", None, False),  # the gateway's only: judged per request
        ("{ _entities(representations: []) { __typename } }", None, False),
        ('{ auditReports(filter: { text: "a" }) { totalCount } }', None, True),
    ],
)
def test_which_documents_are_prepared(
    fast: TestClient, query: str, name: str | None, kept: bool
) -> None:
    endpoint = next(
        route.endpoint.__self__  # type: ignore[attr-defined]
        for route in fast.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "") == "/graphql" and hasattr(route.endpoint, "__self__")
    )
    queries: prepared.PreparedQueries = endpoint.prepared
    payload = {"query": query, "operationName": name}
    queries.learn(payload)
    assert (queries.documents[prepared.document_key(payload)] is not None) is kept
    assert (queries.operation(payload) is not None) is kept


def test_an_error_raised_through_the_fast_path_is_shaped_and_masked(
    fast: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = world.org("Region Faults")
    token = world.user("faults@example.org", org, Role.VIEWER)
    assert "errors" not in post(fast, ME, token)[1]

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(prepared, "execute", broken)
    status, body = post(fast, ME, token)
    assert status == 200 and body["data"] is None
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"], body
    assert "secret" not in str(body)
