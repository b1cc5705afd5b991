"""tests/api/test_policy_sync.py on a real PostgreSQL: there the watcher LISTENs
for the trigger's NOTIFY instead of polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from authz.enforcer import Authorizer
from authz.policy_sync import PolicyWatcher
from domain.enums import Role
from storage import db
from tests.api.test_policy_sync import (  # the same tests, collected here on PostgreSQL
    WITHIN,
    engines,
    principal,
    seconds_until,
    test_a_default_grant_deleted_in_sql_stops_working_within_a_second,
    test_a_reload_never_blocks_a_decision,
    test_a_revoked_grant_stops_working_in_another_instance_within_a_second,
    test_every_change_to_the_rules_advances_the_version,
    test_the_rules_are_read_as_one_value_exactly_as_the_table_holds_them,
    test_the_watcher_is_idle_while_nothing_changes,
    watched,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "engines",
    "test_a_default_grant_deleted_in_sql_stops_working_within_a_second",
    "test_a_reload_never_blocks_a_decision",
    "test_a_revoked_grant_stops_working_in_another_instance_within_a_second",
    "test_every_change_to_the_rules_advances_the_version",
    "test_the_rules_are_read_as_one_value_exactly_as_the_table_holds_them",
    "test_the_watcher_is_idle_while_nothing_changes",
    "watched",
]


@pytest.fixture
def policy_url(postgres_url: str) -> Iterator[str]:
    engine = db.make_engine(postgres_url)
    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()
    engine.dispose()
    yield postgres_url


def test_a_notification_wakes_the_watcher_long_before_its_fallback_poll(
    engines: Callable[[], Engine],
) -> None:
    engine = engines()
    authorizer = Authorizer(engine)
    watcher = PolicyWatcher(authorizer, engine, fallback_seconds=60.0)
    assert watcher.listens
    watcher.start()
    try:
        time.sleep(0.5)  # LISTEN is in place
        viewer = principal("org-1", Role.VIEWER)
        Authorizer(engines()).add_tenant_policy("org-1", Role.VIEWER, "network", "create")
        elapsed = seconds_until(lambda: authorizer.allows(viewer, "create", "network"))
        assert elapsed < WITHIN
    finally:
        watcher.stop()
