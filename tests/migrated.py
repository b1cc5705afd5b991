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

from authz.enforcer import Authorizer
from storage import db
from storage.private import private_file


@functools.cache
def _template(policies: bool) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="kjede-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "template.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        db.upgrade(engine)
        if policies:
            Authorizer(engine).seed_default_policies()
    finally:
        engine.dispose()
    return path


def fresh_sqlite(url: str, *, policies: bool = True) -> None:
    """Create the SQLite database at `url` (which must not exist yet) migrated to
    head, with the default policies unless `policies` is False."""
    path = Path(url.partition("///")[2])
    if not private_file(path):
        raise FileExistsError(f"{path} exists: a fresh database needs a new file")
    with (
        closing(sqlite3.connect(_template(policies))) as source,
        closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
