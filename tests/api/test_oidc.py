"""Prod mode: tokens are OIDC JWTs checked against the issuer's JWKS, served over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import Role
from settings import Environment, Settings
from tests.conftest import World, error_codes, gql

ISSUER = "https://login.example.no/realms/kjede"


@pytest.fixture
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A real HTTP server publishing the identity provider's public key."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()


def oidc_token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": ISSUER,
        "aud": "kjede",
        "sub": "f3c1",
        "email": "kari@oslo.kommune.no",
        "iat": now,
        "exp": now + dt.timedelta(minutes=5),
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


def test_prod_verifies_oidc_tokens_against_the_jwks(
    world: World, settings: Settings, jwks_url: str, signing_key: rsa.RSAPrivateKey
) -> None:
    oslo = world.org("Oslo kommune")
    world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER)
    prod = settings.model_copy(
        update={
            "environment": Environment.PROD,
            "token_issuer": ISSUER,
            "token_jwks_url": jwks_url,
        }
    )
    with TestClient(create_app(prod, Services.from_settings(prod))) as client:
        me = gql(client, "{ me { user { email } roles } }", oidc_token(signing_key, org=oslo))
        assert me["data"]["me"] == {
            "user": {"email": "kari@oslo.kommune.no"},
            "roles": ["PROCUREMENT_OFFICER"],
        }
        wrong_issuer = oidc_token(signing_key, org=oslo, iss="https://evil.example")
        assert error_codes(gql(client, "{ me { roles } }", wrong_issuer)) == ["UNAUTHENTICATED"]
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = oidc_token(other_key, org=oslo)
        assert error_codes(gql(client, "{ me { roles } }", forged)) == ["UNAUTHENTICATED"]
        dev_token = world.token("kari@oslo.kommune.no", oslo)  # signed by the dev key
        assert error_codes(gql(client, "{ me { roles } }", dev_token)) == ["UNAUTHENTICATED"]
