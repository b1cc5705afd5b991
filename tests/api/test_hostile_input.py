"""No input gets a 500: each request that once crashed the API gets a coded 4xx or
BAD_USER_INPUT instead, and the smaller holes stay shut (over the real ASGI app on
SQLite; the database-specific cases run again on PostgreSQL in
tests/integration/test_hostile_input_postgres.py).

Every refusal is JSON, `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import anyio
import jwt
import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.app import Services, create_app
from api.limits import MAX_JSON_DEPTH
from api.tokens import AuthenticationError, load_or_create_dev_key, mint_dev_token
from authz.enforcer import Authorizer
from domain.enums import Role
from settings import Environment, Settings
from storage import db, tenants
from storage.models import Organization
from tests.api.test_documents_api import UPLOAD, published_with_document
from tests.conftest import World, error_codes, gql
from tests.reports_world import ReportsWorld, build_reports_world, create_inspection

SEARCH = "query($t: String) { auditReports(filter: {text: $t}) { totalCount } }"
CREATE = "mutation($input: AuditReportInput!) { createAuditReport(input: $input) { id } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
COUNT = "{ auditReports { totalCount } }"
WITHDRAW = "mutation($id: ID!) { withdrawAuditReport(id: $id) { status } }"
DOCUMENTS = (
    "query($id: ID!) { auditReport(id: $id) { documents { filename isRendition downloadUrl } } }"
)


class BodyMeter:
    """ASGI wrapper counting the request-body bytes the app actually read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@pytest.fixture
def metered(engine: Any, settings: Settings) -> Iterator[tuple[TestClient, BodyMeter]]:
    meter = BodyMeter(create_app(settings, Services.from_settings(settings)))
    with TestClient(meter, raise_server_exceptions=False) as client:
        yield client, meter


def post_raw(
    client: TestClient,
    body: bytes,
    token: str | None = None,
    content_type: str = "application/json",
) -> Any:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/graphql", content=body, headers=headers)


def refused(response: Any, status: int, code: str) -> str:
    """The one coded error of a JSON refusal with `status`; its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert error_codes(body) == [code], body
    message: str = body["errors"][0]["message"]
    return message


def bad_input(body: dict[str, Any]) -> str:
    """The one BAD_USER_INPUT of an operation that executed nothing."""
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body.get("data") is None, body
    message: str = body["errors"][0]["message"]
    return message


def report_count(client: TestClient, token: str) -> int:
    body = gql(client, COUNT, token)
    assert body.get("errors") is None, body
    count: int = body["data"]["auditReports"]["totalCount"]
    return count


def multipart(filename: bytes, content: bytes, variables: dict[str, Any]) -> tuple[bytes, str]:
    """A GraphQL multipart request built by hand, so the file name goes out byte for byte."""
    boundary = "kjede-boundary"
    operations = json.dumps({"query": UPLOAD, "variables": {**variables, "f": None}})
    parts = [
        b'Content-Disposition: form-data; name="operations"\r\n\r\n' + operations.encode(),
        b'Content-Disposition: form-data; name="map"\r\n\r\n' + b'{"0": ["variables.f"]}',
        b'Content-Disposition: form-data; name="0"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content,
    ]
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# The crash inputs -----------------------------------------------------------------


def test_a_lone_surrogate_in_a_string_variable(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    body = b'{"query": "' + SEARCH.encode() + b'", "variables": {"t": "a\\ud800b"}}'
    response = post_raw(client, body, w.tokens["oslo"])
    assert response.status_code == 200
    assert "lone surrogate" in bad_input(response.json())
    before = report_count(client, w.tokens["auditor"])
    create = json.dumps(
        {
            "query": CREATE,
            "variables": {
                "input": {
                    "title": "PLACEHOLDER",
                    "reportType": "SYSTEM_AUDIT",
                    "supplierId": w.supplier,
                    "commissionedById": w.oslo,
                }
            },
        }
    ).replace("PLACEHOLDER", "Inspection \\udfff")
    message = bad_input(post_raw(client, create.encode(), w.tokens["auditor"]).json())
    assert message.startswith("variable $input.title contains a lone surrogate")
    assert report_count(client, w.tokens["auditor"]) == before


def test_a_lone_surrogate_in_a_key_or_a_literal(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    body = (
        b'{"query": "' + ENTITIES.encode() + b'", '
        b'"variables": {"r": [{"__typename": "AuditReport", "id\\ud800": "x"}]}}'
    )
    assert "has a key that contains a lone surrogate" in bad_input(
        post_raw(client, body, w.tokens["oslo"]).json()
    )
    literal = b'{"query": "{ auditReports(filter: {text: \\"\\ud800\\"}) { totalCount } }"}'
    assert error_codes(post_raw(client, literal, w.tokens["oslo"]).json()) == [
        "GRAPHQL_PARSE_FAILED"
    ]


def test_a_body_that_is_not_utf8(metered: tuple[TestClient, BodyMeter], world: World) -> None:
    client, _ = metered
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    for body in [
        b'{"query": "{ me { roles } }", "x": "\xff\xfe"}',
        b'{"query": "\xed\xa0\x80"}',  # a surrogate encoded as if it were a character
    ]:
        assert "not valid UTF-8" in refused(post_raw(client, body, token), 400, "BAD_REQUEST")


def test_json_that_is_not_json(metered: tuple[TestClient, BodyMeter], world: World) -> None:
    client, _ = metered
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    for body in [
        b'{"query": ',
        b'{"query": "{ me { roles } }", "variables": {"n": ' + b"1" * 5000 + b"}}",
        b'{"query": "{ me { roles } }", "variables": [1, 2]}',
        b"[]",
    ]:
        refused(post_raw(client, body, token), 400, "BAD_REQUEST")
    refused(post_raw(client, b"query=x", token, "text/plain"), 400, "BAD_REQUEST")


def test_variables_nested_5000_levels_deep(
    metered: tuple[TestClient, BodyMeter], world: World
) -> None:
    client, _ = metered
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    for opening, closing in [(b"[", b"]"), (b'{"a":', b"}")]:
        deep = opening * 5000 + b"1" + closing * 5000
        body = b'{"query": "' + SEARCH.encode() + b'", "variables": {"t": ' + deep + b"}}"
        assert "nested more than" in refused(post_raw(client, body, token), 400, "BAD_REQUEST")
    # just past the limit is refused the same way; at the limit it reaches GraphQL
    over = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    body = b'{"query": "' + SEARCH.encode() + b'", "variables": {"t": ' + over + b"}}"
    refused(post_raw(client, body, token), 400, "BAD_REQUEST")
    within = b"[" * (MAX_JSON_DEPTH - 3) + b"]" * (MAX_JSON_DEPTH - 3)
    body = b'{"query": "' + SEARCH.encode() + b'", "variables": {"t": ' + within + b"}}"
    assert error_codes(post_raw(client, body, token).json()) == ["BAD_USER_INPUT"]


def test_a_deeply_nested_literal_is_a_parse_error(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    query = "{ auditReports(filter: {text: " + "[" * 900 + '"x"' + "]" * 900 + "}) { totalCount } }"
    assert error_codes(gql(client, query, token)) == ["GRAPHQL_PARSE_FAILED"]


def test_a_nul_in_an_uploads_file_name(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    body, content_type = multipart(b"notes\x00.txt", b"notes", {"r": report_id, "c": "SHARED"})
    response = post_raw(client, body, w.tokens["auditor"], content_type)
    assert response.status_code == 200, response.text
    assert bad_input(response.json()) == (
        "the file name of variable $f contains a NUL character; remove it"
    )
    documents = gql(client, DOCUMENTS, w.tokens["auditor"], {"id": report_id})
    assert documents["data"]["auditReport"]["documents"] == []
    body, content_type = multipart(b"notes.txt", b"plain notes", {"r": report_id, "c": "SHARED"})
    uploaded = post_raw(client, body, w.tokens["auditor"], content_type).json()
    assert uploaded["data"]["uploadDocument"]["filename"] == "notes.txt", uploaded


def test_a_list_longer_than_the_limit(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    limit = world.settings.max_list_length
    token = w.tokens["auditor"]
    create_inspection(client, w)  # engages the auditor
    before = report_count(client, token)
    report = {
        "title": "Too many facilities",
        "reportType": "SYSTEM_AUDIT",
        "supplierId": w.supplier,
        "commissionedById": w.oslo,
    }
    # more than SQLite's (32,766) and PostgreSQL's (65,535) bound parameters
    many = [f"f{index}" for index in range(70_000)]
    body = gql(client, CREATE, token, {"input": {**report, "facilityIds": many}})
    assert bad_input(body) == (f"variable $input.facilityIds has 70000 items; send {limit} at most")
    assert report_count(client, token) == before
    at_limit = gql(client, CREATE, token, {"input": {**report, "facilityIds": many[:limit]}})
    assert at_limit["errors"][0]["extensions"]["field"] == "facilityIds", at_limit
    representations = [{"__typename": "Organization", "id": w.oslo}] * (limit + 1)
    assert bad_input(gql(client, ENTITIES, token, {"r": representations})).startswith(
        "variable $r has"
    )


def test_an_inline_list_longer_than_the_limit(world: World, settings: Settings) -> None:
    strict = settings.model_copy(update={"max_list_length": 3})
    with TestClient(create_app(strict, Services.from_settings(strict))) as client:
        w = build_reports_world(client, world)
        ids = ", ".join(f'"f{index}"' for index in range(4))
        mutation = (
            'mutation { createAuditReport(input: {title: "t", reportType: SYSTEM_AUDIT, '
            f'supplierId: "{w.supplier}", facilityIds: [{ids}]}}) {{ id }} }}'
        )
        assert bad_input(gql(client, mutation, w.tokens["oslo"])) == (
            "argument input.facilityIds of field createAuditReport has 4 items; send 3 at most"
        )


def test_entities_of_every_type_answer_without_a_crash(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    for typename in ["Organization", "Network", "Facility", "AuditReport", "Contract", "FocusArea"]:
        body = gql(client, ENTITIES, w.tokens["oslo"], {"r": [{"__typename": typename, "id": "x"}]})
        assert "INTERNAL_SERVER_ERROR" not in error_codes(body), (typename, body)


@pytest.mark.parametrize(
    ("representation", "problem"),
    [
        ({"__typename": "Nope", "id": "x"}, "must name an entity type"),
        ({"__typename": "Query", "id": "x"}, "must name an entity type"),
        ({"id": "x"}, "must name an entity type"),
        ({"__typename": "Organization"}, "must carry exactly the key fields of Organization: id"),
        ({"__typename": "Organization", "id": "x", "name": "y"}, "must carry exactly"),
        ({"__typename": "Organization", "id": {"a": 1}}, "as an ID"),
        ("Organization:x", "must be an object"),
    ],
)
def test_a_malformed_representation_is_bad_user_input(
    client: TestClient, world: World, representation: object, problem: str
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    message = bad_input(
        gql(client, ENTITIES, token, {"r": [{"__typename": "Network", "id": "n"}, representation]})
    )
    assert message.startswith("variable $r[1] "), message
    assert problem in message
    literal = '{ _entities(representations: [{__typename: "Nope", id: "x"}]) { __typename } }'
    assert bad_input(gql(client, literal, token)).startswith(
        "argument representations[0] of field _entities must name an entity type"
    )


def test_a_value_where_a_file_goes_is_bad_user_input(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    for value in ["not a file", {"filename": "a.txt"}, 7]:
        message = bad_input(gql(client, UPLOAD, token, {"r": report_id, "f": value, "c": "SHARED"}))
        assert message.startswith("variable $f must be a file sent as a multipart upload")
    literal = (
        f'mutation {{ uploadDocument(reportId: "{report_id}", file: "x", classification: SHARED)'
        " { id } }"
    )
    assert "multipart upload" in bad_input(gql(client, literal, token))


# The body cap and uploads ----------------------------------------------------------


def test_the_body_is_capped_while_it_is_read(world: World, settings: Settings) -> None:
    small = settings.model_copy(update={"max_request_bytes": 2000})
    app = create_app(small, Services.from_settings(small))
    meter = BodyMeter(app)
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    big = json.dumps({"query": SEARCH, "variables": {"t": "x" * 5000}}).encode()
    with TestClient(meter, raise_server_exceptions=False) as client:
        # a Content-Length over the cap is refused unread
        assert "2000 bytes" in refused(post_raw(client, big, token), 413, "PAYLOAD_TOO_LARGE")
        assert meter.received == 0
        fits = json.dumps({"query": SEARCH, "variables": {"t": "x" * 100}}).encode()
        assert post_raw(client, fits, token).json()["data"]["auditReports"]["totalCount"] == 0
        lying = client.post("/graphql", content=fits, headers={"Content-Length": "lots"})
        refused(lying, 400, "BAD_REQUEST")
        # without a Content-Length, reading stops at the cap (the TestClient hands a
        # body over whole, so the app is called directly with a chunked receive)
        for extra in [(), ((b"idempotency-key", b"k-1"),)]:  # a key claim reads the body too
            status, pulled = anyio.run(stream_without_length, app, big, token, extra)
            assert status == 413
            assert pulled <= 2000 + 500


async def stream_without_length(
    app: ASGIApp, body: bytes, token: str, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple[int, int]:
    """POST `body` in 500-byte chunks with no Content-Length; (status, bytes the app pulled)."""
    chunks = [body[start : start + 500] for start in range(0, len(body), 500)]
    pulled = 0
    status = 0

    async def receive() -> Message:
        nonlocal pulled
        chunk = chunks.pop(0)
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            *extra,
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return status, pulled


def test_an_upload_is_capped_by_the_upload_limit_plus_overhead(
    world: World, settings: Settings
) -> None:
    small = settings.model_copy(update={"max_request_bytes": 1500, "max_upload_bytes": 3000})
    with TestClient(create_app(small, Services.from_settings(small))) as client:
        w = build_reports_world(client, world)
        report_id = create_inspection(client, w)
        variables = {"r": report_id, "c": "SHARED"}
        body, content_type = multipart(b"a.txt", b"a" * 2500, variables)
        assert 1500 < len(body) < 4500  # more than a JSON body may be, within an upload's cap
        uploaded = post_raw(client, body, w.tokens["auditor"], content_type).json()
        assert uploaded["data"]["uploadDocument"]["size"] == 2500, uploaded
        body, content_type = multipart(b"b.txt", b"b" * 8000, variables)
        refused(post_raw(client, body, w.tokens["auditor"], content_type), 413, "PAYLOAD_TOO_LARGE")


def test_an_upload_without_a_valid_token_is_refused_unread(
    metered: tuple[TestClient, BodyMeter], world: World
) -> None:
    client, meter = metered
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    body, content_type = multipart(b"a.txt", b"a" * 100_000, {"r": "x", "c": "SHARED"})
    for token in [None, "not-a-token"]:
        response = post_raw(client, body, token, content_type)
        refused(response, 401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"] == "Bearer"
    assert meter.received == 0


def test_a_malformed_multipart_body_is_bad_request(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    token = w.tokens["auditor"]
    garbage = "multipart/form-data; boundary=x"
    refused(post_raw(client, b"--x\r\nnonsense", token, garbage), 400, "BAD_REQUEST")
    body, content_type = multipart(b"a.txt", b"a", {"r": "x", "c": "SHARED"})
    not_json = body.replace(b'{"0": ["variables.f"]}', b'{"0": ["variables.f"]')
    refused(post_raw(client, not_json, token, content_type), 400, "BAD_REQUEST")
    not_utf8 = body.replace(b'"query"', b'"qu\xffery"')
    refused(post_raw(client, not_utf8, token, content_type), 400, "BAD_REQUEST")


# Downloads ---------------------------------------------------------------------------


def download_urls(client: TestClient, token: str | None, report_id: str) -> dict[str, str]:
    body = gql(client, DOCUMENTS, token, {"id": report_id})
    assert body.get("errors") is None, body
    return {d["filename"]: d["downloadUrl"] for d in body["data"]["auditReport"]["documents"]}


def original_url(client: TestClient, w: ReportsWorld, report_id: str) -> str:
    return download_urls(client, w.tokens["oslo"], report_id)["inspection.pdf"]


def test_downloads_are_not_cached(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    response = client.get(original_url(client, w, report_id))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    expired = client.get(original_url(client, w, report_id).replace("expires=", "expires=1"))
    refused(expired, 403, "FORBIDDEN")
    assert expired.headers["cache-control"] == "no-store"


def test_a_download_url_dies_with_the_reports_withdrawal(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    member = download_urls(client, w.tokens["bergen"], report_id)
    party = original_url(client, w, report_id)
    assert all(client.get(url).status_code == 200 for url in [*member.values(), party])
    withdrawn = gql(client, WITHDRAW, w.tokens["oslo"], {"id": report_id})
    assert withdrawn["data"]["withdrawAuditReport"]["status"] == "WITHDRAWN", withdrawn
    for url in member.values():  # the network no longer sees the report
        assert "no longer" in refused(client.get(url), 403, "FORBIDDEN")
    # the parties still read the report and its documents, links included, as the API shows
    assert client.get(party).status_code == 200
    assert error_codes(gql(client, DOCUMENTS, w.tokens["bergen"], {"id": report_id})) == [
        "NOT_FOUND"
    ]


def test_a_download_url_dies_with_its_viewers_roles(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    url = original_url(client, w, report_id)
    assert client.get(url).status_code == 200
    with db.transaction(world.factory) as session:
        organization = session.get_one(Organization, w.oslo)
        assert tenants.revoke_user_role(
            session,
            email="innkjop@oslo.no",
            organization=organization,
            role=Role.PROCUREMENT_OFFICER,
        )
    refused(client.get(url), 403, "FORBIDDEN")


def test_a_download_url_is_bound_to_its_viewer(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    url = urlsplit(original_url(client, w, report_id))
    params = dict(parse_qsl(url.query))
    assert params["org"] == w.oslo and params["user"]
    # the signature covers the viewer: it cannot be handed to someone else
    bergen_user = gql(client, "{ me { user { id } } }", w.tokens["bergen"])["data"]["me"]["user"]
    for changed in [
        {"user": bergen_user["id"], "org": w.bergen},
        {"roles": "ADMIN,PROCUREMENT_OFFICER"},
        {"user": "", "org": "", "roles": ""},
    ]:
        forged = f"{url.path}?{urlencode({**params, **changed})}"
        refused(client.get(forged), 403, "FORBIDDEN")


def test_a_download_whose_object_is_gone_is_not_found(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    url = original_url(client, w, report_id)
    objects = client.app.state.services.objects  # type: ignore[attr-defined]
    for tenant in [w.oslo, w.auditor]:
        for stored in list(objects.list(tenant)):
            objects.delete(stored.key)
    refused(client.get(url), 404, "NOT_FOUND")


# The gateway's SDL and the metrics ----------------------------------------------------


def prod_app(settings: Settings, **update: Any) -> Any:
    prod = settings.model_copy(
        update={
            "environment": Environment.PROD,
            "token_jwks_url": "http://127.0.0.1:9/jwks",
            **update,
        }
    )
    return create_app(prod, Services.from_settings(prod))


SDL = {"query": "{ _service { sdl } }"}
ALIASED_SDL = {"query": "query S { ...F } fragment F on Query { schema: _service { sdl } }"}


def test_the_sdl_answers_the_gateway_only_in_prod(engine: Any, settings: Settings) -> None:
    with TestClient(prod_app(settings, gateway_secret="s3cret")) as client:
        for query in [SDL, ALIASED_SDL]:
            for headers in [{}, {"X-Kjede-Gateway-Secret": "wrong"}]:
                body = client.post("/graphql", json=query, headers=headers).json()
                assert error_codes(body) == ["FORBIDDEN"], body
                assert body["data"] is None
        ok = client.post("/graphql", json=SDL, headers={"X-Kjede-Gateway-Secret": "s3cret"})
        assert "type AuditReport" in ok.json()["data"]["_service"]["sdl"]
    with TestClient(prod_app(settings)) as closed:  # no secret set: nobody
        body = closed.post("/graphql", json=SDL, headers={"X-Kjede-Gateway-Secret": ""}).json()
        assert error_codes(body) == ["FORBIDDEN"]


def test_metrics_answer_monitoring_only_in_prod(engine: Any, settings: Settings) -> None:
    with TestClient(prod_app(settings, metrics_secret="m0nitor")) as client:
        refused(client.get("/metrics"), 401, "UNAUTHENTICATED")
        refused(
            client.get("/metrics", headers={"Authorization": "Bearer x"}), 401, "UNAUTHENTICATED"
        )
        ok = client.get("/metrics", headers={"Authorization": "Bearer m0nitor"})
        assert ok.status_code == 200 and "kjede_http_requests" in ok.text
    with TestClient(prod_app(settings)) as closed:
        refused(closed.get("/metrics"), 403, "FORBIDDEN")
    dev = settings.model_copy(update={"metrics_secret": "m0nitor"})
    with TestClient(create_app(dev, Services.from_settings(dev))) as client:
        refused(client.get("/metrics"), 401, "UNAUTHENTICATED")


# Tokens and membership ----------------------------------------------------------------


def test_membership_failures_name_nobody(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.ADMIN)
    for token in [
        world.token("kari@oslo.kommune.no", bergen),  # not a member there
        world.token("nobody@nowhere.no", oslo),  # no such user
        world.token("kari@oslo.kommune.no", "no-such-org"),
    ]:
        response = client.post(
            "/graphql",
            json={"query": "{ me { roles } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        message = refused(response, 401, "UNAUTHENTICATED")
        for name in ["kari", "nobody", "Oslo", "Bergen", "no-such-org", oslo, bergen]:
            assert name not in message


def test_token_lifetime_is_capped(client: TestClient, world: World) -> None:
    settings = world.settings
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    cap = settings.max_token_lifetime_seconds
    with pytest.raises(AuthenticationError, match="at most"):
        mint_dev_token(
            settings,
            email="kari@oslo.kommune.no",
            organization_id=oslo,
            ttl=dt.timedelta(seconds=cap + 1),
        )
    key = load_or_create_dev_key(settings.resolved_signing_key_path)
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "email": "kari@oslo.kommune.no",
        "org": oslo,
    }

    def answer(extra: dict[str, Any]) -> Any:
        token = jwt.encode({**claims, **extra}, key, algorithm="ES256")
        return client.post(
            "/graphql",
            json={"query": "{ me { roles } }"},
            headers={"Authorization": f"Bearer {token}"},
        )

    long_lived = answer({"iat": now, "exp": now + dt.timedelta(seconds=cap + 60)})
    assert "at most" in refused(long_lived, 401, "UNAUTHENTICATED")
    refused(answer({"exp": now + dt.timedelta(minutes=5)}), 401, "UNAUTHENTICATED")  # no iat
    ok = answer({"iat": now, "exp": now + dt.timedelta(seconds=cap)})
    assert ok.json()["data"]["me"]["roles"] == ["VIEWER"]


# The embedded data directory ----------------------------------------------------------


def test_the_data_directory_is_private(tmp_path: Path) -> None:
    fresh = Settings(data_dir=tmp_path / "fresh" / "data")
    fresh_world = World(db.make_engine(fresh.resolved_database_url), fresh)
    db.upgrade(fresh_world.engine)
    Authorizer(fresh_world.engine).seed_default_policies()
    with TestClient(create_app(fresh, Services.from_settings(fresh))) as client:
        w = build_reports_world(client, fresh_world)
        report_id = create_inspection(client, w)
        body, content_type = multipart(b"a.txt", b"notes", {"r": report_id, "c": "SHARED"})
        assert post_raw(client, body, w.tokens["auditor"], content_type).json().get("data")
        fresh_world.engine.dispose()

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    data = fresh.data_dir
    directories = [data.parent, data, *[p for p in data.rglob("*") if p.is_dir()]]
    files = [p for p in data.rglob("*") if p.is_file()]
    assert fresh.object_dir in directories
    assert {p.name for p in files} >= {"kjede.sqlite3", "dev-signing-key.pem", "url-signing-secret"}
    assert any(p.parent.parent == fresh.object_dir for p in files)  # an object
    for directory in directories:
        assert mode(directory) == 0o700, directory
    for file in files:
        assert mode(file) == 0o600, file


def test_list_arguments_can_document_their_maximum(settings: Settings) -> None:
    from schema.app_schema import build_schema
    from schema.input_guard import describe_list_arguments

    schema = build_schema(settings)._schema
    describe_list_arguments(schema, 1000)
    describe_list_arguments(schema, 1000)  # idempotent
    report_input = schema.get_type("AuditReportInput")
    assert report_input.fields["facilityIds"].description == "At most 1000 items."  # type: ignore[union-attr]
    entities = schema.query_type.fields["_entities"]  # type: ignore[union-attr]
    assert entities.args["representations"].description == "At most 1000 items."
    assert report_input.fields["title"].description is None  # type: ignore[union-attr]
