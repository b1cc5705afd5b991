"""The crash inputs of tests/api/test_hostile_input.py that reach the database, on a
real PostgreSQL: a lone surrogate, a NUL in an upload's file name, a list longer
than PostgreSQL's 65,535 bound parameters, and downloads re-checked against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings
from tests.api.test_hostile_input import (  # the same tests, collected here on PostgreSQL
    test_a_download_url_dies_with_its_viewers_roles,
    test_a_download_url_dies_with_the_reports_withdrawal,
    test_a_list_longer_than_the_limit,
    test_a_lone_surrogate_in_a_key_or_a_literal,
    test_a_lone_surrogate_in_a_string_variable,
    test_a_nul_in_an_uploads_file_name,
    test_entities_of_every_type_answer_without_a_crash,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "settings",
    "test_a_download_url_dies_with_its_viewers_roles",
    "test_a_download_url_dies_with_the_reports_withdrawal",
    "test_a_list_longer_than_the_limit",
    "test_a_lone_surrogate_in_a_key_or_a_literal",
    "test_a_lone_surrogate_in_a_string_variable",
    "test_a_nul_in_an_uploads_file_name",
    "test_entities_of_every_type_answer_without_a_crash",
]


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    """Replaces tests/conftest.py's: the engine, world and client run on PostgreSQL."""
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)


def test_the_database_is_postgresql(settings: Settings) -> None:
    assert settings.resolved_database_url.startswith("postgresql")
