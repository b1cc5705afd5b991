"""Opaque, time-ordered identifiers (UUIDv7, RFC 9562).

Time order lets keyset pagination sort by id alone ("oldest first") and keeps
B-tree inserts local; ids stay opaque strings compared only by equality in
authorization. The 12 `rand_a` bits carry sub-millisecond time and a counter
(RFC 9562 §6.2, method 3), so ids made in one process are strictly increasing.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def new_id() -> str:
    """Return a fresh UUIDv7 as its canonical 36-character string."""
    global _last
    now = time.time_ns()
    unix_ms = now // 1_000_000
    sub_ms = ((now % 1_000_000) * 4096) // 1_000_000  # 12 bits of sub-millisecond time
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    with _lock:
        stamp = max((unix_ms << 12) | sub_ms, _last + 1)  # never go backwards
        _last = stamp
    value = (stamp >> 12) << 80
    value |= 0x7 << 76  # version
    value |= (stamp & 0xFFF) << 64  # rand_a: sub-millisecond time / counter
    value |= 0b10 << 62  # variant
    value |= rand_b
    return str(uuid.UUID(int=value))
