"""Prod sign-in: OIDC authorisation code with PKCE against a tiny in-process
identity provider. The provider checks the PKCE verifier against the challenge
and signs ID tokens with its own key (JWKS); kjede checks state, nonce, issuer,
audience and signature, then signs the user in by its verified e-mail."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from api.app import Services
from api.auth import principal_by_id
from domain.enums import Role
from schema.app_schema import build_schema
from settings import Settings
from tests.conftest import World
from web import Backend, web_routes
from web.config import WebConfig

ISSUER = "https://idp.test"
CLIENT_ID = "kjede-web"
CLIENT_SECRET = "s3cret"
EMAIL = "kari@oslo.kommune.no"


@dataclass
class FakeIdP:
    """Issues codes for whoever the test says signed in; redeems them once."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    nonce_override: str | None = None

    def authorize(self, url: str, email: str) -> str:
        """The user signs in at the provider: returns the code for the callback."""
        params = {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}
        assert params["response_type"] == "code"
        assert params["client_id"] == CLIENT_ID
        assert params["code_challenge_method"] == "S256"
        assert "openid" in params["scope"].split()
        code = f"code-{len(self.codes)}"
        self.codes[code] = {
            "challenge": params["code_challenge"],
            "nonce": params["nonce"],
            "redirect_uri": params["redirect_uri"],
            "email": email,
        }
        return code

    def app(self) -> Starlette:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))

        async def metadata(_: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                }
            )

        async def jwks(_: Request) -> Response:
            return JSONResponse({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})

        async def token(request: Request) -> Response:
            form = await request.form()
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.codes.pop(str(form.get("code")), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            verifier = str(form.get("code_verifier", ""))
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if challenge != grant["challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            id_token = jwt.encode(
                {
                    "iss": ISSUER,
                    "aud": CLIENT_ID,
                    "sub": "user-1",
                    "email": grant["email"],
                    "email_verified": True,
                    "nonce": self.nonce_override or grant["nonce"],
                    "iat": now,
                    "exp": now + 300,
                },
                self.key,
                algorithm="RS256",
                headers={"kid": "k1"},
            )
            return JSONResponse(
                {"access_token": "at", "token_type": "Bearer", "id_token": id_token}
            )

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", metadata),
                Route("/jwks", jwks),
                Route("/token", token, methods=["POST"]),
            ]
        )


@pytest.fixture
def idp() -> FakeIdP:
    return FakeIdP()


@pytest.fixture
def web_client(
    engine: object, settings: Settings, world: World, idp: FakeIdP
) -> Iterator[TestClient]:
    oslo = world.org("Oslo kommune")
    world.user(EMAIL, oslo, Role.PROCUREMENT_OFFICER)
    services = Services.from_settings(settings)
    config = WebConfig(
        oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET
    )
    backend = Backend.of(services, build_schema(settings), principal_by_id, config)
    assert backend.oidc is not None
    backend.oidc.transport = httpx.ASGITransport(app=idp.app())
    with TestClient(Starlette(routes=web_routes(backend))) as client:
        yield client


def start(client: TestClient) -> str:
    response = client.get("/auth/oidc/login?next=/reports", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{ISSUER}/authorize?")
    return location


def callback(client: TestClient, location: str, code: str) -> Any:
    state = parse_qs(urlparse(location).query)["state"][0]
    return client.get(f"/auth/oidc/callback?code={code}&state={state}", follow_redirects=False)


def test_code_flow_with_pkce_signs_the_user_in(web_client: TestClient, idp: FakeIdP) -> None:
    assert "/auth/oidc/login" in web_client.get("/signin").text
    location = start(web_client)
    response = callback(web_client, location, idp.authorize(location, EMAIL))
    assert response.status_code == 303 and response.headers["location"] == "/reports"
    assert web_client.cookies.get("kjede_session")
    home = web_client.get("/", headers={"accept-language": "en"})
    assert home.status_code == 200 and f"Signed in as {EMAIL}" in home.text


def test_a_code_from_another_sign_in_fails_the_pkce_check(
    web_client: TestClient, idp: FakeIdP, settings: Settings
) -> None:
    victim = start(web_client)
    stolen = idp.authorize(victim, EMAIL)
    attacker = TestClient(web_client.app)
    attacker_location = start(attacker)
    # The attacker's browser presents the stolen code with its own state and verifier.
    response = callback(attacker, attacker_location, stolen)
    assert response.status_code == 400
    assert "refused the code" in response.text
    assert attacker.cookies.get("kjede_session") is None


def test_a_wrong_state_or_nonce_is_refused(web_client: TestClient, idp: FakeIdP) -> None:
    location = start(web_client)
    code = idp.authorize(location, EMAIL)
    response = web_client.get(
        f"/auth/oidc/callback?code={code}&state=forged", follow_redirects=False
    )
    assert response.status_code == 400 and "state mismatch" in response.text
    assert web_client.cookies.get("kjede_session") is None

    idp.nonce_override = "replayed"
    location = start(web_client)
    response = callback(web_client, location, idp.authorize(location, EMAIL))
    assert response.status_code == 400 and "nonce mismatch" in response.text
    assert web_client.cookies.get("kjede_session") is None


def test_a_callback_without_the_sign_in_cookie_is_refused(
    web_client: TestClient, idp: FakeIdP
) -> None:
    location = start(web_client)
    code = idp.authorize(location, EMAIL)
    stranger = TestClient(web_client.app)
    response = callback(stranger, location, code)
    assert response.status_code == 400 and "not started in this browser" in response.text


def test_a_provider_user_without_a_role_gets_no_session(
    web_client: TestClient, idp: FakeIdP
) -> None:
    location = start(web_client)
    response = callback(web_client, location, idp.authorize(location, "nobody@example.org"))
    assert response.status_code == 403
    assert web_client.cookies.get("kjede_session") is None
