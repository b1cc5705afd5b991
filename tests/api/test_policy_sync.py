"""Policy snapshots: they answer as casbin does, a reload never blocks a decision,
and a change made by another process is enforced here within a second.

Each test takes a `policy_url` (a migrated SQLite file here); the PostgreSQL
companion, tests/integration/test_policy_sync_postgres.py, collects the same
tests on a real server, where the watcher LISTENs instead of polling.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import casbin
import pytest
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from authz.enforcer import (
    MODEL_PATH,
    Authorizer,
    PolicySnapshot,
    default_rules,
    read_policy_version,
    rule_rows,
)
from authz.policies import Action, Resource
from authz.policy_sync import PolicyWatcher
from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import CasbinRule, PolicyVersion
from tests.migrated import fresh_sqlite

WITHIN = 1.0  # seconds: the goal for a change to reach another process


def principal(org: str, *roles: Role) -> Principal:
    return Principal(
        user_id=f"user-of-{org}",
        email=f"someone@{org}.example",
        organization_id=org,
        organization_kind=OrganizationKind.PUBLIC_BODY,
        roles=frozenset(roles),
    )


@pytest.fixture
def policy_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'policies.sqlite3'}"
    fresh_sqlite(url)
    yield url


@pytest.fixture
def engines(policy_url: str) -> Iterator[Callable[[], Engine]]:
    """Separate engines, as separate processes would have."""
    made: list[Engine] = []

    def make() -> Engine:
        made.append(db.make_engine(policy_url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def watched(engines: Callable[[], Engine]) -> Iterator[Authorizer]:
    """An app instance's authorizer with its watcher running."""
    engine = engines()
    authorizer = Authorizer(engine)
    watcher = PolicyWatcher(authorizer, engine)
    watcher.start()
    yield authorizer
    watcher.stop()


def seconds_until(condition: Callable[[], bool], limit: float = 5.0) -> float:
    start = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - start
        if elapsed > limit:
            return elapsed
        time.sleep(0.01)
    return time.monotonic() - start


def test_every_change_to_the_rules_advances_the_version(engines: Callable[[], Engine]) -> None:
    engine = engines()
    seen = [read_policy_version(engine)]
    assert seen[0] is not None
    sessions = db.make_session_factory(engine)
    changes = [
        lambda s: s.add(CasbinRule(ptype="p", v0="role:VIEWER", v1="x", v2="network", v3="join")),
        lambda s: s.execute(update(CasbinRule).where(CasbinRule.v1 == "x").values(v1="y")),
        lambda s: s.execute(delete(CasbinRule).where(CasbinRule.v1 == "y")),
    ]
    for change in changes:
        with db.transaction(sessions) as session:
            change(session)
        seen.append(read_policy_version(engine))
    assert all(b is not None and a is not None and b > a for a, b in itertools.pairwise(seen))


def test_a_revoked_grant_stops_working_in_another_instance_within_a_second(
    engines: Callable[[], Engine], watched: Authorizer
) -> None:
    writer = Authorizer(engines())
    viewer = principal("org-1", Role.VIEWER)
    assert not watched.allows(viewer, Action.CREATE, Resource.NETWORK)

    assert writer.add_tenant_policy("org-1", Role.VIEWER, Resource.NETWORK, Action.CREATE)
    assert seconds_until(lambda: watched.allows(viewer, Action.CREATE, Resource.NETWORK)) < WITHIN

    assert writer.remove_tenant_policy("org-1", Role.VIEWER, Resource.NETWORK, Action.CREATE)
    elapsed = seconds_until(lambda: not watched.allows(viewer, Action.CREATE, Resource.NETWORK))
    assert elapsed < WITHIN, f"still allowed {elapsed:.2f} s after the revocation"


def test_a_default_grant_deleted_in_sql_stops_working_within_a_second(
    engines: Callable[[], Engine], watched: Authorizer
) -> None:
    """A role loses a default permission by a plain DELETE: the trigger still counts it."""
    officer = principal("org-1", Role.PROCUREMENT_OFFICER)
    assert watched.allows(officer, Action.CREATE, Resource.NETWORK)
    with db.transaction(db.make_session_factory(engines())) as session:
        session.execute(
            delete(CasbinRule).where(
                CasbinRule.v0 == "role:PROCUREMENT_OFFICER",
                CasbinRule.v2 == Resource.NETWORK.value,
                CasbinRule.v3 == Action.CREATE.value,
            )
        )
    elapsed = seconds_until(lambda: not watched.allows(officer, Action.CREATE, Resource.NETWORK))
    assert elapsed < WITHIN
    # Other grants of the role are untouched.
    assert watched.allows(officer, Action.JOIN, Resource.NETWORK)


def test_a_reload_never_blocks_a_decision(engines: Callable[[], Engine]) -> None:
    engine = engines()
    authorizer = Authorizer(engine)
    officer = principal("org-1", Role.PROCUREMENT_OFFICER)
    reading = threading.Event()
    release = threading.Event()
    load = authorizer._adapter.load_policy

    def slow_load(model: object) -> None:
        reading.set()
        release.wait(10)
        load(model)

    authorizer._adapter.load_policy = slow_load
    Authorizer(engines()).add_tenant_policy("org-1", Role.VIEWER, Resource.NETWORK, Action.JOIN)
    reloading = threading.Thread(target=authorizer.reload)
    reloading.start()
    try:
        assert reading.wait(10)
        # Mid-reload: decisions answer at once, from the snapshot they had.
        start = time.monotonic()
        for _ in range(1000):
            assert authorizer.allows(officer, Action.CREATE, Resource.NETWORK)
            assert not authorizer.allows(principal("org-1", Role.VIEWER), "join", "network")
        assert time.monotonic() - start < 1.0
    finally:
        release.set()
        reloading.join(10)
    assert authorizer.allows(principal("org-1", Role.VIEWER), Action.JOIN, Resource.NETWORK)
    assert authorizer.version == read_policy_version(engine)


def test_the_watcher_is_idle_while_nothing_changes(
    engines: Callable[[], Engine], watched: Authorizer
) -> None:
    before = watched.snapshot
    time.sleep(0.6)
    assert watched.snapshot is before
    engine = engines()
    with engine.connect() as connection:
        stored = connection.execute(select(PolicyVersion.version)).scalar_one()
    assert before.version == stored


# The snapshot gives casbin's answer -------------------------------------------------

SUBJECTS = [f"role:{role.value}" for role in Role][:4]
DOMAINS = ["*", "1", "10", "1*", "org-a"]
OBJECTS = ["network", "audit_report", "finding"]
ACTIONS = ["read", "create", "publish"]


@pytest.mark.parametrize("seed", range(5))
def test_the_snapshot_answers_exactly_as_casbin(seed: int) -> None:
    rng = random.Random(seed)
    rules = {
        (rng.choice(SUBJECTS), rng.choice(DOMAINS), rng.choice(OBJECTS), rng.choice(ACTIONS))
        for _ in range(rng.randint(0, 40))
    }
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    for rule in rules:
        enforcer.add_policy(*rule)
    snapshot = PolicySnapshot.from_rules(enforcer.get_policy(), version=1)
    for subject in SUBJECTS:
        for domain in DOMAINS:
            for obj in OBJECTS:
                for act in ACTIONS:
                    request = [subject, domain, obj, act]
                    assert snapshot.has(request) == enforcer.enforce(*request), request
                    role = Role(subject.removeprefix("role:"))
                    expected = enforcer.enforce(subject, "*", obj, act) or enforcer.enforce(
                        *request
                    )
                    assert snapshot.granted(role, domain, obj, act) == expected, request


def test_the_rules_are_read_as_one_value_exactly_as_the_table_holds_them(
    engines: Callable[[], Engine],
) -> None:
    """`rule_rows` packs the table into one JSON value (so a reload beside a busy
    event loop does not wait for the GIL once per row): the same rows, in id order,
    empty columns included."""
    engine = engines()
    authorizer = Authorizer(engine)
    authorizer.add_tenant_policy("org-1", Role.VIEWER, Resource.NETWORK, Action.JOIN)
    with engine.begin() as connection:
        connection.execute(insert(CasbinRule).values(ptype="g", v0="alice", v1="role:x"))
    table = CasbinRule
    columns = (table.id, table.ptype, table.v0, table.v1, table.v2, table.v3, table.v4, table.v5)
    with Session(engine) as session:
        plain = [list(row) for row in session.execute(select(*columns).order_by(table.id))]
        packed = [list(row) for row in rule_rows(session, table)]
    assert packed == plain
    assert len(plain) > len(default_rules()) and plain[-1][1:5] == ["g", "alice", "role:x", None]
