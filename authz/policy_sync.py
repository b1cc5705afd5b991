"""Keep each process's policy snapshot in step with the database, across replicas.

Every change to casbin_rule advances `policy_version` in the same transaction
(a trigger, migration 0009), whoever makes it: this process, another replica,
`kjede policy revoke`, or plain SQL. A `PolicyWatcher` thread notices and calls
`Authorizer.reload_if_changed()`, which reads the rules into a new snapshot and
swaps it in; requests go on deciding on the old snapshot meanwhile, and the
event loop never runs a reload.

- PostgreSQL: the trigger also sends NOTIFY on channel `kjede_policy`; the
  watcher LISTENs on a connection of its own and reloads when woken, and checks
  the version every `fallback_seconds` as well (a notification sent while it
  was reconnecting is not lost: the version still differs).
- SQLite: no notifications; the watcher reads the one-row version every
  `poll_seconds` (an indexed read of one row).

Either way a change is enforced well within a second on every process.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from authz.enforcer import Authorizer

logger = logging.getLogger(__name__)

CHANNEL = "kjede_policy"
POLL_SECONDS = 0.25
FALLBACK_SECONDS = 1.0
RETRY_SECONDS = 1.0
# How often a listening watcher looks up from its socket to see whether to stop.
WAKE_SECONDS = 0.5
STOP_SECONDS = 5.0


class PolicyWatcher:
    """A daemon thread that reloads `authorizer` whenever the policy version moves."""

    def __init__(
        self,
        authorizer: Authorizer,
        engine: Engine,
        *,
        poll_seconds: float = POLL_SECONDS,
        fallback_seconds: float = FALLBACK_SECONDS,
    ) -> None:
        self.authorizer = authorizer
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.fallback_seconds = fallback_seconds
        self.listens = engine.dialect.name == "postgresql"
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="kjede-policy-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(STOP_SECONDS)
            self._thread = None

    def check(self) -> bool:
        """Reload now if the version moved; True if it did."""
        return self.authorizer.reload_if_changed()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                if self.listens:
                    self._listen()
                else:
                    self._poll()
            except Exception:  # an outage: keep the last snapshot, try again
                logger.warning("policy watcher: database unavailable; retrying", exc_info=True)
                self._stopped.wait(RETRY_SECONDS)

    def _poll(self) -> None:
        while not self._stopped.wait(self.poll_seconds):
            self.check()

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.check()  # whatever changed before we listened
            checked = time.monotonic()
            while not self._stopped.is_set():
                woken = any(True for _ in connection.notifies(timeout=WAKE_SECONDS, stop_after=1))
                if woken or time.monotonic() - checked >= self.fallback_seconds:
                    self.check()
                    checked = time.monotonic()
