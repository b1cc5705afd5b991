"""Many writers in separate processes keep one audit chain (as API replicas do).

Two interpreters append to the same database at once, each in many small
transactions; the chain must verify with every entry in it. The lock is the
database's (SQLite's write lock; PostgreSQL's advisory lock in
tests/integration/test_audit_log_processes_postgres.py), so it holds across
processes, not only across threads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from tests.api.test_audit_log import (  # the same fixtures and helpers
    check,
    engine,
    intact,
    key,
    outcome,
    url,
)

__all__ = ["engine", "key", "url"]

ROUNDS, PER_BATCH, WRITERS = 12, 2, 2
ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from storage import audit_keys, db
from storage.audit_log import append_sync
from tests.api.test_audit_log import KEY, events
url, tag, rounds, per_batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
audit_keys.register(url, KEY)
engine = db.make_engine(url)
factory = db.make_session_factory(engine)
sys.stdin.readline()  # start together
for i in range(rounds):
    with db.transaction(factory) as session:
        append_sync(session, events(per_batch, tag=f"{tag}{i}"))
engine.dispose()
"""


def test_appends_from_two_processes_keep_one_chain(url: str, engine: Engine) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, tag, str(ROUNDS), str(PER_BATCH)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in "ab"[:WRITERS]
    ]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, stderr = writer.communicate(timeout=300)
        assert writer.returncode == 0, stderr[-3000:]
    assert outcome(check(engine)) == intact(WRITERS * ROUNDS * PER_BATCH)
