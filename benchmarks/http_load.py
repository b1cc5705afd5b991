"""A load generator for benchmarks/http.py when wrk is not installed.

    python -m benchmarks.http_load URL REQUEST.json --connections 50 --duration 10

REQUEST.json: {"body": "...", "headers": {...}}. It runs in its own process (so
it does not share a core's event loop with a server), keeps `--connections`
requests in flight on as many keep-alive connections for `--duration` seconds,
and prints one JSON line: requests, errors, requests_per_second and latency
percentiles in ms. httpx costs more CPU per request than wrk: prefer wrk
(`apt-get install wrk`) on a machine with few cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx


async def run(
    url: str, body: bytes, headers: dict[str, str], connections: int, duration: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": float(len(latencies)),
        "errors": float(errors),
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p90_ms": cuts[89] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("request", type=Path)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    request = json.loads(args.request.read_text(encoding="utf-8"))
    result = asyncio.run(
        run(args.url, request["body"].encode(), request["headers"], args.connections, args.duration)
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
