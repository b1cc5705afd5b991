"""`kjede backup DIR` and `kjede restore DIR` on SQLite and the local store: a round trip
answers the same GraphQL query with the same tokens, and the audit log verifies; a
damaged backup is refused before the database is touched, or reported after.
tests/integration/test_backup_postgres.py collects the same tests on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from api.app import Services, create_app
from api.cli import app
from settings import Settings
from storage import db
from storage.backup import MANIFEST
from storage.objects import object_store_from_settings
from tests.api.test_sweep import cli_env, download, published, stored_keys
from tests.conftest import World, gql
from tests.reports_world import REPORT_FIELDS, ReportsWorld, read_report

# The report list as the commissioning body sees it, download URLs aside (they expire).
LIST = (
    "{ auditReports(first: 10) { edges { node { "
    + REPORT_FIELDS.replace("downloadUrl", "size sha256")
    + " } } } }"
)

runner = CliRunner()


def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> Result:
    cli_env(monkeypatch, settings)
    return runner.invoke(app, list(args))


def words(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def restored_settings(tmp_path: Path) -> Settings:
    """Another deployment, empty: a new data directory (PostgreSQL: a new database)."""
    return Settings(data_dir=tmp_path / "restored")


@contextmanager
def app_on(settings: Settings) -> Iterator[TestClient]:
    """The API as `kjede serve` builds it on these settings."""
    with TestClient(create_app(settings, Services.from_settings(settings))) as client:
        yield client


def report_list(client: TestClient, token: str) -> dict[str, Any]:
    body = gql(client, LIST, token)
    assert body.get("data") and not body.get("errors"), body
    return body


def world_with_history(client: TestClient, world: World) -> tuple[ReportsWorld, str]:
    """A published report with an original and renditions, reads on the audit log."""
    w, report_id = published(client, world)
    assert read_report(client, w.tokens["oslo_cm"], report_id)["data"]["auditReport"]
    return w, report_id


def table_names(settings: Settings) -> list[str]:
    engine = db.make_engine(settings.resolved_database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def row_sha256(engine: Engine, key: str) -> str:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT sha256 FROM documents WHERE object_key = :key"), {"key": key}
        ).scalar_one()
    return str(found)


def backed_up(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, directory: Path
) -> dict[str, Any]:
    result = cli(monkeypatch, settings, "backup", str(directory))
    assert result.exit_code == 0, result.output
    assert f"backup finished: {directory}" in words(result)
    manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    return manifest


def test_round_trip_answers_the_same_query_and_the_audit_log_verifies(
    client: TestClient,
    world: World,
    settings: Settings,
    engine: Engine,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w, report_id = world_with_history(client, world)
    before = report_list(client, w.tokens["oslo_cm"])
    member_before = report_list(client, w.tokens["bergen"])
    original_url = next(
        d["downloadUrl"]
        for d in read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"][
            "documents"
        ]
        if not d["isRendition"]
    )
    source_objects = stored_keys(object_store_from_settings(settings))
    directory = tmp_path / "backup-1"
    kept = cli(monkeypatch, settings, "audit", "head")  # kept elsewhere, as the README says
    assert kept.exit_code == 0, kept.output
    head = kept.output.strip().split()[-1]

    manifest = backed_up(monkeypatch, settings, directory)

    assert manifest["database"]["dialect"] == engine.dialect.name  # sqlite or postgresql
    assert manifest["database"]["documents"] == 5
    assert manifest["objects"]["count"] == len(source_objects) == 5
    # Both kinds of key: the original's upload key with its row's sha256 beside it,
    # the renditions' content-addressed keys alone.
    lines = (directory / "references.txt").read_text().splitlines()
    uploads = [line.split() for line in lines if "/u-" in line]
    assert len(uploads) == 1 and len(lines) == 5
    assert uploads[0][1] == row_sha256(engine, uploads[0][0])
    assert all(len(line.split()) == 1 for line in lines if "/u-" not in line)
    assert manifest["audit_log"]["entries"] > 0
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    saved = {key["path"] for key in manifest["keys"]}
    assert {"dev-signing-key.pem", "url-signing-secret"} <= saved
    for key in manifest["keys"]:
        assert stat.S_IMODE((directory / key["file"]).stat().st_mode) == 0o600

    restored = cli(monkeypatch, restored_settings, "restore", str(directory))

    assert restored.exit_code == 0, restored.output
    assert "verified: audit log intact" in words(restored)
    assert "5 document row(s) match their objects" in words(restored)
    assert stored_keys(object_store_from_settings(restored_settings)) == source_objects
    for name in saved:
        assert (restored_settings.data_dir / name).read_bytes() == (
            settings.data_dir / name
        ).read_bytes()
    with app_on(restored_settings) as restored_client:
        # The same tokens work (the signing key came back) and the answers are the same.
        assert report_list(restored_client, w.tokens["oslo_cm"]) == before
        assert report_list(restored_client, w.tokens["bergen"]) == member_before
        # A link signed before the backup opens the restored object.
        assert download(restored_client, original_url) == download(client, original_url)
    verified = cli(monkeypatch, restored_settings, "audit", "verify", "--head", head)
    assert verified.exit_code == 0, verified.output
    assert "audit log intact" in words(verified)


def test_keys_kept_apart_from_the_backup_are_left_in_place(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An operator may move keys/ to a secret store and put the keys in place first."""
    w, _ = world_with_history(client, world)
    before = report_list(client, w.tokens["oslo_cm"])
    directory = tmp_path / "backup"
    manifest = backed_up(monkeypatch, settings, directory)
    shutil.rmtree(directory / "keys")
    restored_settings.data_dir.mkdir(parents=True)
    for key in manifest["keys"]:
        shutil.copy(settings.data_dir / key["path"], restored_settings.data_dir / key["path"])

    result = cli(monkeypatch, restored_settings, "restore", str(directory))

    assert result.exit_code == 0, result.output
    assert "not in the backup, left as it is" in words(result)
    assert "verified: audit log intact" in words(result)
    with app_on(restored_settings) as restored_client:
        assert report_list(restored_client, w.tokens["oslo_cm"]) == before


def test_restore_refuses_a_database_in_use_unless_replace(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w, _ = world_with_history(client, world)
    directory = tmp_path / "backup"
    backed_up(monkeypatch, settings, directory)
    assert cli(monkeypatch, restored_settings, "restore", str(directory)).exit_code == 0
    with app_on(restored_settings) as restored_client:
        expected = report_list(restored_client, w.tokens["oslo_cm"])
        late = gql(
            restored_client,
            'mutation { createNetwork(input: {name: "Etter", kind: FRAMEWORK_AGREEMENT}) { id } }',
            w.tokens["oslo"],
        )
        assert late.get("data"), late

    again = cli(monkeypatch, restored_settings, "restore", str(directory))
    assert again.exit_code == 2
    assert "pass --replace" in words(again)

    replaced = cli(monkeypatch, restored_settings, "restore", str(directory), "--replace")
    assert replaced.exit_code == 0, replaced.output
    with app_on(restored_settings) as restored_client:
        assert report_list(restored_client, w.tokens["oslo_cm"]) == expected
        networks = gql(
            restored_client, "{ networks { edges { node { name } } } }", w.tokens["oslo"]
        )
        names = [edge["node"]["name"] for edge in networks["data"]["networks"]["edges"]]
        assert "Etter" not in names
    assert cli(monkeypatch, restored_settings, "audit", "verify").exit_code == 0


def test_a_damaged_object_stops_the_restore_before_the_database(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_with_history(client, world)
    directory = tmp_path / "backup"
    backed_up(monkeypatch, settings, directory)
    references = (directory / "references.txt").read_text().splitlines()
    referenced = [line.split()[0] for line in references if "/u-" in line]  # an upload key
    tenant, name = referenced[0].split("/")
    damaged = directory / "objects" / tenant / name
    damaged.write_bytes(damaged.read_bytes()[:-1])

    result = cli(monkeypatch, restored_settings, "restore", str(directory))

    assert result.exit_code == 2
    assert f"{referenced[0]} is corrupted in the backup" in words(result)
    assert "the database was not" in words(result)
    assert table_names(restored_settings) == []


def test_a_broken_audit_chain_fails_the_restore_verification(
    client: TestClient,
    world: World,
    settings: Settings,
    engine: Engine,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_with_history(client, world)
    with engine.begin() as connection:  # an entry edited behind the log's back
        connection.execute(text("UPDATE audit_log SET subject_id = 'someone-else' WHERE seq = 1"))
    directory = tmp_path / "backup"
    backed_up(monkeypatch, settings, directory)

    result = cli(monkeypatch, restored_settings, "restore", str(directory))

    assert result.exit_code == 1
    assert "verification failed: audit log broken at entry 1" in words(result)


def test_unfinished_or_damaged_backups_are_refused(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_with_history(client, world)
    directory = tmp_path / "backup"
    manifest = backed_up(monkeypatch, settings, directory)

    twice = cli(monkeypatch, settings, "backup", str(directory))
    assert twice.exit_code == 2 and "already holds a finished backup" in words(twice)

    dump = directory / manifest["database"]["file"]
    dump.write_bytes(dump.read_bytes() + b"\0")
    damaged = cli(monkeypatch, restored_settings, "restore", str(directory))
    assert damaged.exit_code == 2
    assert "does not match the checksum in the manifest" in words(damaged)

    (directory / MANIFEST).unlink()
    unfinished = cli(monkeypatch, restored_settings, "restore", str(directory))
    assert unfinished.exit_code == 2 and "holds no finished backup" in words(unfinished)
    assert table_names(restored_settings) == []


def test_a_row_without_its_object_fails_the_backup(
    client: TestClient,
    world: World,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_with_history(client, world)
    objects = object_store_from_settings(settings)
    lost = sorted(stored_keys(objects))[0]
    objects.delete(lost)
    directory = tmp_path / "backup"

    result = cli(monkeypatch, settings, "backup", str(directory))

    assert result.exit_code == 2
    assert "missing from the store" in words(result) and lost in words(result)
    assert not (directory / MANIFEST).exists()


def test_an_upload_corrupted_in_the_store_fails_the_backup(
    client: TestClient,
    world: World,
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upload key says nothing of its content: the row's sha256 is what the copy
    is checked against."""
    world_with_history(client, world)
    objects = object_store_from_settings(settings)
    (key,) = [key for key in stored_keys(objects) if "/u-" in key]
    path = settings.object_dir / key
    path.write_bytes(b"X" + path.read_bytes()[1:])  # same size, other bytes
    directory = tmp_path / "backup"

    result = cli(monkeypatch, settings, "backup", str(directory))

    assert result.exit_code == 2
    assert f"object {key} does not hash to its sha256" in words(result)
    assert not (directory / MANIFEST).exists()


def test_an_upload_no_row_names_is_left_out_of_the_backup(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing could verify it (no row holds its sha256) and nothing dumped needs it."""
    world_with_history(client, world)
    objects = object_store_from_settings(settings)
    spool = tmp_path / "orphan.txt"
    spool.write_bytes(b"uploaded, and the row never committed")
    orphan = objects.put_file("tenant-a", spool)
    directory = tmp_path / "backup"

    manifest = backed_up(monkeypatch, settings, directory)

    assert manifest["objects"]["count"] == 5
    assert not (directory / "objects" / orphan.key).exists()
    restored = cli(monkeypatch, restored_settings, "restore", str(directory))
    assert restored.exit_code == 0, restored.output
    assert orphan.key not in stored_keys(object_store_from_settings(restored_settings))


def test_an_interrupted_backup_resumes(
    client: TestClient,
    world: World,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_with_history(client, world)
    directory = tmp_path / "backup"
    backed_up(monkeypatch, settings, directory)
    (directory / MANIFEST).unlink()  # as if it had stopped before the end

    result = cli(monkeypatch, settings, "backup", str(directory))

    assert result.exit_code == 0, result.output
    assert "0 copied by this run" in words(result)


# --- SQLite only ------------------------------------------------------------------------


def test_a_cut_audit_tail_in_the_backup_is_reported(
    client: TestClient,
    world: World,
    settings: Settings,
    restored_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever cuts the last entries from a backup and fixes the dump's checksum still
    cannot hide it: the manifest kept the count and the last MAC."""
    world_with_history(client, world)
    directory = tmp_path / "backup"
    manifest = backed_up(monkeypatch, settings, directory)
    dump = directory / manifest["database"]["file"]
    with sqlite3.connect(dump) as connection:
        connection.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    connection.close()
    manifest["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (directory / MANIFEST).write_text(json.dumps(manifest))

    result = cli(monkeypatch, restored_settings, "restore", str(directory))

    assert result.exit_code == 1
    entries = manifest["audit_log"]["entries"]
    assert f"audit log holds {entries - 1} entries, the backup saw {entries}" in words(result)
