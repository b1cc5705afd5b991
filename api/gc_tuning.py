"""The cyclic garbage collector, tuned for a request server.

A request allocates tens of thousands of short-lived containers (rows, disclosed
values, response dicts); with CPython's default first threshold (700) the youngest
generation is collected dozens of times per listing request, and each survivor
promoted early makes the older generations' passes longer. Freezing what start-up
imported keeps it out of every later pass. The thresholds were chosen with
`python -m benchmarks.report_listing --gc-sweep` (docs/benchmarks.md, "Listing"):
a larger first threshold cuts the collector's share of a listing request without
letting memory grow unbounded (reference counting frees nearly everything; the
collector only finds cycles).
"""

from __future__ import annotations

import gc

GC_THRESHOLDS: tuple[int, int, int] = (50_000, 20, 20)


def tune_gc() -> None:
    """Collect once, freeze what survived start-up, then set the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
