"""`services.key_batches.KeyBatches`: what a DataLoader gave the organisation
views (one statement per event-loop turn, each key read once per request), with
one future per statement."""

from __future__ import annotations

import asyncio

import pytest

from services.key_batches import KeyBatches

ROWS = {"a": "A", "b": "B", "c": "C"}


class Source:
    """The load function, counting its calls (the statements)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, keys: list[str]) -> dict[str, str]:
        self.calls.append(keys)
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the database is gone")
        return {key: ROWS[key] for key in keys if key in ROWS}


def test_callers_of_one_turn_share_one_load_and_get_their_own_keys_in_order() -> None:
    async def run() -> None:
        source = Source()
        batches = KeyBatches(source)
        first, second, one = await asyncio.gather(
            batches.load_many(["b", "a", "b", "x"]),
            batches.load_many(["c"]),
            batches.load("a"),
        )
        assert first == ["B", "A", "B", None]
        assert second == ["C"]
        assert one == "A"
        assert source.calls == [["a", "b", "c", "x"]]

    asyncio.run(run())


def test_a_key_is_read_once_per_request_also_while_its_load_runs() -> None:
    async def run() -> None:
        source = Source()
        batches = KeyBatches(source)
        source.release.clear()
        early = asyncio.ensure_future(batches.load_many(["a", "b"]))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # dispatched, waiting for the database
        late = asyncio.ensure_future(batches.load_many(["b", "c"]))
        await asyncio.sleep(0)
        source.release.set()
        assert await early == ["A", "B"]
        assert await late == ["B", "C"]
        assert await batches.load_many(["a", "c", "x"]) == ["A", "C", None]
        assert source.calls == [["a", "b"], ["c"], ["x"]]

    asyncio.run(run())


def test_primed_keys_are_never_read() -> None:
    async def run() -> None:
        source = Source()
        batches = KeyBatches(source)
        batches.prime("a", "primed")
        assert await batches.load_many(["a", "b"]) == ["primed", "B"]
        assert source.calls == [["b"]]

    asyncio.run(run())


def test_a_failed_load_fails_every_caller_waiting_on_it() -> None:
    async def run() -> None:
        source = Source(fail=True)
        batches = KeyBatches(source)
        results = await asyncio.gather(
            batches.load_many(["a"]), batches.load("b"), return_exceptions=True
        )
        assert [type(result) for result in results] == [RuntimeError, RuntimeError]
        with pytest.raises(RuntimeError):
            await batches.load("a")  # the failure stays with its keys, as in a DataLoader
        assert source.calls == [["a", "b"]]

    asyncio.run(run())


def test_a_cancelled_caller_leaves_the_others_their_answer() -> None:
    async def run() -> None:
        source = Source()
        batches = KeyBatches(source)
        source.release.clear()
        leaving = asyncio.ensure_future(batches.load_many(["a"]))
        staying = asyncio.ensure_future(batches.load_many(["a", "b"]))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        leaving.cancel()
        await asyncio.sleep(0)
        source.release.set()
        assert await staying == ["A", "B"]
        assert leaving.cancelled()
        assert await batches.load("a") == "A"
        assert source.calls == [["a", "b"]]

    asyncio.run(run())


def test_primed_keys_are_never_read_and_answer_as_one_batch() -> None:
    async def run() -> None:
        source = Source()
        batches = KeyBatches(source)
        assert await batches.load("a") == "A"
        batches.prime_many({"a": "stale", "b": "primed B", "y": "primed Y"})
        assert await batches.load_many(["y", "b", "a", "c"]) == ["primed Y", "primed B", "A", "C"]
        assert source.calls == [["a"], ["c"]]  # "a" keeps what was read first
        primed = {id(batches._batch_of(key)) for key in ("b", "y")}
        assert len(primed) == 1

    asyncio.run(run())
