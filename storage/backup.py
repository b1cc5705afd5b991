"""Backup and restore of one deployment: the database, the objects and the keys.

A backup directory holds

    manifest.json       written last: a directory without it is no finished backup
    database.sqlite3    SQLite's online backup API, or
    database.pgdump     pg_dump --format=custom
    references.txt      every object key the dumped rows name, one a line; an
                        upload key is followed by the sha256 its row holds
    objects/            the objects, laid out as a local object store
    keys/               the files under the data directory (dev signing key,
                        url-signing secret, audit key, ...), and the signing and
                        audit keys when they are kept elsewhere

The order never leaves a row without its object. A backup dumps the database
first and copies the objects after: objects are only ever added (a key, of
either kind, is written once), so every object a dumped row names is still in
the store (the sweep
removes only objects no row names, and only old ones), and the copy checks that
each key of `references.txt` arrived. A restore copies the objects first and
checks every referenced key is in the target store, intact, before it touches
the database. Either may leave orphans (objects no row names); the sweep removes
them.

Every object is hashed on the way in and on the way out: a content-addressed key
`<tenant>/<sha256>` names its hash, and an upload key `<tenant>/u-<id>` has it
in its row (recorded in `references.txt`). An upload key no dumped row names is
left out: nothing could verify it, and nothing in the dump needs it. A restore then checks
the audit log's hash chain, that it holds exactly the entries the backup saw
(so a truncated tail shows), and every document row against its object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select
from sqlalchemy.engine import make_url

from settings import Settings
from storage import audit_keys, audit_log, db
from storage.models import AuditLogEntry, Document
from storage.objects import (
    CHUNK_SIZE,
    ChecksumMismatch,
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    key_sha256,
    object_store_from_settings,
)

__all__ = [
    "MANIFEST",
    "BackupError",
    "BackupSummary",
    "RestoreSummary",
    "backup",
    "restore",
]

MANIFEST = "manifest.json"
FORMAT = "kjede-backup"
VERSION = 2  # 2: references.txt names an upload key's sha256
READABLE_VERSIONS = (1, 2)
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
REFERENCES_FILE = "references.txt"
OBJECTS_DIR = "objects"
KEYS_DIR = "keys"
DATA_DIR_TARGET = "data_dir"
SIGNING_KEY_TARGET = "signing_key"
AUDIT_KEY_TARGET = "audit_key"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What the dumped database holds, read in the dump's own snapshot."""

    revision: str | None
    documents: int
    references: frozenset[str]
    audit_entries: int
    audit_last_hash: str
    # The sha256 of every referenced upload key (from its row): what it must hash to.
    hashes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    dialect: str
    snapshot: DatabaseSnapshot
    objects: int
    object_bytes: int
    copied: int  # objects copied by this run (an interrupted run resumes)
    keys: tuple[str, ...]
    # Unreferenced objects that did not hash to their key: left out, nothing needs them.
    corrupted_orphans: tuple[str, ...] = ()
    # Unreferenced upload keys: no row holds their sha256, so they are left out.
    skipped_orphans: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreSummary:
    dialect: str
    revision: str | None
    objects: int
    object_bytes: int
    documents: int
    audit_entries: int
    keys: tuple[str, ...]
    # Key files taken out of the backup (kept apart from it): left as they are.
    missing_keys: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


# --- backup -------------------------------------------------------------------


def backup(settings: Settings, directory: Path) -> BackupSummary:
    """Database, then objects, then keys, then the manifest."""
    directory = Path(directory)
    if (directory / MANIFEST).exists():
        raise BackupError(f"{directory} already holds a finished backup; back up into a new one")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # it holds every document and every key
    url = settings.resolved_database_url
    dialect = _dialect(url)
    engine = db.make_engine(url)
    try:
        if dialect == "sqlite":
            dump, snapshot = _dump_sqlite(url, directory)
        else:
            dump, snapshot = _dump_postgres(engine, url, directory, settings)
    finally:
        engine.dispose()
    references = directory / REFERENCES_FILE
    _write_atomic(references, _references_text(snapshot.references, snapshot.hashes).encode())

    store = object_store_from_settings(settings)
    copy = _copy_objects(
        store, LocalObjectStore(directory / OBJECTS_DIR), snapshot.references, snapshot.hashes
    )
    keys = _save_keys(settings, directory)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {
            "dialect": dialect,
            "file": dump.name,
            "sha256": _file_sha256(dump),
            "revision": snapshot.revision,
            "documents": snapshot.documents,
        },
        "references": {
            "file": REFERENCES_FILE,
            "sha256": _file_sha256(references),
            "count": len(snapshot.references),
        },
        "audit_log": {"entries": snapshot.audit_entries, "last_hash": snapshot.audit_last_hash},
        "objects": {"directory": OBJECTS_DIR, "count": copy.count, "bytes": copy.size},
        "keys": keys,
    }
    _write_atomic(directory / MANIFEST, _json(manifest))
    return BackupSummary(
        directory=directory,
        dialect=dialect,
        snapshot=snapshot,
        objects=copy.count,
        object_bytes=copy.size,
        copied=copy.copied,
        keys=tuple(key["file"] for key in keys),
        corrupted_orphans=tuple(copy.corrupted),
        skipped_orphans=tuple(copy.skipped),
    )


def _references_text(references: frozenset[str], hashes: Mapping[str, str]) -> str:
    return "".join(
        f"{key} {hashes[key]}\n" if key in hashes else f"{key}\n" for key in sorted(references)
    )


def _parse_references(text: str) -> tuple[frozenset[str], dict[str, str]]:
    """`references.txt` back into (keys, sha256 of each upload key)."""
    keys: set[str] = set()
    hashes: dict[str, str] = {}
    for line in text.splitlines():
        key, _, sha256 = line.strip().partition(" ")
        if not key:
            continue
        keys.add(key)
        if sha256.strip():
            hashes[key] = sha256.strip()
    return frozenset(keys), hashes


def _is_upload_key(key: str) -> bool:
    try:
        return key_sha256(key) is None
    except ValueError:
        return False  # malformed: reported where it is used


def _dump_sqlite(url: str, directory: Path) -> tuple[Path, DatabaseSnapshot]:
    """SQLite's online backup API: a consistent copy while the API keeps writing."""
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}; run `kjede db upgrade` first")
    target = directory / SQLITE_FILE
    partial = directory / f"{SQLITE_FILE}.partial"
    partial.unlink(missing_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(partial)) as dst,
    ):
        src.execute("PRAGMA busy_timeout=5000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    os.replace(partial, target)
    # Read-only and without our pragmas: WAL mode would change the file after its checksum.
    copy = create_engine(f"sqlite:///file:{target.resolve()}?mode=ro&uri=true")
    try:
        with copy.connect() as connection:
            snapshot = _read_snapshot(connection)
    finally:
        copy.dispose()
    return target, snapshot


def _dump_postgres(
    engine: Engine, url: str, directory: Path, settings: Settings
) -> tuple[Path, DatabaseSnapshot]:
    """pg_dump in a snapshot exported from our own REPEATABLE READ transaction, so
    the references and the audit tail we read are exactly what the dump holds."""
    pg_dump = _tool("pg_dump", settings)
    target = directory / POSTGRES_FILE
    partial = directory / f"{POSTGRES_FILE}.partial"
    uri, env = _libpq(url)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            snapshot = _read_snapshot(connection)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={partial}",
                    f"--dbname={uri}",
                ],
                env,
            )
    os.replace(partial, target)
    return target, snapshot


def _read_snapshot(connection: Connection) -> DatabaseSnapshot:
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise BackupError("the database is not migrated; there is nothing to back up")
    documents = connection.execute(select(func.count()).select_from(Document)).scalar_one()
    named = connection.execute(select(Document.object_key, Document.sha256).distinct()).all()
    references = frozenset(key for key, _ in named)
    hashes = {key: sha256 for key, sha256 in named if _is_upload_key(key)}
    last = connection.execute(
        select(AuditLogEntry.seq, AuditLogEntry.hash).order_by(AuditLogEntry.seq.desc()).limit(1)
    ).one_or_none()
    entries = connection.execute(select(func.count()).select_from(AuditLogEntry)).scalar_one()
    return DatabaseSnapshot(
        revision=revision,
        documents=documents,
        references=references,
        hashes=hashes,
        audit_entries=entries,
        audit_last_hash=last.hash if last is not None else audit_log.GENESIS_HASH,
    )


@dataclass
class _Copy:
    count: int = 0
    size: int = 0
    copied: int = 0
    corrupted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _copy_objects(
    source: ObjectStore,
    target: LocalObjectStore,
    required: frozenset[str],
    hashes: Mapping[str, str],
) -> _Copy:
    """Every object of the store into the backup (but upload keys no row names);
    each referenced key must arrive."""
    copy = _Copy()
    seen: set[str] = set()
    for info in source.scan():
        seen.add(info.key)
        _copy_into(
            source, target, info.key, copy, hashes.get(info.key), required=info.key in required
        )
    lost = []
    for key in sorted(required - seen):  # listed late (an eventually consistent listing)
        try:
            _copy_into(source, target, key, copy, hashes.get(key), required=True)
        except ObjectNotFound:
            lost.append(key)
    if lost:
        raise BackupError(
            f"{len(lost)} object(s) named by document rows are missing from the store "
            f"(first: {', '.join(lost[:5])}); the backup is not finished. If a sweep ran "
            "meanwhile and removed objects of rows deleted since the dump, back up again"
        )
    return copy


def _copy_into(
    source: ObjectStore,
    target: ObjectStore,
    key: str,
    copy: _Copy,
    sha256: str | None,
    *,
    required: bool,
    overwrite: bool = False,
) -> bool:
    """Copy one object, hashed on both sides against `sha256` (its row's) or its
    content-addressed key; unless `overwrite`, an object the target holds already is
    kept (a key is written once: same key, same bytes). True if copied. An upload
    key without a `sha256` (no row names it) is skipped: nothing could verify it."""
    expected = sha256 or key_sha256(key)
    if expected is None:
        copy.skipped.append(key)
        return False
    if not overwrite:
        try:
            present = target.info(key)
        except ObjectNotFound:
            pass
        else:
            copy.count += 1
            copy.size += present.size
            return False
    content_type = source.stat(key).content_type
    try:
        with _ChunkReader(source.open(key, expected)) as stream:
            stored = target.put_at(
                key,
                io.BufferedReader(stream, CHUNK_SIZE),
                content_type=content_type,
                expected_sha256=expected,
            )
    except ChecksumMismatch:
        if required:
            raise BackupError(
                f"object {key} does not hash to its sha256: it is corrupted in the store "
                "and a document row names it"
            ) from None
        copy.corrupted.append(key)
        return False
    copy.count += 1
    copy.size += stored.size
    copy.copied += 1
    return True


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of chunks (the stores' `open`)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def _save_keys(settings: Settings, directory: Path) -> list[dict[str, str]]:
    """Every file under the data directory except the database and the objects,
    and the dev signing key and the audit key when they are kept elsewhere (a key
    given in an environment variable is the operator's to keep)."""
    data_dir = settings.data_dir.resolve()
    excluded = [settings.object_dir.resolve(), directory.resolve()]
    # The database in use, and the embedded one's default file even when unused.
    databases = [data_dir / "kjede.sqlite3"]
    if _dialect(settings.resolved_database_url) == "sqlite":
        databases.append(_sqlite_path(settings.resolved_database_url).resolve())
    sqlite_files = {
        Path(f"{database}{end}") for database in databases for end in ("", *_SQLITE_SIDE_FILES)
    }
    saved: list[dict[str, str]] = []
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*")):
            resolved = path.resolve()
            if (
                not path.is_file()
                or path.is_symlink()
                or resolved in sqlite_files
                or any(resolved.is_relative_to(skip) for skip in excluded)
            ):
                continue
            relative = path.relative_to(data_dir).as_posix()
            saved.append(_save_key(path, directory, DATA_DIR_TARGET, relative))
    for target, path in _key_paths(settings).items():
        key = path.resolve()
        if key.is_file() and not key.is_relative_to(data_dir):
            saved.append(_save_key(key, directory, target, key.name))
    return saved


def _key_paths(settings: Settings) -> dict[str, Path]:
    return {
        SIGNING_KEY_TARGET: settings.resolved_signing_key_path,
        AUDIT_KEY_TARGET: settings.resolved_audit_key_path,
    }


def _save_key(path: Path, directory: Path, target: str, relative: str) -> dict[str, str]:
    """`target`: restored under the data directory at `relative`, or to the signing key path."""
    data = path.read_bytes()
    name = f"{KEYS_DIR}/{target}/{relative}"
    _write_atomic(directory / name, data, mode=0o600)
    return {
        "file": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "target": target,
        "path": relative,
    }


# --- restore ------------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no finished backup (no {MANIFEST})") from None
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a kjede backup manifest")
    if manifest.get("version") not in READABLE_VERSIONS:
        raise BackupError(f"backup format version {manifest.get('version')} is not supported")
    return manifest


def restore(settings: Settings, directory: Path, *, replace: bool = False) -> RestoreSummary:
    """Objects first (each verified, every referenced one checked), then keys, then
    the database; finally the audit chain and every document row are verified."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    database = manifest["database"]
    url = settings.resolved_database_url
    dialect = _dialect(url)
    if database["dialect"] != dialect:
        raise BackupError(
            f"this is a backup of a {database['dialect']} database; "
            f"it cannot be restored into {dialect}"
        )
    dump = _checked_file(directory, database["file"], database["sha256"])
    references_info = manifest["references"]
    references, hashes = _parse_references(
        _checked_file(directory, references_info["file"], references_info["sha256"]).read_text(
            encoding="utf-8"
        )
    )
    key_plan, missing_keys = _key_plan(settings, directory, manifest["keys"])
    engine = db.make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        if tables and not replace:
            raise BackupError(
                f"the target database already holds {len(tables)} tables; restore into an "
                "empty database, or pass --replace to overwrite it"
            )
        store = object_store_from_settings(settings)
        copy = _restore_objects(
            LocalObjectStore(directory / OBJECTS_DIR), store, references, hashes
        )
        keys = _restore_keys(key_plan)
        if dialect == "sqlite":
            _restore_sqlite(url, dump)
        else:
            _restore_postgres(url, dump, settings, clean=bool(tables))
        engine.dispose()  # connections opened before the restore see the old file
        audit_keys.install(settings)  # the key just restored (or KJEDE_AUDIT_KEY)
        problems, documents, entries = _verify(engine, store, manifest, references, hashes)
        revision = db.current_revision(engine)
    finally:
        engine.dispose()
    return RestoreSummary(
        dialect=dialect,
        revision=revision,
        objects=copy.count,
        object_bytes=copy.size,
        documents=documents,
        audit_entries=entries,
        keys=tuple(keys),
        missing_keys=tuple(missing_keys),
        problems=tuple(problems),
    )


def _checked_file(directory: Path, name: str, sha256: str) -> Path:
    path = directory / name
    if not path.is_file():
        raise BackupError(f"the backup lacks {name}")
    if _file_sha256(path) != sha256:
        raise BackupError(f"{name} does not match the checksum in the manifest: it is damaged")
    return path


def _restore_objects(
    backup_store: LocalObjectStore,
    target: ObjectStore,
    references: frozenset[str],
    hashes: Mapping[str, str],
) -> _Copy:
    """Write every object of the backup (hashed as it is read and as it is written,
    and repairing a damaged copy in the target); every referenced key must end up
    intact before the database is touched."""
    copy = _Copy()
    restored: set[str] = set()
    for info in backup_store.scan():
        sha256 = hashes.get(info.key)
        if _copy_into(backup_store, target, info.key, copy, sha256, required=False, overwrite=True):
            restored.add(info.key)
    problems = []
    for key in sorted(references - restored):
        try:
            _hash_object(target, key, hashes.get(key))
        except ObjectNotFound:
            problems.append(f"{key} is missing")
        except ChecksumMismatch:
            problems.append(f"{key} does not hash to its sha256")
        except ValueError:
            problems.append(f"{key} has no sha256 in the backup's references")
    for key in copy.corrupted:
        if key in references:
            problems.append(f"{key} is corrupted in the backup")
    if problems:
        raise BackupError(
            f"{len(problems)} object(s) named by document rows cannot be restored "
            f"({'; '.join(problems[:5])}); the objects were copied, the database was not"
        )
    return copy


def _hash_object(store: ObjectStore, key: str, sha256: str | None) -> None:
    """Read the whole object; the store raises ChecksumMismatch if it is not intact."""
    for _ in store.open(key, sha256):
        pass


def _key_plan(
    settings: Settings, directory: Path, keys: Iterable[dict[str, str]]
) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(backup file, destination) of every key file, checked before anything is
    written; and the destinations whose file the operator took out of the backup
    (kept in a secret store): those are left as they are."""
    plan: list[tuple[Path, Path]] = []
    missing: list[str] = []
    for key in keys:
        if key["target"] in (SIGNING_KEY_TARGET, AUDIT_KEY_TARGET):
            destination = _key_paths(settings)[key["target"]]
        else:
            relative = Path(key["path"])
            if relative.is_absolute() or ".." in relative.parts:
                raise BackupError(
                    f"refusing to restore a key outside the data directory: {relative}"
                )
            destination = settings.data_dir / relative
        if not (directory / key["file"]).exists():
            missing.append(str(destination))
            continue
        plan.append((_checked_file(directory, key["file"], key["sha256"]), destination))
    return plan, missing


def _restore_keys(plan: Iterable[tuple[Path, Path]]) -> list[str]:
    restored = []
    for source, destination in plan:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(destination, source.read_bytes(), mode=0o600)
        restored.append(str(destination))
    return restored


def _restore_sqlite(url: str, dump: Path) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(f"file:{dump.resolve()}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        dst.execute("PRAGMA busy_timeout=5000")
        src.backup(dst)


def _restore_postgres(url: str, dump: Path, settings: Settings, *, clean: bool) -> None:
    """All or nothing (one transaction); `clean` drops what the dump recreates."""
    uri, env = _libpq(url)
    command = [
        _tool("pg_restore", settings),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={uri}",
    ]
    if clean:
        command[1:1] = ["--clean", "--if-exists"]
    _run([*command, str(dump)], env)


def _verify(
    engine: Engine,
    store: ObjectStore,
    manifest: dict[str, Any],
    references: frozenset[str],
    hashes: Mapping[str, str],
) -> tuple[list[str], int, int]:
    """The audit chain and tail, and every document row against its object."""
    problems = []
    with db.transaction(db.make_session_factory(engine)) as session:
        result = audit_log.verify(session)
        if not result.ok:
            problems.append(f"audit log broken at entry {result.first_bad_seq}: {result.problem}")
        expected = manifest["audit_log"]
        last = session.execute(
            select(AuditLogEntry.hash).order_by(AuditLogEntry.seq.desc()).limit(1)
        ).scalar_one_or_none()
        if result.ok and (
            result.entries != expected["entries"]
            or (last or audit_log.GENESIS_HASH) != expected["last_hash"]
        ):
            problems.append(
                f"audit log holds {result.entries} entries, the backup saw "
                f"{expected['entries']} ending in {expected['last_hash'][:12]}"
            )
        documents = 0
        sizes: dict[str, int] = {}
        rows = session.execute(
            select(Document.id, Document.object_key, Document.sha256, Document.size)
        )
        for row in rows:
            documents += 1
            problem = _check_row(row.object_key, row.sha256, references, hashes)
            if problem:
                problems.append(f"document {row.id}: {problem}")
                continue
            if row.object_key not in sizes:
                try:
                    sizes[row.object_key] = store.info(row.object_key).size
                except ObjectNotFound:
                    problems.append(f"document {row.id}: object {row.object_key} is missing")
                    continue
            if sizes[row.object_key] != row.size:
                problems.append(
                    f"document {row.id}: {row.size} bytes, its object has {sizes[row.object_key]}"
                )
    if documents != manifest["database"]["documents"]:
        problems.append(
            f"{documents} document rows, the backup saw {manifest['database']['documents']}"
        )
    return problems, documents, result.entries


def _check_row(
    key: str, sha256: str, references: frozenset[str], hashes: Mapping[str, str]
) -> str | None:
    try:
        named = key_sha256(key)
    except ValueError:
        return f"malformed object key {key!r}"
    if named is not None and named != sha256:
        return f"sha256 {sha256} differs from its object key {key}"
    if named is None and key in references and hashes.get(key) != sha256:
        return f"sha256 {sha256} differs from the backup's record of {key}"
    if key not in references:
        return f"object {key} is not among the backup's references"
    return None


# --- helpers ------------------------------------------------------------------


def _dialect(url: str) -> str:
    dialect = make_url(url).get_backend_name()
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {dialect}")
    return dialect


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore; the password goes by environment, not argv."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _tool(name: str, settings: Settings) -> str:
    if settings.postgres_bin_dir is not None:
        candidate = settings.postgres_bin_dir / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"{candidate} is not an executable (KJEDE_POSTGRES_BIN_DIR)")
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools (at least the server's "
            "major version) or set KJEDE_POSTGRES_BIN_DIR"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{Path(command[0]).name} failed (exit {result.returncode}): {detail}")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def _write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)
