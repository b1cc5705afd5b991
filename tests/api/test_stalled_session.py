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


@pytest.mark.parametrize("deadline", [5.0, None])
def test_a_call_whose_caller_was_cancelled_keeps_the_session_until_it_ends(
    tmp_path: Path, deadline: float | None
) -> None:
    """A subscriber hangs up while its event is read: the reading task is cancelled
    mid-call. The session (not safe for concurrent use) must stay that call's until
    it ended; the next call used to start at once, beside it."""
    engine = make_async_engine(f"sqlite:///{tmp_path / 'cancel.db'}")
    events: list[str] = []

    def slow_read(_session: object) -> None:
        events.append("first call begins")
        try:
            await_only(asyncio.sleep(STALL_SECONDS))
        finally:
            events.append("first call ends")

    def next_read(_session: object) -> None:
        events.append("next call begins")

    async def scenario() -> None:
        connection = await engine.connect()
        session = SerialSession(bind=connection, deadline=deadline)
        reading = asyncio.ensure_future(session.run_sync(slow_read))
        await asyncio.sleep(DEADLINE_SECONDS)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        await session.run_sync(next_read)
        await session.close()
        await connection.close()
        await engine.dispose()

    asyncio.run(scenario())
    assert events == ["first call begins", "first call ends", "next call begins"]
