"""A call that outlives the database deadline leaves the session to close quietly.

A frozen database stalls a commit: the request answers UNAVAILABLE at the
deadline while the commit still runs in the background. Closing the session
then must not raise (SQLAlchemy refuses to close a session whose commit is in
progress), or the outage turns into a `text/plain` 500.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.util import await_only

from storage.db import SerialSession, make_async_engine

STALL_SECONDS = 0.5
DEADLINE_SECONDS = 0.05


def test_a_stalled_commit_times_out_and_the_session_closes_quietly(tmp_path: Path) -> None:
    engine = make_async_engine(f"sqlite:///{tmp_path / 'stall.db'}")

    async def frozen_server() -> None:
        # A driver waiting on a frozen server does not end at once when cancelled.
        try:
            await asyncio.sleep(STALL_SECONDS)
        except asyncio.CancelledError:
            await asyncio.sleep(STALL_SECONDS)
            raise

    def stall(_connection: object) -> None:
        await_only(frozen_server())

    event.listen(engine.sync_engine, "commit", stall)

    async def scenario() -> None:
        connection = await engine.connect()  # as a request's RequestConnection holds one
        session = SerialSession(bind=connection, deadline=DEADLINE_SECONDS)
        await session.execute(text("SELECT 1"))
        with pytest.raises(TimeoutError):
            await session.commit()
        assert session.stalled
        await session.rollback()
        await session.close()  # raised IllegalStateChangeError: commit() in progress
        await asyncio.sleep(2 * STALL_SECONDS)  # the stalled commit ends in the background
        await connection.close()
        await engine.dispose()

    asyncio.run(scenario())
