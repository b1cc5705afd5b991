"""A verified token is kept by its exact text until it expires (or for
`REVERIFY_SECONDS`): the next request with it skips the signature check, and
nothing about an expired, altered or other token is answered from what was kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
import pytest

from api.tokens import REVERIFY_SECONDS, AuthenticationError, TokenVerifier, mint_dev_token
from settings import Environment, Settings


class Clock:
    """The verifier's clock: the real time when made, then moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment=Environment.DEV, data_dir=tmp_path, database_url="sqlite://")


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token whose signature is checked."""
    checked: list[str] = []
    decode = jwt.decode

    def counting(token: str, *args: object, **kwargs: object) -> object:
        checked.append(token)
        return decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting)
    return checked


def token(settings: Settings, ttl_minutes: int = 60, email: str = "kari@oslo.kommune.no") -> str:
    return mint_dev_token(
        settings,
        email=email,
        organization_id="oslo",
        now=dt.datetime.now(dt.UTC),
        ttl=dt.timedelta(minutes=ttl_minutes),
    )


def test_a_token_is_checked_once_then_kept(settings: Settings, decodes: list[str]) -> None:
    verifier = TokenVerifier(settings)
    first = token(settings)
    claims = [verifier.verify(first) for _ in range(3)]
    assert claims[0].email == "kari@oslo.kommune.no" and claims.count(claims[0]) == 3
    assert decodes == [first]
    other = token(settings, email="ola@oslo.kommune.no")
    assert verifier.verify(other).email == "ola@oslo.kommune.no"
    assert decodes == [first, other]


def test_a_kept_token_is_not_answered_past_its_expiry(
    settings: Settings, decodes: list[str]
) -> None:
    verifier = TokenVerifier(settings, clock=(clock := Clock()))
    short = token(settings, ttl_minutes=2)
    verifier.verify(short)
    clock.now += 60
    verifier.verify(short)
    assert decodes == [short]
    clock.now += 61  # past `exp` by the verifier's clock: checked in full again
    verifier.verify(short)  # (PyJWT reads the real clock, on which it is still valid)
    assert decodes == [short, short]


def test_a_kept_token_is_checked_again_after_reverify_seconds(
    settings: Settings, decodes: list[str]
) -> None:
    verifier = TokenVerifier(settings, clock=(clock := Clock()))
    long_lived = token(settings, ttl_minutes=600)
    verifier.verify(long_lived)
    clock.now += REVERIFY_SECONDS - 1
    verifier.verify(long_lived)
    assert len(decodes) == 1
    clock.now += 2
    verifier.verify(long_lived)
    assert len(decodes) == 2


def test_an_altered_token_is_never_answered_from_what_was_kept(
    settings: Settings, decodes: list[str]
) -> None:
    verifier = TokenVerifier(settings)
    good = token(settings)
    verifier.verify(good)
    head, body, signature = good.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    with pytest.raises(AuthenticationError, match="signature"):
        verifier.verify(forged)
    assert decodes == [good, forged]
