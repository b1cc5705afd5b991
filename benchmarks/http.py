"""HTTP throughput and latency under load: `kjede serve --workers N` against a
plain Starlette endpoint, side by side in one run.

    .venv/bin/python -m benchmarks.http                        # SQLite, workers = cores
    .venv/bin/python -m benchmarks.http --workers 2 --duration 15 --connections 50
    .venv/bin/python -m benchmarks.http --database-url postgresql+psycopg://...  # EMPTY database

1. Seeds the demo world (`kjede demo`'s seed and publish path) in a temporary
   data directory (or the empty database named) and mints a token for Oslo's
   procurement officer.
2. Starts two servers as subprocesses with the same environment and `--workers`:
   - **kjede**: `kjede serve --workers N`, the real command;
   - **baseline**: `python -m benchmarks.http_baseline --workers N`, a plain
     Starlette endpoint doing the same authentication (token check and the
     membership statement) and returning the same JSON, under the same
     supervisor (api/workers.py: a listening socket per worker).
   Both answers are checked to be equal before any load.
3. Load comes from a separate process: wrk (`--latency`, a Lua script for the
   POST) when it is on PATH, else benchmarks/http_load.py (httpx). It runs
   `--connections` concurrent clients on loopback for `--duration` seconds per
   measurement, interleaved baseline / me / listing for `--rounds` rounds after
   a warm-up, so load from elsewhere hits all alike.
4. Prints requests/s and latency (p50/p90/p99) per path, the ratio of `me` to
   the baseline (goal ≥ 50 %), whether `me`'s p99 is within 300 ms, and the
   listing's (`auditReports(first: 20)` with supplier and findings) requests/s
   per core used. Also the servers' CPU per request (user + system time of the
   server and its workers, from /proc, over each measurement): on a machine
   shared with other work, throughput swings with their load, while CPU per
   request hardly does, so its ratio shows what the code costs.

kjede's response cache is off by default here (`--response-cache on` keeps it):
with it, every repeat of `me` is answered from the cache, not by GraphQL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.cli import default_workers

ME = "{ me { user { email } organization { name } roles } }"
LISTING = (
    "{ auditReports(first: 20) { totalCount edges { node { id title status "
    "supplier { name } findings { severity requirement } } } } }"
)
USER = "innkjop@oslo.kommune.no"
ME_SHARE_GOAL = 0.5
P99_GOAL_MS = 300.0
STARTUP_SECONDS = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(env: dict[str, str]) -> str:
    """Migrate, seed and publish the demo world; a token for Oslo's buyer."""
    code = (
        "import sys\n"
        "from api.cli import prepare_database, publish_demo_reports\n"
        "from api.tokens import mint_dev_token\n"
        "from services.demo import seed_demo\n"
        "from settings import Settings\n"
        "from storage import db\n"
        "settings = Settings()\n"
        "engine = db.make_engine(settings.resolved_database_url)\n"
        "prepare_database(engine)\n"
        "with db.transaction(db.make_session_factory(engine)) as session:\n"
        "    world = seed_demo(session)\n"
        "publish_demo_reports(settings, world)\n"
        f"user = next(u for u in world.users if u.email == {USER!r})\n"
        "print(mint_dev_token(settings, email=user.email, organization_id=user.org_id,"
        " roles=[user.role.value], ttl=None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"seeding failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def group_cpu_seconds(group: int) -> float | None:
    """User + system CPU time of every live process in a process group (a server
    and its workers), from /proc; None where there is none."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:  # pgrp; then utime, stime at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass(frozen=True)
class Server:
    url: str
    group: int  # the process group of the server and its workers


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[Server]:
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command[0]} exited:\n{log.read_text()[-3000:]}")
            try:
                httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=2.0)
                break
            except httpx.HTTPError as exc:
                if time.monotonic() > deadline:
                    message = f"{command} did not start:\n{log.read_text()[-3000:]}"
                    raise SystemExit(message) from exc
                time.sleep(0.2)
        yield Server(f"{base}/graphql", process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wrk_load(
    url: str, body: str, token: str, connections: int, duration: float, work: Path
) -> dict[str, float]:
    script = work / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n',
        encoding="utf-8",
    )
    threads = max(1, min(2, connections))
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            raise SystemExit(f"wrk printed no {label}% latency:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: .*timeout (\d+)", out)
    return {
        "requests": float(total.group(1)) if total else 0.0,
        "errors": float(non2xx.group(1) if non2xx else 0)
        + float(socket_errors.group(1) if socket_errors else 0),
        "requests_per_second": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p90_ms": latency("90"),
        "p99_ms": latency("99"),
    }


def python_load(
    url: str, body: str, token: str, connections: int, duration: float, work: Path
) -> dict[str, float]:
    request = work / "request.json"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request.write_text(json.dumps({"body": body, "headers": headers}), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.http_load",
            url,
            str(request),
            "--connections",
            str(connections),
            "--duration",
            str(duration),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def answer(url: str, query: str, token: str) -> object:
    response = httpx.post(
        url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )
    return response.json()


def median_of(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="default: kjede serve's"
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per path")
    parser.add_argument("--database-url", help="an EMPTY database (default: SQLite, temporary)")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--response-cache",
        choices=["off", "on"],
        default="off",
        help="kjede's response cache (api/response_cache.py); off by default, so every "
        "request runs GraphQL (on, `me` and the listing are answered from the cache)",
    )
    parser.add_argument(
        "--prepared-queries",
        choices=["on", "off"],
        default="on",
        help="kjede's fast path for prepared queries (api/prepared.py); off: every "
        "request goes through strawberry's view",
    )
    args = parser.parse_args(argv)
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    load = wrk_load if use_wrk else python_load
    cores = min(args.workers, default_workers())

    with tempfile.TemporaryDirectory(prefix="kjede-http-") as directory:
        work = Path(directory)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KJEDE_")}
        env.update({"KJEDE_DATA_DIR": str(work / "data"), "KJEDE_ENVIRONMENT": "dev"})
        if args.database_url:
            env["KJEDE_DATABASE_URL"] = args.database_url
        if args.response_cache == "off":
            env["KJEDE_RESPONSE_CACHE_ENTRIES"] = "0"
        if args.prepared_queries == "off":
            env["KJEDE_PREPARED_QUERIES"] = "false"
        env["PYTHONPATH"] = os.pathsep.join([str(Path.cwd()), env.get("PYTHONPATH", "")])
        token = seed(env)
        kjede = [
            str(Path(sys.executable).parent / "kjede"),
            "serve",
            "--workers",
            str(args.workers),
            "--host",
            "127.0.0.1",
        ]
        baseline = [
            *(sys.executable, "-m", "benchmarks.http_baseline"),
            *("--workers", str(args.workers), "--host", "127.0.0.1"),
        ]
        kjede_port, baseline_port = free_port(), free_port()
        with (
            server([*kjede, "--port", str(kjede_port)], env, kjede_port, work / "kjede.log") as api,
            server(
                [*baseline, "--port", str(baseline_port)], env, baseline_port, work / "baseline.log"
            ) as plain,
        ):
            expected, got = answer(plain.url, ME, token), answer(api.url, ME, token)
            if expected != got:
                print(f"answers differ:\n baseline {expected}\n kjede    {got}")
                return 1
            listing = answer(api.url, LISTING, token)
            if not isinstance(listing, dict) or "errors" in listing:
                print(f"the listing failed: {listing}")
                return 1
            paths = {
                "baseline": (plain, json.dumps({"query": ME})),
                "me": (api, json.dumps({"query": ME})),
                "listing": (api, json.dumps({"query": LISTING})),
            }
            for target, body in paths.values():
                load(target.url, body, token, args.connections, args.warmup, work)
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, (target, body) in paths.items():
                    before = group_cpu_seconds(target.group)
                    run = load(target.url, body, token, args.connections, args.duration, work)
                    after = group_cpu_seconds(target.group)
                    if before is not None and after is not None and run["requests"]:
                        run["cpu_ms"] = (after - before) * 1000.0 / run["requests"]
                    runs[name].append(run)

    print(
        f"answers agree: yes; load: {'wrk' if use_wrk else 'httpx (benchmarks/http_load.py)'}, "
        f"{args.connections} connections, {args.workers} worker(s) each, {cores} core(s) used, "
        f"{args.rounds} x {args.duration:g} s per path, response cache {args.response_cache}, "
        f"prepared queries {args.prepared_queries}"
    )
    with_cpu = all("cpu_ms" in run for measured in runs.values() for run in measured)
    print("| path | requests/s | p50 | p90 | p99 | errors | server CPU per request |")
    print("|---|---|---|---|---|---|---|")
    for name, measured in runs.items():
        cpu = f"{median_of(measured, 'cpu_ms'):.2f} ms" if with_cpu else "n/a"
        print(
            f"| {name} | {median_of(measured, 'requests_per_second'):.1f} "
            f"| {median_of(measured, 'p50_ms'):.0f} ms | {median_of(measured, 'p90_ms'):.0f} ms "
            f"| {median_of(measured, 'p99_ms'):.0f} ms | {sum(r['errors'] for r in measured):.0f} "
            f"| {cpu} |"
        )
    share = median_of(runs["me"], "requests_per_second") / median_of(
        runs["baseline"], "requests_per_second"
    )
    p99 = median_of(runs["me"], "p99_ms")
    per_core = median_of(runs["listing"], "requests_per_second") / cores
    print(
        f"RATIO me/baseline throughput: {share:.2f} "
        f"(goal ≥ {ME_SHARE_GOAL:.2f}: {'met' if share >= ME_SHARE_GOAL else 'NOT met'})"
    )
    print(
        f"me p99 at {args.connections} clients: {p99:.0f} ms "
        f"(goal ≤ {P99_GOAL_MS:.0f} ms: {'met' if p99 <= P99_GOAL_MS else 'NOT met'})"
    )
    if with_cpu:
        cpu_share = median_of(runs["baseline"], "cpu_ms") / median_of(runs["me"], "cpu_ms")
        print(f"RATIO me/baseline by server CPU per request: {cpu_share:.2f}")
    print(f"listing: {per_core:.1f} requests/s per core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
