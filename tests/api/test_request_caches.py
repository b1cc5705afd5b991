"""Parsing and validation are cached across requests: a repeated document misses
once, then hits (validation rules are built once per schema, schema/app_schema.py).
The response cache and the prepared-query fast path (api/prepared.py, tested in
test_prepared_queries.py) are off here, or a repeat would not be parsed at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import DocumentNode, GraphQLSchema
from sqlalchemy import Engine
from starlette.testclient import TestClient
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from api.app import Services, create_app
from domain.enums import Role
from schema import input_guard
from schema.app_schema import DOCUMENT_CACHE_SIZE
from settings import Settings
from tests.conftest import World, error_codes, gql


@pytest.fixture
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    uncached = settings.model_copy(update={"response_cache_entries": 0, "prepared_queries": False})
    with TestClient(create_app(uncached, Services.from_settings(uncached))) as test_client:
        yield test_client


def counts() -> tuple[int, int, int, int]:
    parsed = _get_parse_cache(DOCUMENT_CACHE_SIZE).cache_info()
    validated = _get_validate_cache(DOCUMENT_CACHE_SIZE).cache_info()
    return parsed.hits, parsed.misses, validated.hits, validated.misses


def test_a_repeated_query_misses_once_then_hits(client: TestClient, world: World) -> None:
    org = world.org("Region Hits")
    token = world.user("hits@example.org", org, Role.VIEWER)
    # A document no other test sends: the first request must miss both caches.
    query = f"query Q_{uuid.uuid4().hex} {{ me {{ user {{ email }} }} }}"
    before = counts()
    first: dict[str, Any] = gql(client, query, token)
    after_first = counts()
    assert not first.get("errors"), first
    assert first["data"]["me"]["user"]["email"] == "hits@example.org"
    assert after_first[1] - before[1] == 1, "parsing: the first request misses"
    assert after_first[3] - before[3] == 1, "validation: the first request misses"
    for _ in range(3):
        assert gql(client, query, token) == first
    after = counts()
    assert after[0] - after_first[0] == 3, "parsing: every repeat hits"
    assert after[2] - after_first[2] == 3, "validation: every repeat hits"
    assert (after[1], after[3]) == (after_first[1], after_first[3]), "no further misses"


def test_the_input_guard_walks_a_document_once(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the guard learns of the document alone is kept with the parsed document;
    the variables, which differ per request, are still checked every time."""
    org = world.org("Region Walks")
    token = world.user("walks@example.org", org, Role.VIEWER)
    walks: list[DocumentNode] = []
    facts_of = input_guard.DocumentFacts.of

    def counted(document: DocumentNode, schema: GraphQLSchema, max_items: int) -> Any:
        walks.append(document)
        return facts_of(document, schema, max_items)

    monkeypatch.setattr(input_guard.DocumentFacts, "of", counted)
    name = f"Q_{uuid.uuid4().hex}"
    query = f"query {name}($t: String) {{ auditReports(filter: {{ text: $t }}) {{ totalCount }} }}"
    first = gql(client, query, token, {"t": "gloves"})
    assert not first.get("errors"), first
    assert gql(client, query, token, {"t": "gloves"}) == first
    refused = gql(client, query, token, {"t": "bad\x00text"})
    assert error_codes(refused) == ["BAD_USER_INPUT"], refused
    assert "$t" in refused["errors"][0]["message"]
    assert len(walks) == 1, "the document was walked again"
