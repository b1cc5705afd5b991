"""`KeyBatches`: a per-request loader for callers that want many keys at once.

A DataLoader gives every key its own future and `load_many` gathers them: for a
page's hundred suppliers that is a hundred futures, a gather and two event-loop
callbacks per key, which cost more CPU than the statement that reads them.
`KeyBatches` keeps what the DataLoader is used for (the callers of one event-loop
turn share one statement; a key read once in a request is not read again, also
while its statement is still running) with one future per statement instead:
each key remembers the future of the batch it was read in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Generic, TypeVar

ValueT = TypeVar("ValueT")

Found = Mapping[str, ValueT]


class KeyBatches(Generic[ValueT]):
    """`load(keys)` answers the values found for the keys it is given (a key not
    found is absent). A failed statement fails every caller waiting on it, and
    its keys keep the failure for the rest of the request, as with a DataLoader."""

    def __init__(self, load: Callable[[list[str]], Awaitable[Found[ValueT]]]) -> None:
        self._load = load
        self._batches: dict[str, asyncio.Future[Found[ValueT]]] = {}
        self._pending: tuple[set[str], asyncio.Future[Found[ValueT]]] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def load_many(self, keys: Sequence[str]) -> list[ValueT | None]:
        """The value of each key, in order; None where there is none."""
        batches = {id(batch): batch for batch in map(self._batch_of, keys)}
        found: dict[str, ValueT] = {}
        for batch in batches.values():
            # Shielded: a caller cancelled while waiting must not cancel the batch
            # the other callers (and later ones, by the keys) wait for.
            found.update(await asyncio.shield(batch))
        return [found.get(key) for key in keys]

    async def load(self, key: str) -> ValueT | None:
        return (await self.load_many([key]))[0]

    def prime(self, key: str, value: ValueT) -> None:
        """Known already (e.g. the signed-in organisation): never read."""
        self.prime_many({key: value})

    def prime_many(self, found: Found[ValueT]) -> None:
        """Known already (e.g. a page's suppliers, read with the page): never read,
        and answered as one batch. A key read or primed before keeps its value."""
        fresh = {key: value for key, value in found.items() if key not in self._batches}
        if not fresh:
            return
        known: asyncio.Future[Found[ValueT]] = asyncio.get_running_loop().create_future()
        known.set_result(fresh)
        for key in fresh:
            self._batches[key] = known

    def _batch_of(self, key: str) -> asyncio.Future[Found[ValueT]]:
        batch = self._batches.get(key)
        if batch is not None:
            return batch
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = (set(), loop.create_future())
            # After the callers already scheduled for this turn have asked, as a
            # DataLoader dispatches its batch.
            loop.call_soon(self._dispatch)
        wanted, batch = self._pending
        wanted.add(key)
        self._batches[key] = batch
        return batch

    def _dispatch(self) -> None:
        assert self._pending is not None
        wanted, batch = self._pending
        self._pending = None
        task = asyncio.ensure_future(self._read(sorted(wanted), batch))
        self._running.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._running.discard)

    async def _read(self, wanted: list[str], batch: asyncio.Future[Found[ValueT]]) -> None:
        try:
            found = await self._load(wanted)
        except Exception as error:
            batch.set_exception(error)
            batch.exception()  # its callers raise it; none left waiting is no error to log
        else:
            batch.set_result(found)
