"""`kjede objects sweep` on the embedded store: orphans older than the grace period go,
referenced objects and young ones stay, renditions of SUPERSEDED and WITHDRAWN reports
are released. tests/integration/test_sweep_s3.py collects the same tests on S3.

The store's clock is the only age a sweep knows, so most tests move the sweep's `now`
forward instead of waiting; the CLI tests wait a couple of seconds for real."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import Engine, delete, func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.cli_ops import parse_duration
from domain.enums import Classification
from settings import Settings
from storage import db
from storage.models import Document
from storage.objects import ObjectInfo, ObjectNotFound, ObjectStore, object_store_from_settings
from storage.sweep import sweep
from tests.api.test_documents_api import fetch, pdf_with_author, upload
from tests.conftest import World, gql
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    read_report,
    submit_and_publish,
)

DAY = dt.timedelta(days=1)
LATER = dt.timedelta(days=2)  # how far `now` moves: every object is older than a day then

runner = CliRunner()


@pytest.fixture
def objects(settings: Settings) -> ObjectStore:
    return object_store_from_settings(settings)


def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point every `Settings()` the CLI builds at this test's database and store."""
    values = {
        "KJEDE_ENVIRONMENT": settings.environment.value,
        "KJEDE_DATA_DIR": str(settings.data_dir),
        "KJEDE_DATABASE_URL": settings.database_url,
        "KJEDE_OBJECT_STORE_URL": settings.object_store_url,
        "KJEDE_OBJECT_STORE_ACCESS_KEY": settings.object_store_access_key,
        "KJEDE_OBJECT_STORE_SECRET_KEY": settings.object_store_secret_key,
        "KJEDE_OBJECT_STORE_BUCKET": settings.object_store_bucket,
        "KJEDE_OBJECT_STORE_REGION": settings.object_store_region,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("KJEDE_DEV_SIGNING_KEY_PATH", "KJEDE_OBJECT_SWEEP_GRACE_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def later_sweep(engine: Engine, objects: ObjectStore, *, apply: bool) -> Any:
    """A sweep with the default grace period, run two days from now."""
    now = dt.datetime.now(dt.UTC) + LATER
    return sweep(engine, objects, grace=DAY, apply=apply, now=now)


def referenced_keys(engine: Engine) -> set[str]:
    with db.make_session_factory(engine)() as session:
        return set(session.scalars(select(Document.object_key)))


def stored_keys(objects: ObjectStore) -> set[str]:
    return {info.key for info in objects.scan()}


def rendition_keys(engine: Engine, report_id: str) -> set[str]:
    with db.make_session_factory(engine)() as session:
        statement = select(Document.object_key).where(
            Document.report_id == report_id, Document.is_rendition.is_(True)
        )
        return set(session.scalars(statement))


def document_count(engine: Engine) -> int:
    with db.make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0


def published(client: TestClient, world: World) -> tuple[ReportsWorld, str]:
    """A report with a RESTRICTED original, published to the network (renditions)."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    body = upload(
        client, w.tokens["auditor"], report_id, "inspection.pdf", pdf_with_author("x"), "RESTRICTED"
    )
    assert body.get("data"), body
    assert submit_and_publish(client, w, report_id, "NETWORK", w.network).get("data")
    return w, report_id


def assert_documents_download(client: TestClient, token: str, report_id: str) -> int:
    """Every document the viewer is offered still downloads (and hashes to its key)."""
    body = read_report(client, token, report_id)
    documents = body["data"]["auditReport"]["documents"]
    for document in documents:
        assert download(client, document["downloadUrl"]), document
    return len(documents)


def download(client: TestClient, url: str) -> bytes:
    """A signed app URL through the app, a presigned S3 URL from the S3 server."""
    if url.startswith(("/", str(client.base_url))):
        return fetch(client, url)
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    return response.content


# --- what the store tells a sweep ------------------------------------------------


def test_scan_and_info_describe_every_object(objects: ObjectStore) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    a = objects.put("tenant-a", io.BytesIO(b"first"), content_type="text/plain")
    b = objects.put("tenant-b", io.BytesIO(b"second object"))
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)

    scanned = {info.key: info for info in objects.scan()}

    assert set(scanned) == {a.key, b.key}  # no sidecars, no spools
    assert scanned[a.key].size == 5 and scanned[b.key].size == 13
    assert scanned[a.key].sha256 == a.sha256
    for info in scanned.values():
        assert before <= info.modified <= after
        assert objects.info(info.key) == info
    assert [info.key for info in objects.scan("tenant-a")] == [a.key]
    assert list(objects.scan("tenant-nobody")) == []
    objects.delete(a.key)
    with pytest.raises(ObjectNotFound):
        objects.info(a.key)
    with pytest.raises(ValueError):
        objects.info("../etc/passwd")


def test_rewriting_an_object_makes_it_young_again(objects: ObjectStore) -> None:
    first = objects.put("tenant-a", io.BytesIO(b"same bytes")).key
    written = objects.info(first).modified
    time.sleep(1.1)  # S3 keeps whole seconds

    objects.put("tenant-a", io.BytesIO(b"same bytes"))

    assert objects.info(first).modified > written


# --- orphans -------------------------------------------------------------------------


def test_dry_run_lists_an_old_orphan_and_apply_removes_only_it(
    client: TestClient, world: World, engine: Engine, objects: ObjectStore
) -> None:
    w, report_id = published(client, world)
    orphan = objects.put(w.oslo, io.BytesIO(b"written before a failed commit"))
    referenced = referenced_keys(engine)
    assert len(referenced) == 5  # the original, JSON and PDF at SHARED and PUBLIC

    dry = later_sweep(engine, objects, apply=False)

    assert [o.key for o in dry.orphans] == [orphan.key]
    assert dry.orphan_bytes == orphan.size == 30
    assert not dry.applied and not dry.released
    assert stored_keys(objects) == referenced | {orphan.key}  # a dry run changes nothing

    applied = later_sweep(engine, objects, apply=True)

    assert [o.key for o in applied.orphans] == [orphan.key]
    assert stored_keys(objects) == referenced
    assert assert_documents_download(client, w.tokens["oslo"], report_id) == 3
    assert not later_sweep(engine, objects, apply=False).orphans


def test_an_object_shared_by_several_rows_stays_while_one_names_it(
    engine: Engine, objects: ObjectStore, world: World
) -> None:
    """A content-addressed object (a rendition, an upload from before upload keys)
    may back several rows."""
    oslo = world.org("Oslo kommune")
    shared = objects.put(oslo, io.BytesIO(b"the same bytes, two rows"))
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        for name in ("a.txt", "b.txt"):
            session.add(
                Document(
                    owner_id=oslo,
                    filename=name,
                    content_type="text/plain",
                    size=shared.size,
                    sha256=shared.sha256,
                    object_key=shared.key,
                    classification=Classification.RESTRICTED,
                )
            )
    with db.transaction(factory) as session:
        session.execute(delete(Document).where(Document.filename == "a.txt"))

    assert not later_sweep(engine, objects, apply=True).orphans
    assert stored_keys(objects) == {shared.key}


def test_the_same_file_uploaded_twice_is_two_objects_each_kept_by_its_own_row(
    client: TestClient, world: World, engine: Engine, objects: ObjectStore
) -> None:
    """Uploads are not deduplicated: each has its own key, and its object goes when
    its own row does, whatever other row holds the same bytes."""
    w = build_reports_world(client, world)
    first, second = create_inspection(client, w), create_inspection(client, w)
    content = pdf_with_author("same file twice")
    for report_id in (first, second):
        body = upload(client, w.tokens["auditor"], report_id, "a.pdf", content, "SHARED")
        assert body.get("data"), body
    factory = db.make_session_factory(engine)
    with factory() as session:
        rows = {
            row.report_id: (row.object_key, row.sha256)
            for row in session.scalars(select(Document).where(Document.is_rendition.is_(False)))
        }
    assert rows[first][0] != rows[second][0] and rows[first][1] == rows[second][1]
    with db.transaction(factory) as session:
        session.execute(delete(Document).where(Document.report_id == first))

    applied = later_sweep(engine, objects, apply=True)

    assert [o.key for o in applied.orphans] == [rows[first][0]]
    assert stored_keys(objects) == {rows[second][0]}
    assert assert_documents_download(client, w.tokens["oslo"], second) == 1


def test_an_upload_staged_by_a_process_that_died_is_discarded(
    engine: Engine, objects: ObjectStore, world: World, tmp_path: Path
) -> None:
    """A process that dies while staging (`ObjectStore.stage_file`) leaves an unfinished
    upload (S3: a multipart upload holding its parts; local: a spool file), never
    readable, which the sweep discards once it is older than the grace period."""
    oslo = world.org("Oslo kommune")
    data = b"staged, then the server died\n" * (700 * 1024)  # more than one S3 part
    spool = tmp_path / "spool"
    spool.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    objects.stage_file(oslo, spool, sha256=sha, size=len(data))  # neither commit nor abort

    assert not sweep(engine, objects, grace=DAY, apply=True).unfinished  # young: kept
    dry = later_sweep(engine, objects, apply=False)
    (left,) = dry.unfinished
    assert left.key.startswith((f"{oslo}/u-", f"{oslo}/.upload-"))
    assert [u.key for u in later_sweep(engine, objects, apply=False).unfinished] == [left.key]

    applied = later_sweep(engine, objects, apply=True)

    assert [u.key for u in applied.unfinished] == [left.key]
    assert not later_sweep(engine, objects, apply=False).unfinished
    assert stored_keys(objects) == set()
    if left.key.startswith(f"{oslo}/u-"):
        with pytest.raises(ObjectNotFound):
            objects.info(left.key)


def test_an_upload_whose_row_is_not_committed_yet_survives(
    engine: Engine, objects: ObjectStore, world: World
) -> None:
    """The race the grace period is for: the object is written, its row is not."""
    oslo = world.org("Oslo kommune")
    uploading = objects.put(oslo, io.BytesIO(b"bytes of an upload in flight"))

    result = sweep(engine, objects, grace=DAY, apply=True)

    assert not result.orphans
    assert [o.key for o in result.young] == [uploading.key]
    assert objects.info(uploading.key)
    with db.transaction(db.make_session_factory(engine)) as session:  # the upload commits
        session.add(
            Document(
                owner_id=oslo,
                filename="in-flight.txt",
                content_type="text/plain",
                size=uploading.size,
                sha256=uploading.sha256,
                object_key=uploading.key,
                classification=Classification.RESTRICTED,
            )
        )
    assert not later_sweep(engine, objects, apply=True).orphans  # and stays, referenced
    assert objects.info(uploading.key)


class ReuploadBeforeDelete:
    """A store where the same bytes are uploaded again just as the sweep re-checks
    an orphan's age, between its listing and its delete."""

    def __init__(self, store: ObjectStore, content: bytes) -> None:
        self.store = store
        self.content = content

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def info(self, key: str) -> ObjectInfo:
        time.sleep(1.1)  # past the cutoff, in S3's whole seconds too
        tenant_id = key.partition("/")[0]
        self.store.put(tenant_id, io.BytesIO(self.content))
        return self.store.info(key)


def test_an_orphan_uploaded_again_during_the_sweep_is_kept(
    engine: Engine, objects: ObjectStore
) -> None:
    content = b"an old orphan, about to be uploaded again"
    orphan = objects.put("tenant-a", io.BytesIO(content))
    time.sleep(1.1)
    racing = ReuploadBeforeDelete(objects, content)

    result = sweep(engine, racing, grace=dt.timedelta(0), apply=True)

    assert not result.orphans
    assert result.refreshed == (orphan.key,)
    assert objects.info(orphan.key)


def test_objects_of_a_failed_publish_are_orphans(
    client: TestClient, world: World, engine: Engine, objects: ObjectStore, monkeypatch: Any
) -> None:
    from services import report_publishing

    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away before the commit")

    with monkeypatch.context() as patch:
        patch.setattr(report_publishing, "record_share_change", broken)
        failed = submit_and_publish_may_fail(client, w, report_id)
    assert failed.get("errors"), failed
    assert document_count(engine) == 0
    written = stored_keys(objects)
    assert len(written) == 4  # JSON and PDF at two levels, written before the failure

    dry = later_sweep(engine, objects, apply=False)
    assert {o.key for o in dry.orphans} == written
    assert dry.orphan_bytes == sum(objects.info(key).size for key in written)

    later_sweep(engine, objects, apply=True)
    assert stored_keys(objects) == set()
    publish = """mutation($id: ID!, $n: ID) {
        publishAuditReport(id: $id, shareScope: NETWORK, networkId: $n) { status } }"""
    again = gql(client, publish, w.tokens["oslo"], {"id": report_id, "n": w.network})
    assert again["data"]["publishAuditReport"]["status"] == "PUBLISHED", again
    assert stored_keys(objects) == referenced_keys(engine)  # new renditions (new publishedAt)
    assert len(referenced_keys(engine)) == 4


def submit_and_publish_may_fail(
    client: TestClient, w: ReportsWorld, report_id: str
) -> dict[str, Any]:
    submitted = gql(
        client,
        "mutation($id: ID!) { submitAuditReport(id: $id) { status } }",
        w.tokens["auditor"],
        {"id": report_id},
    )
    assert submitted.get("data"), submitted
    return gql(
        client,
        """mutation($id: ID!, $n: ID) {
             publishAuditReport(id: $id, shareScope: NETWORK, networkId: $n) { status }
           }""",
        w.tokens["oslo"],
        {"id": report_id, "n": w.network},
    )


def test_renditions_replaced_on_resharing_become_orphans(
    client: TestClient, world: World, engine: Engine, objects: ObjectStore
) -> None:
    w, report_id = published(client, world)
    before = rendition_keys(engine, report_id)
    reshare = """mutation($id: ID!) {
        publishAuditReport(id: $id, shareScope: ALL_PUBLIC_BODIES) { shareScope } }"""
    assert gql(client, reshare, w.tokens["oslo"], {"id": report_id}).get("data")
    after = rendition_keys(engine, report_id)
    replaced = before - after
    assert replaced  # the share scope is printed in the renditions

    dry = later_sweep(engine, objects, apply=False)
    assert {o.key for o in dry.orphans} == replaced

    later_sweep(engine, objects, apply=True)
    assert stored_keys(objects) == referenced_keys(engine)
    assert after <= stored_keys(objects)
    assert assert_documents_download(client, w.tokens["bergen"], report_id) == 2


# --- released renditions ---------------------------------------------------------------


def test_renditions_of_withdrawn_and_superseded_reports_are_released(
    client: TestClient, world: World, engine: Engine, objects: ObjectStore
) -> None:
    w, withdrawn = published(client, world)
    superseded = create_inspection(client, w)
    assert submit_and_publish(client, w, superseded, "NETWORK", w.network).get("data")
    newer = create_inspection(client, w)
    assert submit_and_publish(client, w, newer, "NETWORK", w.network).get("data")
    withdraw = (
        'mutation($id: ID!) { withdrawAuditReport(id: $id, reason: "Wrong site") { status } }'
    )
    assert gql(client, withdraw, w.tokens["oslo"], {"id": withdrawn}).get("data")
    supersede = """mutation($id: ID!, $by: ID!) {
        supersedeAuditReport(id: $id, supersededById: $by) { status } }"""
    body = gql(client, supersede, w.tokens["oslo"], {"id": superseded, "by": newer})
    assert body["data"]["supersedeAuditReport"]["status"] == "SUPERSEDED", body
    released_keys = rendition_keys(engine, withdrawn) | rendition_keys(engine, superseded)
    kept_keys = rendition_keys(engine, newer)
    rows = document_count(engine)

    dry = later_sweep(engine, objects, apply=False)

    assert {(r.report_id, r.status.value) for r in dry.released} == {
        (withdrawn, "WITHDRAWN"),
        (superseded, "SUPERSEDED"),
    }
    assert len(dry.released) == 8
    assert {o.key for o in dry.orphans} == released_keys
    assert document_count(engine) == rows  # nothing released yet

    applied = later_sweep(engine, objects, apply=True)

    assert len(applied.released) == 8
    assert {o.key for o in applied.orphans} == released_keys
    assert document_count(engine) == rows - 8
    assert not rendition_keys(engine, withdrawn) and not rendition_keys(engine, superseded)
    assert kept_keys == rendition_keys(engine, newer) and kept_keys <= stored_keys(objects)
    assert stored_keys(objects) == referenced_keys(engine)
    # The withdrawn report keeps its original (row and object), the superseded one is
    # still readable by the network, and what is offered still downloads.
    party = read_report(client, w.tokens["oslo"], withdrawn)["data"]["auditReport"]
    assert [d["isRendition"] for d in party["documents"]] == [False]
    with db.make_session_factory(engine)() as session:
        original = session.scalars(
            select(Document.object_key).where(Document.report_id == withdrawn)
        ).one()
    assert objects.info(original)
    member = read_report(client, w.tokens["bergen"], superseded)["data"]["auditReport"]
    assert member["status"] == "SUPERSEDED" and member["documents"] == []
    assert assert_documents_download(client, w.tokens["bergen"], newer) == 2
    assert not later_sweep(engine, objects, apply=True).released


# --- the command -------------------------------------------------------------------------


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


def test_cli_dry_run_prints_orphans_and_bytes_and_apply_removes_them(
    client: TestClient,
    world: World,
    settings: Settings,
    engine: Engine,
    objects: ObjectStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli_env(monkeypatch, settings)
    w, report_id = published(client, world)
    orphan = objects.put(w.oslo, io.BytesIO(b"x" * 1234))
    time.sleep(2.1)
    uploading = objects.put(w.oslo, io.BytesIO(b"an upload in flight"))

    dry = run("objects", "sweep", "--grace", "2s")
    assert dry.exit_code == 0, dry.output
    text = " ".join(dry.output.split())
    assert orphan.key in text and uploading.key not in text
    assert "dry run: would release 0 rendition(s) and remove 1 object(s), 1234 bytes" in text
    assert "kept 1 unreferenced object(s) written in the last 2s" in text
    assert "--apply" in text
    assert objects.info(orphan.key)

    as_json = run("objects", "sweep", "--grace", "2s", "--json")
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["applied"] is False and report["grace_seconds"] == 2
    assert [(o["key"], o["bytes"]) for o in report["orphans"]] == [(orphan.key, 1234)]
    assert report["bytes"] == 1234 and report["young"] == [uploading.key]

    default = run("objects", "sweep", "--apply")  # 24 h: nothing is old enough
    assert default.exit_code == 0, default.output
    assert objects.info(orphan.key)

    applied = run("objects", "sweep", "--grace", "2s", "--apply")
    assert applied.exit_code == 0, applied.output
    assert "1 object(s) removed, 1234 bytes" in " ".join(applied.output.split())
    with pytest.raises(ObjectNotFound):
        objects.info(orphan.key)
    assert objects.info(uploading.key)
    assert stored_keys(objects) == referenced_keys(engine) | {uploading.key}
    assert assert_documents_download(client, w.tokens["oslo"], report_id) == 3


def test_cli_refuses_a_bad_grace_and_an_unmigrated_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(monkeypatch, settings)
    bad = run("objects", "sweep", "--grace", "soon")
    assert bad.exit_code == 2 and "not a duration" in bad.output
    fresh = run("objects", "sweep")
    assert fresh.exit_code == 2
    assert "kjede db upgrade" in " ".join(fresh.output.split())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800), ("1h30m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "h", "1x", "-1h", "1.5h", "24 h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_duration(text)
