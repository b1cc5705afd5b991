"""`among(column, keys)`: `column IN (keys)` with the keys as ONE bound parameter.

`column.in_(keys)` binds one parameter per key: SQLAlchemy renders the list into
the statement at every execution (the text depends on how many keys there are),
and psycopg then parses that text again (it caches only short statements). For a
page's relations (a hundred report ids, four statements a page) that costs more
CPU than the database spends answering. `among` keeps the text fixed:

- PostgreSQL: `column = ANY(%(keys)s)`, the keys one text array;
- SQLite: `column IN (SELECT value FROM json_each(?))`, the keys one JSON array.

Both use the column's index as `IN` does. The keys are compared as text (every
key of ours is a string id); `tests/api/test_keys.py` compares the rows with
`in_` on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, TypeDecorator, TypeEngine


class KeyList(TypeDecorator[list[str]]):
    """A list of string keys bound as one value: a text array on PostgreSQL, a
    JSON array elsewhere (read by `json_each`)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


class Among(ColumnElement[bool]):
    """`column IN (keys)`, the keys bound as one parameter (see the module)."""

    type = Boolean()
    inherit_cache = True
    # A comparison, as `in_` is: no `= 1` appended where booleans are not native.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("keys", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], keys: Iterable[str] | KeysNamed) -> None:
        self.column = column
        # A bound parameter of the statement, so each execution binds its own keys
        # (the compiled form is cached by the statement's shape, values apart).
        self.keys = (
            bindparam(keys.name, type_=KeyList())
            if isinstance(keys, KeysNamed)
            else bindparam(None, list(keys), type_=KeyList(), unique=True)
        )


class KeysNamed:
    """The keys bound when the statement runs, as the parameter `name`: a statement
    built once (at import) serves every execution, and SQLAlchemy computes its
    cache key once."""

    def __init__(self, name: str) -> None:
        self.name = name


def among(column: Any, keys: Iterable[str] | KeysNamed) -> ColumnElement[bool]:
    """Rows whose `column` is one of `keys` (any number, none included), or of the
    keys bound later as `KeysNamed(name)` (execute with `{name: [...]}`)."""
    return Among(column, keys)


@compiles(Among, "postgresql")
def _among_postgresql(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.keys, **kw)})"


@compiles(Among)
def _among(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return (
        f"{compiler.process(element.column, **kw)} IN "
        f"(SELECT value FROM json_each({compiler.process(element.keys, **kw)}))"
    )
