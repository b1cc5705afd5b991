"""tests/api/test_keys.py on a real PostgreSQL (`column = ANY(array)`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from sqlalchemy import Engine

from tests.api.test_keys import check_against_in, check_one_statement_text, filled, keys

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def engine(postgres_server_url: str) -> Iterator[Engine]:
    from tests.conftest import fresh_database

    with fresh_database(postgres_server_url) as url:
        engine = filled(url)
        yield engine
        engine.dispose()


@settings(max_examples=60, deadline=None)
@given(wanted=keys)
def test_among_selects_what_in_selects(engine: Engine, wanted: list[str]) -> None:
    check_against_in(engine, wanted)


def test_the_statement_text_is_the_same_for_any_keys(engine: Engine) -> None:
    check_one_statement_text(engine)
