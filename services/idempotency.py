"""`Idempotency-Key`: a retried mutation returns the first response instead of
doing its work twice.

The key's row (user, key, request hash) is written inside the mutation's own
write transaction, so it commits exactly when the mutation's effects commit and
vanishes with them on a rollback. The response is stored right after the
response is built, in a second short transaction. Failure window: a process that
dies between the two leaves a key whose effects are committed but whose response
is not stored; a retry then gets CONFLICT (not a second execution) until the key
expires (`Settings.idempotency_key_ttl_seconds`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, InvalidInput
from services.scope import Scope
from settings import Settings
from storage import models
from storage.db import write_transaction

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


@dataclass
class Claim:
    """A request that may run: its key is not in use (or has expired)."""

    user_id: str
    key: str
    request_hash: str
    reserved: bool = False  # its row was added inside a mutation's transaction


@dataclass(frozen=True)
class Replay:
    """The stored response of the first request with this key and body."""

    status_code: int
    body: str


def request_hash(method: str, path: str, content_type: str | None, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), (content_type or "").encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(body)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(HEADER, f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    return key


def _expired(row: models.IdempotencyKey, settings: Settings) -> bool:
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=dt.UTC)
    return created < models.utcnow() - dt.timedelta(seconds=settings.idempotency_key_ttl_seconds)


async def _row(session: AsyncSession, user_id: str, key: str) -> models.IdempotencyKey | None:
    row: models.IdempotencyKey | None = await session.scalar(
        select(models.IdempotencyKey)
        .where(models.IdempotencyKey.user_id == user_id, models.IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )
    return row


async def look_up(
    session: AsyncSession, settings: Settings, user_id: str, key: str, hashed: str
) -> Claim | Replay:
    """The stored response for a retry; a Claim for a key not (or no longer) in use;
    CONFLICT for the key sent with another request, or one still being answered."""
    row = await _row(session, user_id, check_key(key))
    if row is None or _expired(row, settings):
        return Claim(user_id, key, hashed)
    return _replay(row, hashed)


def _replay(row: models.IdempotencyKey, hashed: str) -> Replay:
    if row.request_hash != hashed:
        raise Conflict(f"{HEADER} {row.key!r} was used with another request")
    if row.response_body is None or row.status_code is None:
        raise Conflict(
            f"a request with {HEADER} {row.key!r} is still being answered, or its "
            "effects committed without a stored response; it is not run again"
        )
    return Replay(row.status_code, row.response_body)


async def reserve(scope: Scope, claim: Claim) -> None:
    """Inside a mutation's write transaction: write the key's row with the
    mutation's effects. A concurrent request with the same key wins or waits
    here (SQLite: the write lock; PostgreSQL: the primary key), the other gets
    CONFLICT."""
    session = scope.session
    cutoff = models.utcnow() - dt.timedelta(seconds=scope.settings.idempotency_key_ttl_seconds)
    await session.execute(
        delete(models.IdempotencyKey).where(models.IdempotencyKey.created_at < cutoff)
    )
    row = await _row(session, claim.user_id, claim.key)
    if row is not None:
        if claim.reserved and row.request_hash == claim.request_hash:
            return  # an earlier mutation of this operation committed it
        _replay(row, claim.request_hash)  # raises: another request holds the key
        raise Conflict(f"{HEADER} {claim.key!r} was answered by another request")
    session.add(
        models.IdempotencyKey(user_id=claim.user_id, key=claim.key, request_hash=claim.request_hash)
    )
    await session.flush()
    claim.reserved = True


async def record(session: AsyncSession, claim: Claim, status_code: int, body: bytes) -> None:
    """Store the response for retries (no-op when no mutation committed the key)."""
    if not claim.reserved:
        return
    async with write_transaction(session):
        await session.execute(
            update(models.IdempotencyKey)
            .where(
                models.IdempotencyKey.user_id == claim.user_id,
                models.IdempotencyKey.key == claim.key,
                models.IdempotencyKey.request_hash == claim.request_hash,
                models.IdempotencyKey.response_body.is_(None),
            )
            .values(status_code=status_code, response_body=body.decode("utf-8"))
        )
        await session.commit()
