"""services/self_report_feed.unbroken: a poll is never cut off mid-way by a
listener who leaves (a unit of work cancelled inside a database call could hand
its connection back to the pool inside a transaction)."""

from __future__ import annotations

import asyncio

import pytest

from services.self_report_feed import unbroken


def test_a_cancelled_caller_leaves_the_call_to_finish() -> None:
    steps: list[str] = []

    async def unit_of_work() -> str:
        steps.append("begun")
        await asyncio.sleep(0.05)
        steps.append("closed")
        return "done"

    async def scenario() -> None:
        caller = asyncio.ensure_future(unbroken(unit_of_work()))
        await asyncio.sleep(0.01)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller  # the cancellation reaches the caller at once
        assert steps == ["begun"]
        await asyncio.sleep(0.1)
        assert steps == ["begun", "closed"]  # while the unit of work ran to its end

    asyncio.run(scenario())


def test_the_answer_and_errors_reach_a_caller_that_stays() -> None:
    async def fails() -> None:
        raise ValueError("no database")

    async def answers() -> int:
        return 7

    assert asyncio.run(unbroken(answers())) == 7
    with pytest.raises(ValueError, match="no database"):
        asyncio.run(unbroken(fails()))
