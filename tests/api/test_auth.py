"""Authentication and the error contract over the real ASGI app (SQLite)."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.testclient import TestClient
from strawberry.dataloader import DataLoader

from api.app import Services, create_app
from api.tokens import mint_dev_token
from domain.enums import Role
from services import loaders
from settings import Environment, Settings
from storage import db, tenants
from storage.models import Organization
from tests.conftest import World, error_codes, gql

ME = "{ me { user { email } organization { name kind } roles } }"


def test_me_answers_for_a_dev_token(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER, Role.VIEWER)
    body = gql(client, ME, token)
    assert body["data"]["me"] == {
        "user": {"email": "kari@oslo.kommune.no"},
        "organization": {"name": "Oslo kommune", "kind": "PUBLIC_BODY"},
        "roles": ["PROCUREMENT_OFFICER", "VIEWER"],
    }


def test_token_narrowed_to_one_role_acts_with_that_role_only(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER, Role.VIEWER)
    token = world.token("kari@oslo.kommune.no", oslo, roles=["VIEWER"])
    assert gql(client, ME, token)["data"]["me"]["roles"] == ["VIEWER"]


def test_missing_token_is_unauthenticated(client: TestClient, world: World) -> None:
    body = gql(client, ME)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "Bearer" in body["errors"][0]["message"]


def test_bad_signature_is_unauthenticated(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    forged = jwt.encode(
        {
            "iss": world.settings.token_issuer,
            "aud": world.settings.token_audience,
            "email": "kari@oslo.kommune.no",
            "org": oslo,
            "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        },
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
    )
    response = client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert "signature" in response.json()["errors"][0]["message"]


def test_expired_token_is_unauthenticated(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    expired = mint_dev_token(
        world.settings,
        email="kari@oslo.kommune.no",
        organization_id=oslo,
        now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
        ttl=dt.timedelta(hours=1),
    )
    body = gql(client, ME, expired)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


def test_token_for_unknown_organisation_is_unauthenticated(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    body = gql(client, ME, world.token("kari@oslo.kommune.no", "no-such-org"))
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "not registered" in body["errors"][0]["message"]


def test_token_for_organisation_user_is_not_member_of(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.ADMIN)
    body = gql(client, ME, world.token("kari@oslo.kommune.no", bergen))
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_malformed_authorization_header(client: TestClient, world: World) -> None:
    response = client.post("/graphql", json={"query": ME}, headers={"Authorization": "Basic x"})
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_revoked_role_stops_working_at_once(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.ADMIN, Role.VIEWER)
    create = (
        'mutation { createNetwork(input: {name: "Rammeavtale", kind: FRAMEWORK_AGREEMENT}) { id } }'
    )
    assert gql(client, create, token)["data"]["createNetwork"]["id"]
    with db.transaction(world.factory) as session:
        organization = session.get_one(Organization, oslo)
        assert tenants.revoke_user_role(
            session, email="kari@oslo.kommune.no", organization=organization, role=Role.ADMIN
        )
    assert error_codes(gql(client, create, token)) == ["FORBIDDEN"]
    assert gql(client, ME, token)["data"]["me"]["roles"] == ["VIEWER"]


def test_wrong_role_is_forbidden_and_names_the_roles_that_would_do(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("vera@oslo.kommune.no", oslo, Role.VIEWER)
    body = gql(
        client,
        'mutation { createNetwork(input: {name: "X", kind: FRAMEWORK_AGREEMENT}) { id } }',
        token,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert "PROCUREMENT_OFFICER" in body["errors"][0]["message"]


def test_internal_errors_are_masked(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)

    async def broken(_: list[str]) -> list[object]:
        raise RuntimeError("secret connection string postgres://u:p@db")

    original = loaders.Loaders.forget

    def patched(self: loaders.Loaders) -> None:
        original(self)
        # Uncached, so the row primed by authentication does not stand in for it.
        self.user = DataLoader(load_fn=broken, cache=False)  # type: ignore[assignment]

    monkeypatch.setattr(loaders.Loaders, "forget", patched)
    body = gql(client, "{ me { user { email } } }", token)
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "secret" not in str(body)


def test_no_field_suggestions(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    body = gql(client, "{ me { organisation { name } } }", token)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in body["errors"][0]["message"]


def test_alias_token_and_depth_limits(world: World, settings: Settings) -> None:
    strict = settings.model_copy(update={"max_query_depth": 3, "max_aliases": 2, "max_tokens": 60})
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    with TestClient(create_app(strict, Services.from_settings(strict))) as client:
        assert gql(client, "{ a: me { roles } b: me { roles } }", token)["data"]
        too_many = gql(client, "{ a: me { roles } b: me { roles } c: me { roles } }", token)
        assert "aliases" in too_many["errors"][0]["message"]
        too_deep = gql(client, "{ networks { edges { node { lead { id } } } } }", token)
        assert "exceeds maximum operation depth" in too_deep["errors"][0]["message"]
        long_query = "{ " + " ".join(["me { roles }"] * 20) + " }"
        assert "token" in gql(client, long_query, token)["errors"][0]["message"].lower()


def test_introspection_and_graphiql_only_in_dev(world: World, settings: Settings) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    query = "{ __schema { queryType { name } } }"
    with TestClient(create_app(settings, Services.from_settings(settings))) as dev:
        assert gql(dev, query, token)["data"]["__schema"]["queryType"]["name"] == "Query"
        assert "graphiql" in dev.get("/graphql", headers={"Accept": "text/html"}).text.lower()
    prod = settings.model_copy(
        update={
            "environment": Environment.PROD,
            "token_jwks_url": "http://127.0.0.1:9/jwks",
            "gateway_secret": "gateway-only",
        }
    )
    with TestClient(create_app(prod, Services.from_settings(prod))) as client:
        body = gql(client, query)
        assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
        assert "introspection" in body["errors"][0]["message"].lower()
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        # the SDL answers the gateway only (tests/api/test_hostile_input.py)
        response = client.post(
            "/graphql",
            json={"query": "{ _service { sdl } }"},
            headers={"X-Kjede-Gateway-Secret": "gateway-only"},
        )
        assert '@key(fields: "id")' in response.json()["data"]["_service"]["sdl"]


def test_health_readiness_and_metrics(client: TestClient, world: World) -> None:
    assert client.get("/healthz").text == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "database": "ok", "objectStore": "ok"}
    gql(client, ME)
    metrics = client.get("/metrics").text
    assert 'kjede_http_requests_total{route="/graphql",status="200"} 1.0' in metrics
    assert "kjede_http_request_duration_seconds_bucket" in metrics


def test_readiness_fails_when_the_object_store_is_unwritable(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(client.app.state.services.objects, "check", broken)  # type: ignore[attr-defined]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["objectStore"] == "failed: OSError"
