"""A migrated SQLite database in a moment: copied from one migrated per process.

Running the migrations takes about a second; a test that needs a fresh database
gets a copy (SQLite's backup API) of a template migrated once, with the default
policies seeded or not. The migrations themselves are tested on empty databases
(tests/api/test_migrations.py, tests/integration/test_migrations_postgres.py).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url

from authz.enforcer import Authorizer
from storage import db
from storage.private import private_file


@functools.cache
def _template(policies: bool) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="kjede-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "template.sqlite3"
    _migrate(f"sqlite:///{path}", policies)
    return path


def _migrate(url: str, policies: bool) -> None:
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        if policies:
            Authorizer(engine).seed_default_policies()
    finally:
        engine.dispose()


def fresh_sqlite(url: str, *, policies: bool = True) -> None:
    """Create the SQLite database at `url` (which must not exist yet) migrated to
    head, with the default policies unless `policies` is False. Any other database
    (the fresh one a PostgreSQL companion in tests/integration passes) is migrated
    in place instead."""
    if make_url(url).get_backend_name() != "sqlite":
        _migrate(url, policies)
        return
    path = Path(url.partition("///")[2])
    if not private_file(path):
        raise FileExistsError(f"{path} exists: a fresh database needs a new file")
    with (
        closing(sqlite3.connect(_template(policies))) as source,
        closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
