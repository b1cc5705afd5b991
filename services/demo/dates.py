"""Date arithmetic shared by the demo and benchmark worlds."""

from __future__ import annotations

import datetime as dt


def utc_at(day: dt.date, hour: int) -> dt.datetime:
    """`day` at `hour` o'clock, UTC: when the worlds' signatures and verifications fall."""
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)
