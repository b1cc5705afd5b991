"""Opaque, time-ordered identifiers (UUIDv7, RFC 9562).

Time order lets keyset pagination sort by id alone and keeps B-tree inserts
local; ids stay opaque strings compared only by equality in authorization.
"""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> str:
    """Return a fresh UUIDv7 as its canonical 36-character string."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a: 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b: 62 bits
    return str(uuid.UUID(int=value))
