"""Parsing and validation are cached across requests: a repeated document misses
once, then hits (validation rules are built once per schema, schema/app_schema.py)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.testclient import TestClient
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from domain.enums import Role
from schema.app_schema import DOCUMENT_CACHE_SIZE
from tests.conftest import World, gql


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
