"""Sign-in with an OpenID Connect provider (ID-porten, Entra ID, ...): the
authorisation code flow with PKCE (S256), state and nonce (authlib).

`/auth/oidc/login` keeps state, nonce and the code verifier in a short-lived,
HMAC-signed, HttpOnly cookie and sends the browser to the provider;
`/auth/oidc/callback` checks the state, redeems the code with the verifier,
verifies the ID token (signature by the provider's JWKS, issuer, audience,
expiry, nonce) and signs the user in by its verified e-mail address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from web.config import WebConfig

FLOW_COOKIE = "kjede_oidc"
FLOW_SECONDS = 600


class SignInFailed(Exception):
    """The provider's answer cannot be trusted; the message says why."""


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    next: str
    started: int


def _key(secret: bytes) -> bytes:
    return hashlib.sha256(b"kjede-web-oidc\x00" + secret).digest()


def seal(flow: Flow, secret: bytes) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(flow.__dict__).encode()).decode()
    mac = hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def unseal(value: str | None, secret: bytes, now: float | None = None) -> Flow:
    if not value or "." not in value:
        raise SignInFailed("the sign-in was not started in this browser; start it again")
    payload, _, mac = value.rpartition(".")
    expected = hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise SignInFailed("the sign-in cookie has been altered; start again")
    try:
        flow = Flow(**json.loads(base64.urlsafe_b64decode(payload.encode())))
    except (ValueError, TypeError) as exc:
        raise SignInFailed("the sign-in cookie is unreadable; start again") from exc
    if (now or time.time()) - flow.started > FLOW_SECONDS:
        raise SignInFailed("the sign-in took too long; start it again")
    return flow


@dataclass
class Provider:
    """One configured provider; `transport` lets a test put a fake IdP in-process."""

    config: WebConfig
    transport: httpx.AsyncBaseTransport | None = None
    _metadata: dict[str, Any] | None = field(default=None, repr=False)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=10.0)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with self.client() as client:
                response = await client.get(url)
            response.raise_for_status()
            self._metadata = dict(response.json())
        return self._metadata

    async def start(self, redirect_uri: str, next_path: str) -> tuple[str, Flow]:
        """The provider's authorisation URL and the flow to keep in the cookie."""
        metadata = await self.metadata()
        flow = Flow(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
            next=next_path,
            started=int(time.time()),
        )
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            client_id=self.config.oidc_client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.config.oidc_scopes,
            state=flow.state,
            nonce=flow.nonce,
            code_challenge=create_s256_code_challenge(flow.verifier),
            code_challenge_method="S256",
        )
        return url, flow

    async def finish(
        self, flow: Flow, state: str | None, code: str | None, redirect_uri: str
    ) -> str:
        """Redeem the code; returns the verified e-mail address of the user."""
        if not state or not hmac.compare_digest(state, flow.state):
            raise SignInFailed("the provider answered another sign-in (state mismatch)")
        if not code:
            raise SignInFailed("the provider sent no authorisation code")
        metadata = await self.metadata()
        async with self.client() as client:
            response = await client.post(
                metadata["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": flow.verifier,
                    "client_id": self.config.oidc_client_id,
                },
                auth=(self.config.oidc_client_id, self.config.oidc_client_secret),
            )
            if response.status_code != 200:
                raise SignInFailed(f"the provider refused the code ({response.status_code})")
            id_token = response.json().get("id_token")
            jwks = (await client.get(metadata["jwks_uri"])).json()
        if not isinstance(id_token, str):
            raise SignInFailed("the provider sent no ID token")
        return self.verify_id_token(id_token, jwks, metadata, flow.nonce)

    def verify_id_token(
        self, id_token: str, jwks: dict[str, Any], metadata: dict[str, Any], nonce: str
    ) -> str:
        try:
            header = jwt.get_unverified_header(id_token)
            keys = jwt.PyJWKSet.from_dict(jwks)
            key = next(
                (item for item in keys.keys if item.key_id == header.get("kid")), keys.keys[0]
            )
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "PS256", "EdDSA"],
                audience=self.config.oidc_client_id,
                issuer=metadata.get("issuer", self.config.oidc_issuer),
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except (jwt.PyJWTError, IndexError, ValueError) as exc:
            raise SignInFailed(f"the ID token is invalid: {exc}") from exc
        if not hmac.compare_digest(str(claims.get("nonce")), nonce):
            raise SignInFailed("the ID token answers another sign-in (nonce mismatch)")
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is False:
            raise SignInFailed("the provider did not give a verified e-mail address")
        return email.lower()
