"""A bounded mixed load on a live server: each client writes its own reports (create,
add findings, upload, submit and publish) between reads (`{ me }`, a page of reports),
and records every answer: what it was, how long it took, and every write the server
acknowledged, so a test can look for each of them afterwards."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

CREATE = "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id } }"
ADD_FINDING = "mutation($r: ID!, $i: FindingInput!) { addFinding(reportId: $r, input: $i) { id } }"
UPLOAD = """mutation($r: ID!, $f: Upload!) {
  uploadDocument(reportId: $r, file: $f, classification: RESTRICTED) { id sha256 }
}"""
SUBMIT = "mutation($r: ID!) { submitAuditReport(id: $r) { status } }"
PUBLISH = (
    "mutation($r: ID!) { publishAuditReport(id: $r, shareScope: ALL_PUBLIC_BODIES) { status } }"
)
ME = "{ me { user { email } } }"
LIST = "{ auditReports(first: 10) { edges { node { id status findings { id } } } } }"


@dataclass(frozen=True)
class Answer:
    operation: str
    started: float
    seconds: float
    status: int | None  # None: no HTTP answer (the client timed out or lost the connection)
    codes: tuple[str, ...]


@dataclass
class Acknowledged:
    reports: set[str] = field(default_factory=set)
    findings: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    published: set[str] = field(default_factory=set)


@dataclass
class Load:
    url: str
    token: str
    supplier_id: str
    clients: int = 20
    answers: list[Answer] = field(default_factory=list)
    acked: Acknowledged = field(default_factory=Acknowledged)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _post(
        self, client: httpx.Client, operation: str, **request: Any
    ) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
        started = time.monotonic()
        status: int | None = None
        body: dict[str, Any] | None = None
        codes: tuple[str, ...] = ()
        try:
            response = client.post("/graphql", **request)
            status = response.status_code
            body = response.json()
            codes = tuple(
                str((error.get("extensions") or {}).get("code"))
                for error in (body or {}).get("errors") or ()
            )
        except (httpx.HTTPError, ValueError):
            codes = ("NO_ANSWER",)
        with self._lock:
            self.answers.append(
                Answer(operation, started, time.monotonic() - started, status, codes)
            )
        return (body if status == 200 and not codes else None), codes

    def _gql(
        self, client: httpx.Client, operation: str, query: str, variables: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
        body, codes = self._post(client, operation, json={"query": query, "variables": variables})
        return (body["data"] if body else None), codes

    def _client(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            report: str | None = None
            findings = uploads = 0
            submitted = False
            step = 0
            while not self._stop.is_set():
                step += 1
                if step % 3 == 0:
                    self._gql(client, "me", ME, {})
                    continue
                if step % 5 == 0:
                    self._gql(client, "list", LIST, {})
                    continue
                if report is None:
                    data, _ = self._gql(
                        client,
                        "create",
                        CREATE,
                        {"i": report_input(self.supplier_id, number, step)},
                    )
                    if data:
                        report = data["createAuditReport"]["id"]
                        self._ack(self.acked.reports, report)
                        findings = uploads = 0
                        submitted = False
                elif findings < 2:
                    data, _ = self._gql(
                        client, "addFinding", ADD_FINDING, {"r": report, "i": finding(number, step)}
                    )
                    if data:
                        self._ack(self.acked.findings, data["addFinding"]["id"])
                        findings += 1
                elif uploads < 1:
                    body, _ = self._post(client, "upload", **upload_request(report, number, step))
                    if body:
                        self._ack(self.acked.documents, body["data"]["uploadDocument"]["id"])
                        uploads += 1
                elif not submitted:
                    data, codes = self._gql(client, "submit", SUBMIT, {"r": report})
                    # CONFLICT: an earlier submit committed while its answer was lost.
                    submitted = data is not None or codes == ("CONFLICT",)
                else:
                    data, codes = self._gql(client, "publish", PUBLISH, {"r": report})
                    if data:
                        self._ack(self.acked.published, report)
                    if data or codes == ("CONFLICT",):
                        report = None

    def _ack(self, into: set[str], value: str) -> None:
        with self._lock:
            into.add(value)

    def answered(self, since: float, until: float) -> list[Answer]:
        """Answers to requests started in [since, until)."""
        with self._lock:
            return [a for a in self.answers if since <= a.started < until]


def report_input(supplier_id: str, number: int, step: int) -> dict[str, Any]:
    return {
        "title": f"Inspection {number}-{step}",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": supplier_id,
        "summary": "Overtime records checked; no recruitment fees found.",
    }


def finding(number: int, step: int) -> dict[str, Any]:
    return {
        "requirement": "WORKING_HOURS",
        "severity": "MINOR",
        "description": f"Overtime above the limit in week {step % 52 + 1} (client {number}).",
    }


def upload_request(report_id: str, number: int, step: int) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {"r": report_id, "f": None}}
    line = f"Site notes of client {number}, step {step}: payroll and rosters checked.\n"
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        "files": {"0": (f"notes-{number}-{step}.txt", (line * 400).encode(), "text/plain")},
    }
