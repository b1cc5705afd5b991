"""tests/unit does no I/O: a test here that asks for a database, app or server
fixture belongs in tests/api or tests/integration, so collection stops with a
usage error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).parent
IO_FIXTURES = frozenset(
    {
        "engine",
        "world",
        "client",
        "settings",
        "postgres_url",
        "postgres_server_url",
        "gateway_dir",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not item.path.is_relative_to(UNIT_DIR):
            continue
        used = IO_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if used:
            raise pytest.UsageError(
                f"{item.nodeid} is in tests/unit but uses the I/O fixtures {sorted(used)}: "
                "move it to tests/api or tests/integration"
            )
