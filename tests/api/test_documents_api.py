"""Documents through GraphQL on the embedded store: upload, renditions, signed downloads."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from fpdf import FPDF
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from services.content.files import pdf_text
from settings import Settings
from storage.models import Document
from storage.objects import ChecksumMismatch, key_sha256
from tests.conftest import World, error_codes, gql
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    read_report,
    submit_and_publish,
)
from tests.samples import png_bytes

UPLOAD = """
mutation($r: ID!, $f: Upload!, $c: Classification!) {
  uploadDocument(reportId: $r, file: $f, classification: $c) {
    filename contentType size sha256 classification downloadUrl
  }
}
"""


def pdf_with_author(text: str) -> bytes:
    pdf = FPDF()
    pdf.set_author("Kari Nordmann")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def upload(
    client: TestClient,
    token: str,
    report_id: str,
    filename: str,
    content: bytes,
    classification: str,
) -> dict[str, Any]:
    operations = {
        "query": UPLOAD,
        "variables": {"r": report_id, "f": None, "c": classification},
    }
    response = client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": (filename, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


def fetch(client: TestClient, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.content


def published_with_document(client: TestClient, world: World) -> tuple[ReportsWorld, str]:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    body = upload(
        client,
        w.tokens["auditor"],
        report_id,
        "inspection.pdf",
        pdf_with_author("Site photos"),
        "RESTRICTED",
    )
    assert body.get("data"), body
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    return w, report_id


def test_upload_strips_pdf_metadata_and_signs_downloads(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    original = pdf_with_author("Site photos")
    body = upload(client, w.tokens["auditor"], report_id, "inspection.pdf", original, "RESTRICTED")
    document = body["data"]["uploadDocument"]
    assert document["contentType"] == "application/pdf"
    assert document["classification"] == "RESTRICTED"
    stored = fetch(client, document["downloadUrl"])
    assert b"Kari Nordmann" in original and b"Kari Nordmann" not in stored
    assert len(stored) == document["size"]
    assert "Site photos" in pdf_text(io.BytesIO(stored))
    tampered = document["downloadUrl"].replace("signature=", "signature=0")
    assert client.get(tampered).status_code == 403


def test_upload_refuses_disguised_and_unknown_files(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    disguised = upload(client, w.tokens["auditor"], report_id, "report.pdf", png, "SHARED")
    assert error_codes(disguised) == ["BAD_USER_INPUT"]
    assert disguised["errors"][0]["extensions"]["field"] == "file"
    elf = upload(
        client, w.tokens["auditor"], report_id, "tool", b"\x7fELF" + b"\x00" * 64, "SHARED"
    )
    assert error_codes(elf) == ["BAD_USER_INPUT"]
    outsider = upload(client, w.tokens["trondheim"], report_id, "a.txt", b"hello", "SHARED")
    assert error_codes(outsider) == ["NOT_FOUND"]


def test_upload_size_limit(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    limit = world.settings.max_upload_bytes
    client.app.state.services.settings.max_upload_bytes = 1000  # type: ignore[attr-defined]
    try:
        body = upload(client, w.tokens["auditor"], report_id, "big.txt", b"a" * 5000, "SHARED")
    finally:
        client.app.state.services.settings.max_upload_bytes = limit  # type: ignore[attr-defined]
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "1000 bytes" in body["errors"][0]["message"]


def test_members_get_redacted_renditions_not_the_original(client: TestClient, world: World) -> None:
    w, report_id = published_with_document(client, world)
    documents = read_report(client, w.tokens["bergen"], report_id)["data"]["auditReport"][
        "documents"
    ]
    assert {(d["contentType"], d["isRendition"]) for d in documents} == {
        ("application/json", True),
        ("application/pdf", True),
    }
    pdf_url = next(d["downloadUrl"] for d in documents if d["contentType"] == "application/pdf")
    text = pdf_text(io.BytesIO(fetch(client, pdf_url)))
    assert "Recruitment fees found among migrant workers." in text
    assert "Reimburse all fees." in text
    for withheld in ("NOK 0.42", "passports", "Payroll ledger"):
        assert withheld not in text
    json_url = next(d["downloadUrl"] for d in documents if d["contentType"] == "application/json")
    rendition = json.loads(fetch(client, json_url))
    assert rendition["commercialNotes"] is None
    assert "workerInterviews" in rendition["redactedFields"]
    party = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]["documents"]
    assert any(not d["isRendition"] and d["classification"] == "RESTRICTED" for d in party)


def test_personal_data_in_a_shared_document_blocks_publishing(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    text = b"Interview notes: call the line manager on +47 412 34 567."
    assert upload(client, w.tokens["auditor"], report_id, "notes.txt", text, "SHARED").get("data")
    body = submit_and_publish(client, w, report_id, "ALL_PUBLIC_BODIES")
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert body["errors"][0]["extensions"]["field"] == "documents.0"
    assert "412 34 567" not in body["errors"][0]["message"]


def test_a_shared_image_cannot_be_checked_so_it_blocks_sharing(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    png = png_bytes()
    assert upload(client, w.tokens["auditor"], report_id, "site.png", png, "SHARED").get("data")
    body = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert "cannot be checked" in body["errors"][0]["message"]
    restricted = create_inspection(client, w, title="Photos kept restricted")
    assert upload(client, w.tokens["auditor"], restricted, "site.png", png, "RESTRICTED")["data"]
    published = submit_and_publish(client, w, restricted, "NETWORK", w.network)
    assert published["data"]["publishAuditReport"]["status"] == "PUBLISHED"


def test_a_download_url_for_a_restricted_original_is_logged(
    client: TestClient, world: World
) -> None:
    from sqlalchemy import select

    from storage import db
    from storage.models import AuditLogEntry

    w, report_id = published_with_document(client, world)

    def reads() -> list[tuple[str, str]]:
        with db.transaction(world.factory) as session:
            entries = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
            return [(e.action, e.subject_type) for e in entries if e.action.startswith("read")]

    query = "query($id: ID!) { auditReport(id: $id) { documents { filename downloadUrl } } }"
    gql(client, query, w.tokens["bergen"], {"id": report_id})  # renditions only: SHARED
    assert reads() == []
    gql(client, query, w.tokens["oslo"], {"id": report_id})
    assert reads() == [("read_restricted", "document")]


def test_an_upload_keeps_its_sha256_in_its_row_and_a_corrupted_one_is_refused(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """The key of an upload says nothing of its content (storage/objects.py): a
    download is verified against the row's sha256."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    content = b"Site visit notes: overtime records and payroll ledgers checked.\n" * 40_000
    body = upload(client, w.tokens["auditor"], report_id, "notes.txt", content, "RESTRICTED")
    document = body["data"]["uploadDocument"]
    with engine.connect() as connection:
        key, sha256 = connection.execute(
            select(Document.object_key, Document.sha256).where(Document.report_id == report_id)
        ).one()
    assert document["sha256"] == sha256 == hashlib.sha256(content).hexdigest()
    assert key_sha256(key) is None  # an upload key
    assert fetch(client, document["downloadUrl"]) == content

    path = settings.object_dir / key
    path.write_bytes(b"X" + path.read_bytes()[1:])  # same size, other bytes

    with pytest.raises(ChecksumMismatch):
        client.get(document["downloadUrl"])
