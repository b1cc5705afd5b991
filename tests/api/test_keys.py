"""`storage.keys.among` selects exactly the rows `in_` selects, with the keys as
one parameter, on SQLite here and on PostgreSQL in tests/integration/test_keys_postgres.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, select

from storage.keys import KeysNamed, among

METADATA = MetaData()
ROWS = Table(
    "rows",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("owner", String(40), index=True),
)
OWNERS = ["a", "b", "c", "it's", 'quo"te', "back\\slash", "ø", "%_", "[1]", ""]

keys = st.lists(st.sampled_from([*OWNERS, "absent", "ÅÆ"]), max_size=12)


def filled(url: str) -> Engine:
    engine = create_engine(url)
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            ROWS.insert(), [{"owner": OWNERS[n % len(OWNERS)]} for n in range(3 * len(OWNERS))]
        )
    return engine


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = filled("sqlite://")
    yield engine
    engine.dispose()


def selected(engine: Engine, clause: object) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(ROWS.c.id).where(clause)).scalars())  # type: ignore[arg-type]


NAMED = select(ROWS.c.id).where(among(ROWS.c.owner, KeysNamed("owners"))).order_by(ROWS.c.id)


def check_against_in(engine: Engine, wanted: list[str]) -> None:
    expected = selected(engine, ROWS.c.owner.in_(wanted))
    assert selected(engine, among(ROWS.c.owner, wanted)) == expected
    # The keys bound when a statement built once runs: the same rows.
    with engine.connect() as connection:
        assert [row.id for row in connection.execute(NAMED, {"owners": wanted})] == expected


@settings(max_examples=60, deadline=None)
@given(wanted=keys)
def test_among_selects_what_in_selects(engine: Engine, wanted: list[str]) -> None:
    check_against_in(engine, wanted)


def check_one_statement_text(engine: Engine) -> None:
    """The text does not depend on the keys: one compiled statement serves every
    execution, each with its own keys (none baked into the cached form)."""
    stmt = select(ROWS.c.id).where(among(ROWS.c.owner, ["a"]))
    other = select(ROWS.c.id).where(among(ROWS.c.owner, ["b", "c", "x"]))
    assert str(stmt.compile(engine)) == str(other.compile(engine))
    assert "json_each" in str(stmt.compile(engine)) or "ANY" in str(stmt.compile(engine))
    for wanted in (["a"], ["b", "c"], [], ["a"]):
        check_against_in(engine, wanted)
    assert selected(engine, among(ROWS.c.owner, ["a"])) != selected(
        engine, among(ROWS.c.owner, ["b"])
    )


def test_the_statement_text_is_the_same_for_any_keys(engine: Engine) -> None:
    check_one_statement_text(engine)
