"""Sharing audit reports: publish (or re-scope), supersede, withdraw.

Publishing builds the report's values once: the personal-data guard reads
every text a viewer outside the parties could read (the audited supplier
included, at any share scope), and the shared renditions are disclosed from
the same values. The object store is read (shared originals) and written
(renditions) while the request holds no database connection; the write that
publishes checks that the report is still as it was read (`publish_report`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import delete, select

from authz.disclosure import (
    Disclosed,
    column_names,
    disclose,
    free_texts,
    outside_parties,
    to_plain,
)
from authz.policies import Action
from authz.records import AUDIT_REPORT, RENDITION_CLEARANCES, document_visible
from authz.viewer import member_networks
from domain import audit_reports as rules
from domain.enums import AuditReportStatus, Classification, ShareScope
from domain.errors import Conflict, InvalidInput, PersonalDataDetected
from domain.personal_data import describe, find_personal_data, refusal
from domain.text import optional_text
from services import coordination, writes
from services.audit_reports import columns, findings_of, get_report, load_values, report_values
from services.content.files import UnsupportedDocument
from services.content.worker import scan_file
from services.documents import store_renditions
from services.report_authoring import party_row, require_network
from services.scope import Scope
from storage import audit_log, models
from storage.objects import ObjectStore


@dataclass(frozen=True)
class ReportState:
    """What a publish reads of a report: its values (findings, corrective actions and
    their history nested) and every document row. Equal twice: nothing changed."""

    values: dict[str, Any]
    documents: list[dict[str, Any]]


@dataclass(frozen=True)
class SharedOriginal:
    """An uploaded document a viewer outside the parties could fetch: the guard reads it."""

    field: str  # `documents.N`, as the refusal names it
    filename: str
    object_key: str
    content_type: str
    sha256: str  # the row's: what the object must hash to


@dataclass(frozen=True)
class Publication:
    """What the read before a publish decided, for the write after it to confirm."""

    report_id: str
    owner_id: str  # the commissioning body: its tenant holds the renditions
    seen: ReportState
    published_at: dt.datetime
    shared_originals: tuple[SharedOriginal, ...]
    renditions: dict[Classification, dict[str, Any]]  # the structure rendered at each level


async def publish_report(
    scope: Scope,
    report_id: str,
    share_scope: ShareScope,
    network_id: str | None,
    selected: frozenset[str],
) -> Disclosed:
    """SUBMITTED → PUBLISHED with a share scope (or re-scope a PUBLISHED report);
    PERSONAL_DATA_DETECTED while text that leaves the parties holds personal data.

    The object store works while the request holds no database connection (nor
    SQLite's write lock), in three steps: a read checks the lifecycle and the texts
    and prepares the renditions; without a connection, the shared originals are
    scanned and the renditions written; one write then checks that the report, its
    findings and its documents are as read (CONFLICT otherwise), records the
    renditions and publishes, with its audit entry. Renditions whose write does not
    commit are orphans for `kjede objects sweep`. They are not deleted here: a key
    names its content, so the same object may back a committed rendition."""
    publication = await plan_publication(scope, report_id, share_scope, network_id)
    async with scope.without_connection():
        await scan_shared_originals(scope.objects, publication.shared_originals)
        renditions = await store_renditions(
            scope.objects, publication.report_id, publication.owner_id, publication.renditions
        )
    async with writes.mutation(scope):
        row = await record_publication(scope, publication, share_scope, network_id, renditions)
    return await get_report(scope, row.id, selected)


async def plan_publication(
    scope: Scope, report_id: str, share_scope: ShareScope, network_id: str | None
) -> Publication:
    """The read before a publish: every check that needs no object, and the
    structures of the renditions, disclosed from the report's values at each level."""
    row = await party_row(scope, report_id, Action.PUBLISH, commissioner_only=True)
    status, network_id = await share_target(scope, row, share_scope, network_id)
    (values,) = await load_values(scope, [row])
    seen = ReportState(values, await document_rows(scope, row.id))
    guard_texts(values)
    shared_originals = tuple(shared_originals_of(seen.documents))
    published_at = row.published_at or models.utcnow()
    shared = {
        **values,
        "status": status,
        "share_scope": share_scope,
        "network_id": network_id,
        "published_at": published_at,
    }
    names = await rendition_names(scope, row)
    renditions = {
        level: {**to_plain(disclose(shared, AUDIT_REPORT, cleared)), **names}
        for level, cleared in RENDITION_CLEARANCES.items()
    }
    return Publication(
        row.id, row.commissioned_by_id, seen, published_at, shared_originals, renditions
    )


async def record_publication(
    scope: Scope,
    publication: Publication,
    share_scope: ShareScope,
    network_id: str | None,
    renditions: list[models.Document],
) -> models.AuditReport:
    """The write of a publish: the report must be as `plan_publication` read it;
    then its status, scope, renditions and audit entry are committed together."""
    row = await party_row(scope, publication.report_id, Action.PUBLISH, commissioner_only=True)
    if await report_state(scope, row) != publication.seen:
        raise Conflict(
            "the report, its findings or its documents changed while it was being "
            "published; read it again and publish it if it should still be shared"
        )
    # Checked again (a membership may have ended); the report being unchanged, it
    # answers as before: the status and network the renditions were rendered with.
    status, network_id = await share_target(scope, row, share_scope, network_id)
    if not await scope.still_wanted():
        raise Conflict("the client hung up before the report was published")
    previous = (row.share_scope, row.network_id)
    row.status, row.network_id = status, network_id
    row.share_scope = share_scope
    row.published_at = publication.published_at
    await scope.session.execute(
        delete(models.Document).where(
            models.Document.report_id == row.id, models.Document.is_rendition.is_(True)
        )
    )
    scope.session.add_all(renditions)
    await record_share_change(scope, row, previous)
    await scope.commit()
    return row


async def share_target(
    scope: Scope, row: models.AuditReport, share_scope: ShareScope, network_id: str | None
) -> tuple[AuditReportStatus, str | None]:
    """The status and network a publish gives the report, or why it may not."""
    action = "reshare" if row.status is AuditReportStatus.PUBLISHED else "publish"
    new_status = rules.transition(row.status, action)
    if row.focus_area_id is not None:  # shared with the focus area's whole network
        network_id = await coordination.share_network(
            scope, row.focus_area_id, share_scope, network_id
        )
    rules.check_share(share_scope, network_id)
    if network_id is not None:
        await require_member(scope, network_id, row.commissioned_by_id)
    return new_status, network_id


async def report_state(scope: Scope, row: models.AuditReport) -> ReportState:
    """The report as a publish reads it (`ReportState`), read now."""
    findings = await findings_of(scope, [row.id])
    values = report_values(row, findings.get(row.id, []))
    return ReportState(values, await document_rows(scope, row.id))


DOCUMENT_SELECT = columns(models.Document, column_names(models.Document))


async def document_rows(scope: Scope, report_id: str) -> list[dict[str, Any]]:
    """Every document row of the report as plain values, in id order (read afresh,
    never from the session's identity map)."""
    rows = await scope.session.execute(
        select(*DOCUMENT_SELECT)
        .where(models.Document.report_id == report_id)
        .order_by(models.Document.id)
    )
    return [dict(row) for row in rows.mappings()]


async def supersede_report(
    scope: Scope, report_id: str, superseded_by_id: str, selected: frozenset[str]
) -> Disclosed:
    """PUBLISHED → SUPERSEDED by a newer report on the same supplier."""
    row = await party_row(scope, report_id, Action.SUPERSEDE, commissioner_only=True)
    newer = await party_row(scope, superseded_by_id, Action.SUPERSEDE, commissioner_only=True)
    if newer.id == row.id or newer.supplier_id != row.supplier_id:
        raise InvalidInput("supersededById", "must be another report on the same supplier")
    if newer.status not in (AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED):
        raise InvalidInput("supersededById", "the newer report must be SUBMITTED or PUBLISHED")
    row.status = rules.transition(row.status, "supersede")
    newer.supersedes_id = row.id
    await record_share_change(scope, row, (row.share_scope, row.network_id), "superseded")
    await scope.commit()
    return await get_report(scope, row.id, selected)


async def withdraw_report(
    scope: Scope, report_id: str, reason: str | None, selected: frozenset[str]
) -> Disclosed:
    """SUBMITTED or PUBLISHED → WITHDRAWN: no longer shared."""
    row = await party_row(scope, report_id, Action.WITHDRAW, commissioner_only=True)
    row.status = rules.transition(row.status, "withdraw")
    await record_share_change(
        scope,
        row,
        (row.share_scope, row.network_id),
        "withdrawn",
        reason=optional_text("reason", reason, limit=2_000),
    )
    await scope.commit()
    return await get_report(scope, row.id, selected)


async def require_member(scope: Scope, network_id: str, organization_id: str) -> None:
    """NETWORK sharing needs the commissioning body to be a member (one definition:
    `domain.networks.MEMBERSHIP`, compiled to SQL)."""
    await require_network(scope, network_id, "networkId")
    rows = await scope.session.execute(member_networks(organization_id))
    if network_id not in {str(member_of) for member_of in rows.scalars()}:
        raise InvalidInput("networkId", "the commissioning body is not a member of that network")


def guard_texts(values: dict[str, Any]) -> None:
    """Refuse while any text a viewer outside the parties could read (the supplier,
    share-scope members, the public) holds personal data."""
    texts: dict[str, str] = {}
    for cleared in outside_parties(AUDIT_REPORT):
        for path, text in free_texts(disclose(values, AUDIT_REPORT, cleared)):
            texts.setdefault(path, text)
    for path, text in texts.items():
        hits = find_personal_data(text)
        if hits:
            raise refusal(path, hits)


def shared_originals_of(documents: list[dict[str, Any]]) -> Iterator[SharedOriginal]:
    """The uploaded documents a viewer outside the parties could fetch, to be
    scanned; refused at once when a file name holds personal data."""
    readers = outside_parties(AUDIT_REPORT)
    for index, document in enumerate(documents):
        if document["is_rendition"] or not any(
            document_visible(document, cleared) for cleared in readers
        ):
            continue
        field = f"documents.{index}"
        name_hits = find_personal_data(document["filename"])
        if name_hits:
            # The name itself is withheld from the message: it is the personal data.
            raise PersonalDataDetected(
                f"document {index + 1}: its file name {describe(name_hits)}; upload it "
                "again under another name or reclassify it as RESTRICTED",
                field=field,
            )
        yield SharedOriginal(
            field,
            document["filename"],
            document["object_key"],
            document["content_type"],
            document["sha256"],
        )


async def scan_shared_originals(objects: ObjectStore, originals: Sequence[SharedOriginal]) -> None:
    """Refuse while a shared original holds personal data (`scan_document`); the
    store is read, so call it without a database connection."""
    for original in originals:
        problem = await anyio.to_thread.run_sync(scan_document, objects, original)
        if problem:
            raise PersonalDataDetected(
                f"document {original.filename}: {problem}", field=original.field
            )


def scan_document(objects: ObjectStore, document: SharedOriginal) -> str | None:
    """Why a shared document may not be shared, or None: personal data anywhere a
    program would show it (`services.content.files.extract_places`), a document
    that cannot be checked (an image, a scan, past a worker limit), or content a
    shared original may not carry (annotations, form values, attachments,
    scripts). The document is read in a worker process with limits
    (`services.content.worker`); blocking, so call it from a worker thread."""
    with tempfile.NamedTemporaryFile(prefix="kjede-scan-") as copy:
        for chunk in objects.open(document.object_key, document.sha256):
            copy.write(chunk)
        copy.flush()
        try:
            scan = scan_file(copy.name, document.content_type)
        except UnsupportedDocument as exc:
            return str(exc)
    if scan.personal_data:
        return (
            f"{scan.personal_data} (found in {', '.join(scan.places)}); "
            "reclassify it as RESTRICTED or clean it"
        )
    if scan.review:
        return scan.review
    if scan.extras:
        return (
            f"a shared original may not carry {'; '.join(scan.extras)}: remove them (print "
            "it to a new PDF) and upload it again, or classify it RESTRICTED"
        )
    return None


async def rendition_names(scope: Scope, row: models.AuditReport) -> dict[str, Any]:
    """Public facts a rendition prints beside the report: who, and where."""
    loaders = scope.loaders
    names = await loaders.organization.load_many(
        [row.commissioned_by_id, row.supplier_id, row.auditor_id or row.supplier_id]
    )
    facilities = await loaders.reports.facilities.load(row.id)
    return {
        "commissionedBy": {"name": names[0].name if names[0] else ""},
        "supplier": {"name": names[1].name if names[1] else ""},
        "auditor": {"name": names[2].name} if row.auditor_id and names[2] else None,
        "facilities": [
            {"name": f.name, "country": f.country, "address": f.address} for f in facilities
        ],
    }


async def record_share_change(
    scope: Scope,
    row: models.AuditReport,
    previous: tuple[ShareScope, str | None],
    action: str = "share_changed",
    **extra: Any,
) -> None:
    principal = scope.viewer()
    detail: dict[str, Any] = {
        "from": {"scope": previous[0].value, "networkId": previous[1]},
        "to": {"scope": row.share_scope.value, "networkId": row.network_id},
        "status": row.status.value,
        **{key: value for key, value in extra.items() if value is not None},
    }
    await audit_log.append(
        scope.session,
        [
            audit_log.AuditEvent(
                action=action,
                subject_type=AUDIT_REPORT.record,
                subject_id=row.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail=detail,
            )
        ],
    )
