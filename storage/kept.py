"""`Kept`: values made once from an object (a policy's rules, a row filter, a
statement) and found again while that object is the one asked about.

SQLAlchemy statements are immutable, so one built for a viewer's row filter, or
a page of it, can serve every later request with the same filter: the request
does not build it again, and SQLAlchemy computes its cache key once. Keys hold
`id()`s of those objects; each entry keeps its object alive, so an id cannot be
reused for another object while the entry lasts, and a lookup answers only when
the object it was made from is the one the caller holds."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most `size` values (the oldest goes first), by key and source object."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: dict[Hashable, tuple[object, V]] = {}

    def get(self, key: Hashable, source: object) -> V | None:
        found = self._kept.get(key)
        if found is not None and found[0] is source:
            return found[1]
        return None

    def put(self, key: Hashable, source: object, value: V) -> V:
        if key not in self._kept and len(self._kept) >= self._size:
            self._kept.pop(next(iter(self._kept)))  # the oldest
        self._kept[key] = (source, value)
        return value
