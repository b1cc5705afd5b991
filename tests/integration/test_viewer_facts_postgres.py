"""tests/api/test_viewer_facts.py on a real PostgreSQL (`json_agg` of the facts)."""

from __future__ import annotations

import pytest

from tests.api.test_viewer_facts import check_facts_read_along

pytestmark = pytest.mark.postgres


def test_facts_read_with_another_statement_are_the_facts_read_alone(
    postgres_server_url: str,
) -> None:
    from tests.conftest import fresh_database

    with fresh_database(postgres_server_url) as url:
        check_facts_read_along(url)
