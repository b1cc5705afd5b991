"""Direct uploads (services/document_uploads.py) through GraphQL, on the embedded store:
the bytes go to the upload URL, `finishDocumentUpload` answers at once, and the
background check stores the file (a PDF cleaned) or refuses it. The same tests run
on S3 in tests/integration/test_direct_uploads_s3.py, where the URL is a presigned PUT."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update
from starlette.testclient import TestClient

from api.app import Services
from domain.enums import AuditReportStatus, DocumentUploadStatus, Role
from services.content.files import pdf_text
from services.document_uploads import CheckDeps, UploadChecks, check_upload
from settings import Settings
from storage import db
from storage.models import AuditLogEntry, AuditReport, Document, DocumentUpload
from storage.objects import is_quarantine_key, object_store_from_settings
from storage.sweep import sweep
from tests.api.test_documents_api import pdf_with_author
from tests.conftest import World, error_codes, gql
from tests.reports_world import ReportsWorld, build_reports_world, create_inspection

BEGIN = """
mutation($r: ID!, $name: String!, $size: Int!, $c: Classification!) {
  beginDocumentUpload(reportId: $r, filename: $name, size: $size, classification: $c) {
    id reportId filename size classification status uploadUrl expiresAt
  }
}
"""
FINISH = """
mutation($id: ID!) { finishDocumentUpload(id: $id) { id status uploadUrl } }
"""
READ = """
query($id: ID!) {
  documentUpload(id: $id) {
    id status refusal uploadUrl
    document { filename contentType size sha256 classification downloadUrl }
  }
}
"""


def begin(
    client: TestClient, token: str, report_id: str, name: str, size: int, level: str = "SHARED"
) -> dict[str, Any]:
    return gql(client, BEGIN, token, {"r": report_id, "name": name, "size": size, "c": level})


def put(client: TestClient, url: str, content: bytes) -> httpx.Response:
    """PUT to the upload URL: the app's own (the local store), else the S3 server's."""
    if url.startswith("http://testserver/"):
        return client.put(url, content=content)
    return httpx.put(url, content=content, timeout=30)


def fetch(client: TestClient, url: str) -> bytes:
    """GET a download URL: the app's signed one, else an S3 presigned GET."""
    if url.startswith("http://testserver/"):
        response = client.get(url)
    else:
        response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def settled(client: TestClient, token: str, upload_id: str) -> dict[str, Any]:
    """The upload once its background check is done."""
    deadline = time.monotonic() + 30
    while True:
        body = gql(client, READ, token, {"id": upload_id})
        upload: dict[str, Any] = body["data"]["documentUpload"]
        if upload["status"] not in ("CHECKING", "AWAITING_BYTES") or time.monotonic() > deadline:
            return upload
        time.sleep(0.05)


def uploaded(
    client: TestClient,
    w: ReportsWorld,
    report_id: str,
    name: str,
    content: bytes,
    level: str = "SHARED",
) -> dict[str, Any]:
    """Begun, sent and finished by the auditor; the upload once checked."""
    token = w.tokens["auditor"]
    answer = begin(client, token, report_id, name, len(content), level)
    began = answer["data"]["beginDocumentUpload"]
    assert began["status"] == "AWAITING_BYTES"
    response = put(client, began["uploadUrl"], content)
    assert response.status_code == 200, response.text
    finished = gql(client, FINISH, token, {"id": began["id"]})
    assert finished["data"]["finishDocumentUpload"]["status"] == "CHECKING", finished
    assert finished["data"]["finishDocumentUpload"]["uploadUrl"] is None
    return settled(client, token, began["id"])


def listed(client: TestClient, token: str, report_id: str) -> list[str]:
    query = "query($id: ID!) { auditReport(id: $id) { documents { filename } } }"
    report = gql(client, query, token, {"id": report_id})["data"]["auditReport"]
    return [document["filename"] for document in report["documents"]]


def quarantined(settings: Settings) -> list[str]:
    store = object_store_from_settings(settings)
    return [item.key for item in store.scan() if is_quarantine_key(item.key)]


def test_a_file_put_to_the_upload_url_is_checked_and_becomes_a_document(
    client: TestClient, world: World, settings: Settings
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    content = b"Interview notes, site visit\n" * 5000
    upload = uploaded(client, w, report_id, "notes.txt", content)
    assert upload["status"] == "STORED" and upload["refusal"] is None
    document = upload["document"]
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["size"] == len(content)
    assert document["contentType"].startswith("text/plain")
    assert fetch(client, document["downloadUrl"]) == content
    assert listed(client, w.tokens["auditor"], report_id) == ["notes.txt"]
    assert quarantined(settings) == []  # the unchecked bytes are gone


def test_a_pdf_is_stored_cleaned(client: TestClient, world: World, settings: Settings) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    original = pdf_with_author("Site photos")
    upload = uploaded(client, w, report_id, "inspection.pdf", original)
    assert upload["status"] == "STORED", upload
    stored = fetch(client, upload["document"]["downloadUrl"])
    assert b"Kari Nordmann" in original and b"Kari Nordmann" not in stored
    assert "Site photos" in pdf_text(io.BytesIO(stored))
    assert upload["document"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert quarantined(settings) == []


def test_a_refused_file_says_why_and_leaves_nothing(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    disguised = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = uploaded(client, w, report_id, "report.pdf", disguised)
    assert upload["status"] == "REFUSED" and upload["document"] is None
    assert "pdf" in upload["refusal"].lower(), upload["refusal"]
    assert listed(client, w.tokens["auditor"], report_id) == []
    with engine.connect() as connection:
        assert connection.execute(select(Document.id)).all() == []
    assert quarantined(settings) == []
    assert [item.key for item in object_store_from_settings(settings).scan()] == []


def test_finish_wants_the_declared_bytes_at_the_url(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    content = b"hello, declared\n"
    began = begin(client, token, report_id, "a.txt", len(content))["data"]["beginDocumentUpload"]
    early = gql(client, FINISH, token, {"id": began["id"]})
    assert error_codes(early) == ["BAD_USER_INPUT"]
    assert "PUT the file there" in early["errors"][0]["message"]
    assert put(client, began["uploadUrl"], content[:-3]).status_code in (200, 400)
    short = gql(client, FINISH, token, {"id": began["id"]})
    if short.get("errors"):  # S3 takes any length; the finish then refuses it
        assert error_codes(short) == ["BAD_USER_INPUT"]
    # The URL takes the file again until it is finished; the last body counts.
    assert put(client, began["uploadUrl"], content).status_code == 200
    assert gql(client, FINISH, token, {"id": began["id"]}).get("errors") is None
    again = gql(client, FINISH, token, {"id": began["id"]})
    assert error_codes(again) == ["CONFLICT"]
    assert settled(client, token, began["id"])["status"] == "STORED"


def test_the_app_url_takes_exactly_the_declared_length_once_signed(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    began = begin(client, token, report_id, "a.txt", 5)["data"]["beginDocumentUpload"]
    url = began["uploadUrl"]
    if not url.startswith("http://testserver/uploads/"):
        pytest.skip("the S3 server takes the bytes itself")
    assert client.put(url, content=b"12345678").status_code == 400
    assert client.put(url.replace("signature=", "signature=0"), content=b"12345").status_code == 403
    assert client.put(url, content=b"12345").status_code == 200
    gql(client, FINISH, token, {"id": began["id"]})
    assert client.put(url, content=b"12345").status_code == 409  # CHECKING or STORED


def test_only_the_uploading_organisation_sees_or_finishes_an_upload(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    began = begin(client, w.tokens["auditor"], report_id, "a.txt", 5)["data"]["beginDocumentUpload"]
    for outsider in ("trondheim", "supplier"):
        token = w.tokens[outsider]
        assert error_codes(gql(client, READ, token, {"id": began["id"]})) == ["NOT_FOUND"]
        assert error_codes(gql(client, FINISH, token, {"id": began["id"]})) == ["NOT_FOUND"]
    refused = begin(client, w.tokens["trondheim"], report_id, "a.txt", 5)
    assert error_codes(refused) == ["NOT_FOUND"]


def test_begin_says_what_to_fix(client: TestClient, world: World, settings: Settings) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    too_big = begin(client, token, report_id, "big.bin", settings.max_upload_bytes + 1)
    assert error_codes(too_big) == ["BAD_USER_INPUT"]
    assert too_big["errors"][0]["extensions"]["field"] == "size"
    nameless = begin(client, token, report_id, "  ", 5)
    assert nameless["errors"][0]["extensions"]["field"] == "filename"
    empty = begin(client, token, report_id, "a.txt", 0)
    assert empty["errors"][0]["extensions"]["field"] == "size"


def test_an_expired_upload_is_not_finished(
    client: TestClient, world: World, engine: Engine
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    began = begin(client, token, report_id, "a.txt", 5)["data"]["beginDocumentUpload"]
    assert put(client, began["uploadUrl"], b"12345").status_code == 200
    with engine.begin() as connection:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        connection.execute(
            update(DocumentUpload).where(DocumentUpload.id == began["id"]).values(expires_at=past)
        )
    late = gql(client, FINISH, token, {"id": began["id"]})
    assert error_codes(late) == ["CONFLICT"]
    assert "expired" in late["errors"][0]["message"]
    assert (
        gql(client, READ, token, {"id": began["id"]})["data"]["documentUpload"]["uploadUrl"] is None
    )


def _finished_unclaimed(
    client: TestClient,
    w: ReportsWorld,
    engine: Engine,
    report_id: str,
    claimed_at: dt.datetime | None,
) -> str:
    """An upload finished whose check a process claimed at `claimed_at` and never did
    (it died): its bytes are in quarantine, its row CHECKING."""
    token = w.tokens["auditor"]
    began = begin(client, token, report_id, "a.txt", 5)["data"]["beginDocumentUpload"]
    assert put(client, began["uploadUrl"], b"12345").status_code == 200
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpload)
            .where(DocumentUpload.id == began["id"])
            .values(status=DocumentUploadStatus.CHECKING, claimed_at=claimed_at)
        )
    upload_id: str = began["id"]
    return upload_id


def _run_left_over(settings: Settings) -> int:
    async def run() -> int:
        services = Services.from_settings(settings)
        try:
            deps = CheckDeps(services.sessions, services.objects, settings, services.clock)
            return await UploadChecks(deps).run_left_over()
        finally:
            await services.close()

    return asyncio.run(run())


def _status(engine: Engine, upload_id: str) -> tuple[DocumentUploadStatus, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(DocumentUpload.status, DocumentUpload.refusal).where(
                DocumentUpload.id == upload_id
            )
        ).one()
    return row.status, row.refusal


def test_a_check_whose_process_died_is_taken_up_again(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    now = dt.datetime.now(dt.UTC)
    held = _finished_unclaimed(client, w, engine, report_id, now)  # another checker has it
    lapsed = _finished_unclaimed(client, w, engine, report_id, now - dt.timedelta(hours=1))
    assert _run_left_over(settings) == 1
    assert _status(engine, lapsed) == (DocumentUploadStatus.STORED, None)
    assert _status(engine, held)[0] is DocumentUploadStatus.CHECKING
    stored = settled(client, w.tokens["auditor"], lapsed)["document"]
    assert stored["sha256"] == hashlib.sha256(b"12345").hexdigest()


def test_a_report_that_no_longer_takes_documents_refuses_the_upload(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    upload_id = _finished_unclaimed(client, w, engine, report_id, claimed_at=None)
    with engine.begin() as connection:  # published between the finish and the check
        connection.execute(
            update(AuditReport)
            .where(AuditReport.id == report_id)
            .values(status=AuditReportStatus.PUBLISHED)
        )
    assert _run_left_over(settings) == 1
    status, refusal = _status(engine, upload_id)
    assert status is DocumentUploadStatus.REFUSED
    assert refusal == "documents cannot be added to a PUBLISHED report"
    with db.make_session_factory(engine)() as session:
        assert session.scalars(select(Document)).all() == []
    assert [item.key for item in object_store_from_settings(settings).scan()] == []


def test_a_colleague_handed_the_link_to_a_restricted_upload_is_a_logged_read(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    upload = uploaded(client, w, report_id, "a.txt", b"12345", "RESTRICTED")
    upload_id = upload["id"]
    assert upload["document"]["downloadUrl"]
    assert reads(world) == []  # who sent it reads back its own bytes
    colleague = world.user("kollega@revisjon.no", w.auditor, Role.AUDITOR)
    seen = gql(client, READ, colleague, {"id": upload_id})["data"]["documentUpload"]
    assert seen["document"]["downloadUrl"]
    assert reads(world) == [("read_restricted", "document")]


def reads(world: World) -> list[tuple[str, str]]:
    with db.transaction(world.factory) as session:
        entries = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        return [(e.action, e.subject_type) for e in entries if e.action.startswith("read")]


def test_the_sweep_keeps_what_is_being_checked_and_forgets_what_is_done(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    token = w.tokens["auditor"]
    assert uploaded(client, w, report_id, "a.txt", b"stored\n")["status"] == "STORED"
    refused = uploaded(client, w, report_id, "b.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert refused["status"] == "REFUSED"
    abandoned = begin(client, token, report_id, "c.txt", 5)["data"]["beginDocumentUpload"]
    assert put(client, abandoned["uploadUrl"], b"12345").status_code == 200  # never finished
    # Claimed now by a checker still at work: its bytes must stay.
    checking = _finished_unclaimed(client, w, engine, report_id, dt.datetime.now(dt.UTC))
    store = object_store_from_settings(settings)
    a_day_on = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)

    result = sweep(engine, store, grace=dt.timedelta(0), apply=True, now=a_day_on)
    assert result.forgotten_uploads == 3
    with engine.connect() as connection:
        left = connection.execute(select(DocumentUpload.id, DocumentUpload.quarantine_key)).all()
    assert [row.id for row in left] == [checking]
    assert quarantined(settings) == [left[0].quarantine_key]  # the abandoned bytes went
    assert listed(client, token, report_id) == ["a.txt"]  # the document stays


def test_two_checkers_at_one_upload_store_it_once(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Replicas' checkers race for a left-over upload: one claims it, one document."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    upload_id = _finished_unclaimed(client, w, engine, report_id, lapsed)

    async def race() -> list[DocumentUploadStatus | None]:
        services = Services.from_settings(settings)
        try:
            deps = CheckDeps(services.sessions, services.objects, settings, services.clock)
            return list(await asyncio.gather(*(check_upload(deps, upload_id) for _ in range(3))))
        finally:
            await services.close()

    outcomes = asyncio.run(race())
    assert sorted(outcomes, key=str) == [None, None, DocumentUploadStatus.STORED]
    with engine.connect() as connection:
        assert len(connection.execute(select(Document.id)).all()) == 1
