"""Authorisation decisions and reloads at 1k, 10k and 100k policies.

    .venv/bin/python -m benchmarks.authz                       # 1k, 10k, 100k
    .venv/bin/python -m benchmarks.authz --policies 1000 --decisions 20000

For each size, a fresh SQLite database gets the default table plus N tenant
rules (spread over N/5 organisations, written with one bulk INSERT). Then, in
the same process on the same rules:

- **snapshot**: `Authorizer.allows` as the API calls it (authz/enforcer.py),
  allowed and denied, each decision timed in a batch of `--decisions`;
- **casbin**: the same two questions asked of pycasbin's own `FastEnforcer`
  keyed on (dom, sub) under a lock (how authz/enforcer.py decided before), as
  the baseline;
- **reload**: `Authorizer.reload()` (read the rules through the casbin adapter
  into a fresh Model, derive the snapshot, swap it in), and the longest gap a
  thread calling `allows` in a loop saw while reloads ran (decisions never wait
  for the reload's lock; only the GIL is shared).

The goal (issue 13): at most 0.01 ms per decision, allowed or denied, flat from
1k to 100k policies; a reload never blocks decisions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import casbin
from sqlalchemy import insert

from authz.enforcer import (
    DEFAULT_DOMAIN,
    MODEL_PATH,
    Authorizer,
    PolicyAdapter,
    role_subject,
)
from authz.policies import Action, Resource
from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import CasbinRule

GOAL_MS = 0.01
SIZES = (1_000, 10_000, 100_000)
RESOURCES = list(Resource)
ACTIONS = list(Action)


def principal(org: str, *roles: Role) -> Principal:
    return Principal(
        user_id="u",
        email="u@example.org",
        organization_id=org,
        organization_kind=OrganizationKind.PUBLIC_BODY,
        roles=frozenset(roles),
    )


def fill(engine_url: str, policies: int) -> None:
    engine = db.make_engine(engine_url)
    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()
    rows = []
    for index in range(policies):
        role = list(Role)[index % len(Role)]
        rows.append(
            {
                "ptype": "p",
                "v0": role_subject(role),
                "v1": f"org-{index // 5}",
                "v2": RESOURCES[index % len(RESOURCES)].value,
                "v3": ACTIONS[(index // 3) % len(ACTIONS)].value,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(CasbinRule), rows)
    engine.dispose()


def per_call_ms(call: Callable[[], object], count: int, rounds: int = 5) -> float:
    """Median over `rounds` batches of the time per call, in ms."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            call()
        samples.append((time.perf_counter() - start) / count * 1000)
    return statistics.median(samples)


def longest_gap_during_reloads(authorizer: Authorizer, reloads: int) -> tuple[float, float]:
    """(median reload seconds, longest gap in ms between two decisions meanwhile)."""
    who = principal("org-0", Role.PROCUREMENT_OFFICER)
    stop = threading.Event()
    gaps: list[float] = []

    def decide() -> None:
        last = time.perf_counter()
        worst = 0.0
        while not stop.is_set():
            authorizer.allows(who, Action.CREATE, Resource.NETWORK)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now
        gaps.append(worst)

    thread = threading.Thread(target=decide)
    thread.start()
    times = []
    for _ in range(reloads):
        start = time.perf_counter()
        authorizer.reload()
        times.append(time.perf_counter() - start)
    stop.set()
    thread.join()
    return statistics.median(times), gaps[0] * 1000


def measure(policies: int, decisions: int, reloads: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'authz.sqlite3'}"
        fill(url, policies)
        engine = db.make_engine(url)
        authorizer = Authorizer(engine)
        officer = principal("org-7", Role.PROCUREMENT_OFFICER, Role.VIEWER)
        viewer = principal("org-7", Role.VIEWER)
        assert authorizer.allows(officer, Action.CREATE, Resource.NETWORK)
        assert not authorizer.allows(viewer, Action.PUBLISH, Resource.MINI_COMPETITION)

        adapter = PolicyAdapter(engine, db_class=CasbinRule, create_table=False)
        start = time.perf_counter()
        fast = casbin.FastEnforcer(str(MODEL_PATH), adapter, cache_key_order=[1, 0])
        casbin_load = time.perf_counter() - start
        lock = threading.RLock()

        def casbin_allows(who: Principal, action: str, resource: str) -> bool:
            for role in who.roles:
                subject = role_subject(role)
                with lock:
                    if fast.enforce(subject, DEFAULT_DOMAIN, resource, action) or fast.enforce(
                        subject, who.organization_id, resource, action
                    ):
                        return True
            return False

        assert casbin_allows(officer, "create", "network")
        assert not casbin_allows(viewer, "publish", "mini_competition")
        results = {
            "snapshot_allowed": per_call_ms(
                lambda: authorizer.allows(officer, Action.CREATE, Resource.NETWORK), decisions
            ),
            "snapshot_denied": per_call_ms(
                lambda: authorizer.allows(viewer, Action.PUBLISH, Resource.MINI_COMPETITION),
                decisions,
            ),
            "casbin_allowed": per_call_ms(
                lambda: casbin_allows(officer, "create", "network"), max(decisions // 20, 50)
            ),
            "casbin_denied": per_call_ms(
                lambda: casbin_allows(viewer, "publish", "mini_competition"),
                max(decisions // 20, 50),
            ),
            "casbin_load_s": casbin_load,
        }
        results["reload_s"], results["worst_gap_ms"] = longest_gap_during_reloads(
            authorizer, reloads
        )
        results["rules"] = float(authorizer.snapshot.rules)
        engine.dispose()
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, action="append", help="tenant rules (repeat)")
    parser.add_argument("--decisions", type=int, default=50_000, help="decisions per batch")
    parser.add_argument("--reloads", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = args.policies or list(SIZES)
    print(
        "| policies | snapshot allowed | snapshot denied | casbin allowed | casbin denied "
        "| reload | casbin load | longest decision gap during reloads |"
    )
    print("|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for size in sizes:
        r = measure(size, args.decisions, args.reloads)
        worst = max(worst, r["snapshot_allowed"], r["snapshot_denied"])
        print(
            f"| {int(r['rules']):,} | {r['snapshot_allowed'] * 1000:.2f} µs "
            f"| {r['snapshot_denied'] * 1000:.2f} µs | {r['casbin_allowed'] * 1000:.1f} µs "
            f"| {r['casbin_denied'] * 1000:.1f} µs | {r['reload_s'] * 1000:.0f} ms "
            f"| {r['casbin_load_s'] * 1000:.0f} ms | {r['worst_gap_ms']:.1f} ms |",
            flush=True,
        )
    verdict = "met" if worst <= GOAL_MS else "NOT met"
    print(f"GOAL ≤ {GOAL_MS} ms per decision: {verdict} (slowest {worst * 1000:.2f} µs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
