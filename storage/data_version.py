"""The data version (migration 0010): one counter that every committed change to
the data advances, in the same transaction, whoever makes it (triggers on every
table but the audit log). Reading it first thing in a request tells what the
request's answer can depend on: an answer computed at one version is valid for
any later request that reads the same version, in this process or another."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DataVersion

CURRENT = select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery()
"""The version as a column another statement can carry (authentication does), so
reading it costs no round trip of its own."""

_VERSION = select(CURRENT)


async def read(session: AsyncSession) -> int:
    """The current version, in the session's transaction."""
    return int((await session.execute(_VERSION)).scalar_one())
