"""The hostile corpus through the API: every document that hides personal data
blocks sharing with PERSONAL_DATA_DETECTED naming the document, and its clean
twin is shared.

A document goes in as an auditor uploads it (SHARED, so it leaves the parties
when the report is published) and the commissioning body publishes. Where the
upload removes the hiding place (PDF metadata, document-level attachments,
scripts, bookmarks) the stored original no longer holds the personal data, so
publishing goes through; the same documents stored without that cleaning (as
documents stored before it existed were) are blocked by the guard. Shared PDF
originals may not carry annotations with content, filled-in form fields,
attached files or scripts: their clean twins are refused for that, with a
message that says so.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from domain.enums import Classification
from services.content import worker
from services.content.files import PDF, PLAIN_TEXT, extract_places
from services.content.pdf import pdf_extras
from storage import db
from storage.models import Document
from tests.api.test_documents_api import fetch, upload
from tests.conftest import World, error_codes
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    read_report,
    submit_and_publish,
)
from tests.unit.test_documents_corpus import (
    CORPUS,
    EMAIL,
    NATIONAL_ID,
    Hiding,
    corpus_ids,
    pdf_document,
)
from tests.unit.test_documents_worker import slow_pdf

KIND_LABELS = {EMAIL: "e-mail address", NATIONAL_ID: "Norwegian national identity number"}


def filename(item: Hiding, twin: bool = False) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", item.where.lower()).strip("-")
    return f"{'tvilling' if twin else 'rapport'}-{slug}.{item.extension}"


def share_upload(
    client: TestClient, w: ReportsWorld, name: str, data: bytes
) -> tuple[str, dict[str, Any]]:
    """A new report with one SHARED upload, submitted and published to the network."""
    report_id = create_inspection(client, w, title="Inspection with a document")
    uploaded = upload(client, w.tokens["auditor"], report_id, name, data, "SHARED")
    assert uploaded.get("data"), uploaded
    return report_id, submit_and_publish(client, w, report_id, "NETWORK", w.network)


def store_directly(
    client: TestClient, world: World, w: ReportsWorld, name: str, data: bytes, content_type: str
) -> str:
    """A report with a SHARED document stored without the upload's checks and
    cleaning, as a document stored before they existed was."""
    report_id = create_inspection(client, w, title="Inspection with a stored document")
    objects = client.app.state.services.objects  # type: ignore[attr-defined]
    stored = objects.put(w.oslo, io.BytesIO(data), content_type=content_type)
    with db.transaction(world.factory) as session:
        session.add(
            Document(
                report_id=report_id,
                owner_id=w.oslo,
                filename=name,
                content_type=content_type,
                size=stored.size,
                sha256=stored.sha256,
                object_key=stored.key,
                classification=Classification.SHARED,
            )
        )
    return report_id


def assert_blocked(body: dict[str, Any], name: str, secret: str) -> str:
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"], body
    error = body["errors"][0]
    assert error["extensions"]["field"] == "documents.0"
    message: str = error["message"]
    assert f"document {name}" in message
    assert secret not in message
    return message


def assert_published(body: dict[str, Any]) -> None:
    assert body.get("data"), body
    assert body["data"]["publishAuditReport"]["status"] == "PUBLISHED"


def assert_twin(body: dict[str, Any], item: Hiding, name: str, *, uploaded: bool) -> None:
    """The clean twin is shared, unless it still carries what a shared original may
    not (an upload removes scripts and document-level attachments first)."""
    if item.twin_refused is None or (uploaded and item.stripped_at_upload):
        assert_published(body)
        return
    message = assert_blocked(body, name, item.secret)
    assert "a shared original may not carry" in message
    assert item.twin_refused in message
    assert "contains" not in message  # refused for what it carries, not for personal data


def original_of(client: TestClient, w: ReportsWorld, report_id: str) -> bytes:
    documents = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]["documents"]
    (original,) = [d for d in documents if not d["isRendition"]]
    return fetch(client, original["downloadUrl"])


@pytest.mark.parametrize("item", CORPUS, ids=corpus_ids)
def test_a_hostile_document_blocks_sharing_and_its_clean_twin_does_not(
    client: TestClient, world: World, item: Hiding
) -> None:
    w = build_reports_world(client, world)
    name = filename(item)
    report_id, body = share_upload(client, w, name, item.hostile())
    if item.stripped_at_upload:
        # The upload removed the hiding place: what is stored and shared is clean.
        assert_published(body)
        stored = original_of(client, w, report_id)
        extraction = extract_places(PDF, io.BytesIO(stored))
        assert item.secret not in extraction.text
        assert pdf_extras(PdfReader(io.BytesIO(stored))) == []
    else:
        message = assert_blocked(body, name, item.secret)
        assert KIND_LABELS[item.secret] in message
        status = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]
        assert status["status"] == "SUBMITTED"
    twin = filename(item, twin=True)
    _, body = share_upload(client, w, twin, item.twin())
    assert_twin(body, item, twin, uploaded=True)


@pytest.mark.parametrize(
    "item", [item for item in CORPUS if item.stripped_at_upload], ids=corpus_ids
)
def test_the_guard_reads_what_the_upload_would_have_removed(
    client: TestClient, world: World, item: Hiding
) -> None:
    w = build_reports_world(client, world)
    name = filename(item)
    report_id = store_directly(client, world, w, name, item.hostile(), PDF)
    message = assert_blocked(
        submit_and_publish(client, w, report_id, "NETWORK", w.network), name, item.secret
    )
    assert KIND_LABELS[item.secret] in message
    twin = filename(item, twin=True)
    twin_id = store_directly(client, world, w, twin, item.twin(), PDF)
    body = submit_and_publish(client, w, twin_id, "NETWORK", w.network)
    assert_twin(body, item, twin, uploaded=False)


def test_a_file_name_with_personal_data_blocks_sharing(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    name = f"intervju-{EMAIL}.txt"
    _, body = share_upload(client, w, name, b"Ingen merknader.")
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    error = body["errors"][0]
    assert error["extensions"]["field"] == "documents.0"
    assert "document 1: its file name contains an e-mail address" in error["message"]
    assert EMAIL not in error["message"]
    # The same file kept RESTRICTED stays with the parties: nothing blocks.
    restricted = create_inspection(client, w, title="Interview kept restricted")
    assert upload(client, w.tokens["auditor"], restricted, name, b"Ingen.", "RESTRICTED")["data"]
    assert_published(submit_and_publish(client, w, restricted, "NETWORK", w.network))


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("rapport.pdf", pdf_document("page text", "x") + b"PK\x05\x06" + bytes(18), "polyglot"),
        ("notater.txt", b"Notater\n" * 2000 + b"\x00\x00binary", "binary data from byte 16,000"),
        ("notater.txt", b"Notater\n%PDF-1.7\n1 0 obj\n", "also opens as a PDF"),
    ],
)
def test_an_upload_must_open_as_its_type_alone(
    client: TestClient, world: World, name: str, data: bytes, why: str
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    body = upload(client, w.tokens["auditor"], report_id, name, data, "SHARED")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "file"
    assert why in body["errors"][0]["message"]


def test_a_document_past_the_worker_limits_blocks_sharing(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    uploaded = upload(client, w.tokens["auditor"], report_id, "treg.pdf", slow_pdf(), "SHARED")
    assert uploaded.get("data"), uploaded
    monkeypatch.setattr(worker, "DEFAULT_LIMITS", worker.Limits(cpu_seconds=1, wall_seconds=20))
    body = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    error = body["errors"][0]
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert error["extensions"]["field"] == "documents.0"
    assert re.search(
        r"document treg\.pdf: checking it took (more than 1 seconds of CPU|longer)",
        error["message"],
    )
    too_long = store_directly(client, world, w, "lang.txt", b"ord " * 10_000, PLAIN_TEXT)
    monkeypatch.setattr(worker, "DEFAULT_LIMITS", worker.Limits(max_chars=1_000))
    body = submit_and_publish(client, w, too_long, "NETWORK", w.network)
    assert (
        "document lang.txt: plain text has more than 1,000 characters"
        in body["errors"][0]["message"]
    )


def test_shared_renditions_carry_no_annotations_attachments_or_scripts(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    assert_published(submit_and_publish(client, w, report_id, "NETWORK", w.network))
    documents = read_report(client, w.tokens["bergen"], report_id)["data"]["auditReport"][
        "documents"
    ]
    pdfs = [d for d in documents if d["contentType"] == "application/pdf"]
    assert pdfs and all(d["isRendition"] for d in pdfs)
    for document in pdfs:
        reader = PdfReader(io.BytesIO(fetch(client, document["downloadUrl"])))
        assert pdf_extras(reader) == []
        root = reader.trailer["/Root"]
        for key in ("/AcroForm", "/Names", "/AA", "/Outlines"):
            assert key not in root, key
        # fpdf2 opens at the first page: a destination, not an action.
        assert "/S" not in root.get("/OpenAction", {})
        for page in reader.pages:
            assert "/Annots" not in page and "/AA" not in page
