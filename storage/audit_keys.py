"""The audit log's key: where it comes from, and how `append` and `verify` find it.

The key lives outside the database (`KJEDE_AUDIT_KEY`, else the file at
`KJEDE_AUDIT_KEY_PATH`, default `<KJEDE_DATA_DIR>/audit-key`, created 0600 on
first use), so whoever can only write the database cannot recompute the chain.

`install(settings)` loads it once at start (the API in `Services.from_settings`,
the CLI in the commands that append or verify) and registers it for the
settings' database. `audit_log.append` and `audit_log.verify` then look it up by
the database their session is bound to (`key_for`), so no caller passes it. A
session on a database nobody installed a key for fails closed (`AuditKeyMissing`)
rather than writing or accepting an unkeyed chain.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, make_url

from settings import Settings

# Shorter configured keys are refused: a MAC is only as strong as its key.
MIN_KEY_LENGTH = 32

_registry: dict[str, bytes] = {}
_lock = threading.Lock()


class AuditKeyMissing(RuntimeError):
    """No key was installed for the database a session is bound to."""


class AuditKeyConflict(ValueError):
    """A different key was already installed for the same database."""


def install(settings: Settings) -> bytes:
    """Load (or create) the configured key and register it for the settings' database."""
    key = load_or_create_key(settings.audit_key, settings.resolved_audit_key_path)
    register(settings.resolved_database_url, key)
    return key


def register(database_url: str | URL, key: bytes) -> None:
    """Use `key` for the audit log of the database at `database_url` (any driver).

    Registering the same key again is a no-op; a different one is refused, since
    one log verifies under one key only."""
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the audit key must be at least {MIN_KEY_LENGTH} bytes")
    identity = database_identity(database_url)
    with _lock:
        known = _registry.get(identity)
        if known is not None and known != key:
            raise AuditKeyConflict(
                f"another audit key is already in use for {identity} in this process"
            )
        _registry[identity] = key


def forget(database_url: str | URL) -> None:
    """Drop the key registered for a database (tests that swap keys)."""
    with _lock:
        _registry.pop(database_identity(database_url), None)


def key_for(bind: Engine | Connection) -> bytes:
    """The key registered for the database `bind` reaches."""
    identity = database_identity(bind.engine.url)
    with _lock:
        key = _registry.get(identity)
    if key is None:
        raise AuditKeyMissing(
            f"no audit key is installed for {identity}: the API and the CLI load it "
            "from the settings at start (storage.audit_keys.install)"
        )
    return key


def database_identity(database_url: str | URL) -> str:
    """One name per database whatever the driver (sqlite+aiosqlite and sqlite,
    postgresql+psycopg and postgresql), without the password."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    backend = "postgresql" if backend == "postgres" else backend
    plain = URL.create(
        backend, username=url.username, host=url.host, port=url.port, database=url.database
    )
    return plain.render_as_string(hide_password=False)


def load_or_create_key(configured: str, path: Path) -> bytes:
    """The configured key, else the one in `path`, created (mode 0600) when missing.

    Creation is atomic: the key is written to a private temporary file and linked
    into place, so two processes starting at once agree on one key and nobody
    ever reads half a key."""
    if configured:
        return _checked(configured.encode(), "KJEDE_AUDIT_KEY")
    if not path.exists():
        _create(path)
    return _checked(path.read_bytes().strip(), str(path))


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_hex(32).encode())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _checked(key: bytes, source: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the audit key from {source} must be at least {MIN_KEY_LENGTH} bytes")
    return key
