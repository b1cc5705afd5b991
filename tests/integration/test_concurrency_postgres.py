"""The concurrency scenarios of tests/api/test_concurrency.py on PostgreSQL:
thirty clients at once, no INTERNAL_SERVER_ERROR, no lost update."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from settings import Settings
from tests.api.test_concurrency import SCENARIOS, run
from tests.conftest import World


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_concurrency_on_postgres(
    scenario: str, client: TestClient, world: World, settings: Settings
) -> None:
    run(scenario, client, world, settings)
