"""Bearer tokens: OIDC JWTs (issuer + JWKS) in prod, a local signing key in dev.

A token says who the user is (`email`) and which organisation it acts for
(`org`, an organisation id). It may narrow the roles it acts with (`roles`);
the roles themselves are always read from the database on each request.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from settings import Settings
from storage.private import private_file

DEV_ALGORITHM = "ES256"
OIDC_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]


class AuthenticationError(Exception):
    """The request's credentials cannot be trusted; the message says why."""


@dataclass(frozen=True)
class TokenClaims:
    email: str
    organization_id: str
    roles: frozenset[str] | None  # None: act with every role held


def load_or_create_dev_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The dev signing key; created (mode 0600) on first use so `kjede token` just works."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise AuthenticationError(f"{path} is not an EC private key")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_file(path)
    path.write_bytes(pem)
    return key


def mint_dev_token(
    settings: Settings,
    *,
    email: str,
    organization_id: str,
    roles: list[str] | None = None,
    ttl: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Sign a development token; refused in prod, where an OIDC provider issues tokens."""
    if not settings.is_dev:
        raise AuthenticationError("dev tokens are disabled when KJEDE_ENVIRONMENT=prod")
    issued = now or dt.datetime.now(dt.UTC)
    lifetime = ttl or dt.timedelta(seconds=settings.token_ttl_seconds)
    if lifetime.total_seconds() > settings.max_token_lifetime_seconds:
        raise AuthenticationError(too_long_lived(lifetime.total_seconds(), settings))
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": email,
        "email": email,
        "org": organization_id,
        "iat": issued,
        "exp": issued + lifetime,
    }
    if roles is not None:
        claims["roles"] = sorted(roles)
    key = load_or_create_dev_key(settings.resolved_signing_key_path)
    return jwt.encode(claims, key, algorithm=DEV_ALGORITHM)


def plain_text(value: str) -> bool:
    """No NUL and no lone surrogate: text every database can compare."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def too_long_lived(lifetime: float, settings: Settings) -> str:
    return (
        f"the token lives {lifetime:.0f} seconds (exp - iat); tokens may live "
        f"{settings.max_token_lifetime_seconds} seconds at most"
    )


VERIFIED_TOKENS = 4096
"""Tokens whose claims a verifier keeps (a client sends its token with every request)."""

REVERIFY_SECONDS = 300.0
"""A kept token is verified again after this long, so a signing key withdrawn from
the JWKS stops being honoured within five minutes even for a long-lived token."""


class TokenVerifier:
    """Checks signature, issuer, audience, expiry and lifetime (exp - iat, capped by
    max_token_lifetime_seconds), and extracts `TokenClaims`.

    A token that passed is kept, by its exact text, until it expires or for
    `REVERIFY_SECONDS`, whichever comes first: the next request with it skips the
    signature check (a quarter of a millisecond for ES256). Roles are still read
    from the database on every request; only the token's own checks are kept."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._verified: dict[str, tuple[TokenClaims, float]] = {}
        self._jwks: jwt.PyJWKClient | None = None
        self._dev_public_key: ec.EllipticCurvePublicKey | None = None
        if settings.is_dev:
            key = load_or_create_dev_key(settings.resolved_signing_key_path)
            self._dev_public_key = key.public_key()
        elif settings.token_jwks_url:
            self._jwks = jwt.PyJWKClient(settings.token_jwks_url, cache_keys=True)
        else:
            raise ValueError("KJEDE_TOKEN_JWKS_URL is required when KJEDE_ENVIRONMENT=prod")

    @property
    def may_block(self) -> bool:
        """True when verifying may fetch keys over HTTP (JWKS); a local key never does."""
        return self._jwks is not None

    def verify(self, token: str) -> TokenClaims:
        return self.kept(token) or self._check(token)

    def kept(self, token: str) -> TokenClaims | None:
        """The claims of `token` if it passed before and is still kept (no I/O)."""
        kept = self._verified.get(token)
        if kept is None:
            return None
        claims, until = kept
        if self._clock() < until:
            return claims
        self._verified.pop(token, None)
        return None

    def _check(self, token: str) -> TokenClaims:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = OIDC_ALGORITHMS
            else:
                key = self._dev_public_key
                algorithms = [DEV_ALGORITHM]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._settings.token_issuer,
                audience=self._settings.token_audience,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("token has expired; sign in again") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthenticationError("token signature is invalid") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"token is invalid: {exc}") from exc
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. "exp": 1e400
            raise AuthenticationError("token is invalid") from exc
        try:
            lifetime = float(claims["exp"]) - float(claims["iat"])
        except (ValueError, TypeError) as exc:
            raise AuthenticationError("token is invalid: a time claim is not a number") from exc
        if lifetime > self._settings.max_token_lifetime_seconds:
            raise AuthenticationError(too_long_lived(lifetime, self._settings))
        email = claims.get("email")
        org = claims.get("org")
        if not isinstance(email, str) or not isinstance(org, str):
            raise AuthenticationError("token must carry 'email' and 'org' claims")
        if not (plain_text(email) and plain_text(org)):
            raise AuthenticationError("the 'email' and 'org' claims must be plain text")
        if claims.get("email_verified") is False:
            raise AuthenticationError("the identity provider has not verified this e-mail address")
        roles = claims.get("roles")
        if roles is not None and not (
            isinstance(roles, list) and all(isinstance(role, str) for role in roles)
        ):
            raise AuthenticationError("the 'roles' claim must be a list of role names")
        found = TokenClaims(
            email=email.lower(),
            organization_id=org,
            roles=frozenset(roles) if roles is not None else None,
        )
        self._keep(token, found, float(claims["exp"]))
        return found

    def _keep(self, token: str, claims: TokenClaims, expires: float) -> None:
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()  # simple, and safe beside a JWKS check in a thread
        self._verified[token] = (claims, min(expires, self._clock() + REVERIFY_SECONDS))
