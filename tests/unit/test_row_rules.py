"""Every relation rule means the same in SQL as in Python, for random rows and viewers.

The rules are data (`domain.predicates`); `authz.sql` compiles them. Each
policy's rules (and network membership) run here against an in-memory SQLite
table holding the columns they read, and the rows SQL selects must be exactly
the rows the Python evaluation accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column as SqlColumn
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy.engine import Engine

from authz.disclosure import Policy, Relation, cleared_filter, row_filter
from authz.records import AUDIT_REPORT, BID, POLICIES
from authz.sql import model_columns, to_sql
from authz.viewer import ViewerFacts
from domain.enums import OrganizationKind
from domain.networks import MEMBERSHIP
from domain.predicates import (
    AllOf,
    AnyOf,
    Column,
    Equals,
    Fact,
    FactOneOf,
    NotAfter,
    OneOf,
    Predicate,
    Present,
    first_holding,
    holds,
)
from storage.models import AuditReport

ORGANIZATIONS = ["o1", "o2", "o3"]
# Deadlines and clocks: equal, earlier and later instants (naive UTC, as SQLite keeps them).
TIMES = [dt.datetime(2026, 12, 1, 12, minute) for minute in (0, 30, 59)]
NETWORKS = ["n1", "n2"]
RULED = {name: policy for name, policy in POLICIES.items() if policy.relations}
RULES: dict[str, Predicate] = {
    **{
        f"{name}:{relation.value}": rule
        for name, policy in RULED.items()
        for relation, rule in policy.relations
    },
    "network:membership": MEMBERSHIP,
}


def leaves(rule: Predicate) -> Iterator[Predicate]:
    if isinstance(rule, AnyOf | AllOf):
        for part in rule.parts:
            yield from leaves(part)
    else:
        yield rule


def column_pools(rules: list[Predicate]) -> dict[str, list[Any]]:
    """For each column the rules read: values that make each comparison true and false."""
    pools: dict[str, set[Any]] = {}
    for rule in rules:
        for leaf in leaves(rule):
            match leaf:
                case Equals(column, Fact()):
                    pools.setdefault(column.name, set()).update(ORGANIZATIONS)
                case Equals(column, value):
                    pools.setdefault(column.name, set()).update({str(value), "OTHER"})
                case OneOf(column, Fact()):  # networks, or suppliers (organisations)
                    pools.setdefault(column.name, set()).update(NETWORKS + ORGANIZATIONS)
                case OneOf(column, frozenset() as values):
                    pools.setdefault(column.name, set()).update({*map(str, values), "OTHER"})
                case Present(column):
                    pools.setdefault(column.name, set()).add("2026-01-01")
                case NotAfter(column, _):
                    pools.setdefault(column.name, set()).update(TIMES)
                case FactOneOf():
                    pass
    return {name: [None, *sorted(values)] for name, values in pools.items()}


TABLES: dict[str, tuple[Table, dict[str, list[Any]]]] = {}
METADATA = MetaData()
for group in [*RULED, "network"]:
    rules = [rule for key, rule in RULES.items() if key.startswith(f"{group}:")]
    pools = column_pools(rules)
    table = Table(
        f"rows_{group}",
        METADATA,
        SqlColumn("row", Integer, primary_key=True),
        *(
            SqlColumn(name, DateTime() if TIMES[0] in values else String(40))
            for name, values in pools.items()
        ),
    )
    TABLES[group] = (table, pools)


@pytest.fixture(scope="module")
def database() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


viewers = st.builds(
    ViewerFacts,
    organization_id=st.sampled_from([None, *ORGANIZATIONS, "o9"]),
    organization_kind=st.sampled_from([None, *OrganizationKind]),
    reads_personal=st.booleans(),
    network_ids=st.frozensets(st.sampled_from([*NETWORKS, "n9"])),
    contracted_suppliers=st.frozensets(st.sampled_from([*ORGANIZATIONS, "o9"])),
    granted_suppliers=st.frozensets(st.sampled_from([*ORGANIZATIONS, "o9"])),
    supplier_network_ids=st.frozensets(st.sampled_from([*NETWORKS, "n9"])),
    now=st.sampled_from(TIMES).map(lambda moment: moment.replace(tzinfo=dt.UTC)),
)


def rows_for(group: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    _, pools = TABLES[group]
    row = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in pools.items()})
    return st.lists(row, max_size=12)


def selected(engine: Engine, table: Table, clause: ColumnElement[bool]) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(select(table.c.row).where(clause)).scalars())


def load(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(table.delete())
        if rows:
            connection.execute(
                table.insert(), [{"row": index, **row} for index, row in enumerate(rows)]
            )


@pytest.mark.parametrize("key", sorted(RULES))
@settings(max_examples=60, deadline=None)
@given(data=st.data(), viewer=viewers)
def test_sql_and_python_agree_on_every_rule(
    database: Engine, key: str, data: st.DataObject, viewer: ViewerFacts
) -> None:
    group = key.split(":")[0]
    table, _ = TABLES[group]
    rows = data.draw(rows_for(group))
    load(database, table, rows)
    rule = RULES[key]
    expected = {index for index, row in enumerate(rows) if holds(rule, row, viewer)}
    assert selected(database, table, to_sql(rule, table.c.__getitem__, viewer)) == expected


@pytest.mark.parametrize("name", sorted(RULED))
@settings(max_examples=60, deadline=None)
@given(data=st.data(), viewer=viewers)
def test_row_and_field_filters_match_the_python_clearance(
    database: Engine, name: str, data: st.DataObject, viewer: ViewerFacts
) -> None:
    policy: Policy = RULED[name]
    table, _ = TABLES[name]
    rows = data.draw(rows_for(name))
    load(database, table, rows)
    visible = {i for i, row in enumerate(rows) if policy.clearance(row, viewer) is not None}
    assert selected(database, table, row_filter(policy, viewer, table.c.__getitem__)) == visible
    for field_rule in {*policy.fields.values()}:
        cleared = {
            i
            for i, row in enumerate(rows)
            if (clearance := policy.clearance(row, viewer)) and clearance.allows(field_rule)
        }
        clause = cleared_filter(policy, viewer, table.c.__getitem__, field_rule)
        assert selected(database, table, clause) == cleared, field_rule


@pytest.mark.parametrize("name", sorted(RULED))
@settings(max_examples=60, deadline=None)
@given(data=st.data(), viewer=st.one_of(viewers, st.none()))
def test_the_compiled_relation_is_the_first_rule_that_holds(
    name: str, data: st.DataObject, viewer: ViewerFacts | None
) -> None:
    """`Policy.relation` runs the rules compiled (`first_holding`); `holds` walks them
    as data. Both must pick the same relation, for rows read by key and by attribute."""
    policy: Policy = RULED[name]
    for row in data.draw(rows_for(name)):
        expected = next(
            (relation for relation, rule in policy.relations if holds(rule, row, viewer)),
            Relation.NONE,
        )
        assert policy.relation(row, viewer) is expected, row  # type: ignore[arg-type]
        assert policy.relation(SimpleNamespace(**row), viewer) is expected, row  # type: ignore[arg-type]


def test_a_compiled_rule_reads_nothing_it_does_not_need() -> None:
    """Like `holds`, the compiled judge stops at the first relation that holds and
    reads a column only when its rule is reached."""
    rules = [("first", Equals(Column("a"), "x")), ("second", Present(Column("b")))]
    judge = first_holding(rules, "none")
    assert judge({"a": "x"}, None) == "first"
    assert judge(SimpleNamespace(a="x"), None) == "first"  # no attribute b: never read
    assert judge({"a": "y", "b": 1}, None) == "second"
    assert judge({"a": None}, None) == "none"
    with pytest.raises(ValueError, match="column attribute"):
        first_holding([("bad", Present(Column("a; import os")))], "none")


def test_a_row_filter_is_built_once_per_values_of_the_facts_it_reads() -> None:
    columns = model_columns(AuditReport)
    kari = ViewerFacts("o1", OrganizationKind.PUBLIC_BODY, False, frozenset({"n1"}))
    assert set(AUDIT_REPORT.facts_read) == {"organization_id", "organization_kind", "network_ids"}
    same = replace(kari, reads_personal=True, contracted_suppliers=frozenset({"o2"}))
    assert row_filter(AUDIT_REPORT, same, columns) is row_filter(AUDIT_REPORT, kari, columns)
    for other in (
        replace(kari, organization_id="o2"),
        replace(kari, network_ids=frozenset({"n1", "n2"})),
        replace(kari, organization_kind=OrganizationKind.SUPPLIER),
    ):
        assert row_filter(AUDIT_REPORT, other, columns) is not row_filter(
            AUDIT_REPORT, kari, columns
        )
    # A rule on the request's clock: a clause of its own every time.
    assert "now" in BID.facts_read
    assert row_filter(BID, kari, sql_column) is not row_filter(BID, kari, sql_column)
