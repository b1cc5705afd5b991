"""Unstorable text is refused before execution, and every error carries the right code.

Over the real ASGI app on SQLite; the NUL case on a real PostgreSQL, where such a
string would otherwise reach the driver and fail the request, is in
tests/integration/test_input_guard_postgres.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import Role
from schema.errors import INTERNAL_MESSAGE, shape_error
from schema.input_guard import MAX_STRING_LENGTH
from settings import Settings
from tests.conftest import World, error_codes, gql

SEARCH = "query($t: String) { auditReports(filter: {text: $t}) { totalCount } }"
CREATE = "mutation($input: NetworkInput!) { createNetwork(input: $input) { id name } }"
COUNT = "{ networks { totalCount } }"


def officer(world: World) -> str:
    oslo = world.org("Oslo kommune")
    return world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER, Role.VIEWER)


def rejected(body: dict[str, Any]) -> str:
    """The one BAD_USER_INPUT message of a response that executed nothing."""
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body.get("data") is None, body
    message: str = body["errors"][0]["message"]
    return message


def network_count(client: TestClient, token: str) -> int:
    body = gql(client, COUNT, token)
    assert body.get("errors") is None, body
    count: int = body["data"]["networks"]["totalCount"]
    return count


def test_nul_in_a_variable_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    message = rejected(gql(client, SEARCH, token, {"t": "a\x00b"}))
    assert message == "variable $t contains a NUL character; remove it"


def test_nul_nested_in_an_input_variable_writes_nothing(client: TestClient, world: World) -> None:
    token = officer(world)
    before = network_count(client, token)
    body = gql(client, CREATE, token, {"input": {"name": "a\x00", "kind": "FRAMEWORK_AGREEMENT"}})
    assert rejected(body) == "variable $input.name contains a NUL character; remove it"
    assert network_count(client, token) == before


def test_every_variable_sent_is_checked_with_its_path(client: TestClient, world: World) -> None:
    token = officer(world)
    body = gql(client, SEARCH, token, {"t": "ok", "extra": {"deep": [["x", "\x00"]]}})
    assert rejected(body) == "variable $extra.deep[0][1] contains a NUL character; remove it"


def test_nul_in_an_inline_literal_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    before = network_count(client, token)
    create = (
        'mutation { createNetwork(input: {name: "a\\u0000", kind: FRAMEWORK_AGREEMENT}) { id } }'
    )
    body = gql(client, create, token)
    assert rejected(body) == (
        "argument input.name of field createNetwork contains a NUL character; remove it"
    )
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 40}]
    assert network_count(client, token) == before


def test_nul_in_a_block_string_literal_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    search = '{ auditReports(filter: {text: """a\x00b"""}) { totalCount } }'
    assert rejected(gql(client, search, token)) == (
        "argument filter.text of field auditReports contains a NUL character; remove it"
    )


def test_nul_in_a_variable_default_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    search = 'query($t: String = "\\u0000") { auditReports(filter: {text: $t}) { totalCount } }'
    assert rejected(gql(client, search, token)) == (
        "default value of $t contains a NUL character; remove it"
    )


def test_an_overlong_string_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    before = network_count(client, token)
    name = "x" * (MAX_STRING_LENGTH + 1)
    body = gql(client, CREATE, token, {"input": {"name": name, "kind": "FRAMEWORK_AGREEMENT"}})
    message = rejected(body)
    assert message.startswith("variable $input.name is 100001 characters long")
    assert name not in message
    assert network_count(client, token) == before


def test_an_overlong_inline_literal_is_bad_user_input(client: TestClient, world: World) -> None:
    token = officer(world)
    search = (
        f'{{ auditReports(filter: {{text: "{"y" * (MAX_STRING_LENGTH + 1)}"}}) {{ totalCount }} }}'
    )
    assert rejected(gql(client, search, token)).startswith(
        "argument filter.text of field auditReports is 100001 characters long"
    )


def test_ordinary_text_passes(client: TestClient, world: World) -> None:
    token = officer(world)
    body = gql(client, SEARCH, token, {"t": "hansker\ttab og ÆØÅ"})
    assert body.get("errors") is None, body
    assert body["data"]["auditReports"]["totalCount"] == 0
    at_limit = gql(client, SEARCH, token, {"t": "z" * MAX_STRING_LENGTH})
    # past the guard; the search's own, tighter limit answers, naming its field
    assert at_limit["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.text"}
    created = gql(
        client, CREATE, token, {"input": {"name": "Hansker", "kind": "FRAMEWORK_AGREEMENT"}}
    )
    assert created.get("errors") is None, created
    assert network_count(client, token) == 1


def test_unused_variable_is_validation_failed(client: TestClient, world: World) -> None:
    body = gql(client, "query($s: String) { me { roles } }", officer(world))
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "never used" in body["errors"][0]["message"]


def test_wrong_variable_type_is_bad_user_input(client: TestClient, world: World) -> None:
    query = "query($n: Int) { networks(first: $n) { totalCount } }"
    body = gql(client, query, officer(world), {"n": "x"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith("Variable '$n' has invalid value")


def test_missing_required_variable_is_bad_user_input(client: TestClient, world: World) -> None:
    query = "query($n: Int!) { networks(first: $n) { totalCount } }"
    assert error_codes(gql(client, query, officer(world))) == ["BAD_USER_INPUT"]


def test_invalid_input_object_variable_is_bad_user_input(client: TestClient, world: World) -> None:
    body = gql(client, CREATE, officer(world), {"input": {"name": "x"}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "required field 'kind'" in body["errors"][0]["message"]


def test_syntax_error_is_parse_failed(client: TestClient, world: World) -> None:
    body = gql(client, "{ networks(first: ) { totalCount } }", officer(world))
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert body["errors"][0]["message"].startswith("Syntax Error")


def test_unknown_field_is_validation_failed(client: TestClient, world: World) -> None:
    body = gql(client, "{ networks { nope } }", officer(world))
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_wrong_inline_literal_fails_validation(client: TestClient, world: World) -> None:
    """As in Apollo: a literal is part of the document, so validation refuses it."""
    body = gql(client, '{ networks(first: "x") { totalCount } }', officer(world))
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_token_limit_is_validation_failed(world: World, settings: Settings) -> None:
    strict = settings.model_copy(update={"max_tokens": 20})
    token = officer(world)
    with TestClient(create_app(strict, Services.from_settings(strict))) as client:
        body = gql(client, "{ " + " ".join(["me { roles }"] * 10) + " }", token)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_graphql_errors_raised_while_executing_are_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """graphql-core refusing our own result (no original error, or only its own) is a
    server bug: masked for the client, logged for us."""
    bare = GraphQLError("Cannot return null for non-nullable field Query.me.", path=["me"])
    wrapped = GraphQLError(
        "Expected Iterable, but did not find one for field Query.networks.",
        path=["networks"],
        original_error=GraphQLError("Expected Iterable"),
    )
    for error in [bare, wrapped]:
        shaped = shape_error(error)
        assert shaped.message == INTERNAL_MESSAGE
        assert shaped.extensions == {"code": "INTERNAL_SERVER_ERROR"}
        assert shaped.path == error.path
    assert "Cannot return null" in caplog.text


def test_argument_coercion_during_execution_is_bad_user_input() -> None:
    error = GraphQLError(
        "Argument 'first' has invalid value: Int cannot represent non-integer value: 'x'",
        path=["networks"],
        original_error=GraphQLError("Int cannot represent non-integer value: 'x'"),
    )
    assert shape_error(error).extensions == {"code": "BAD_USER_INPUT"}
