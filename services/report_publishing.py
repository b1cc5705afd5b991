"""Sharing audit reports: publish (or re-scope), supersede, withdraw.

Publishing builds the report's values once: the personal-data guard reads
every text a viewer outside the parties could read (the audited supplier
included, at any share scope), and the shared renditions are disclosed from
the same values.
"""

from __future__ import annotations

import tempfile
from typing import Any

import anyio.to_thread
from sqlalchemy import delete

from authz.disclosure import (
    Disclosed,
    disclose,
    free_texts,
    outside_parties,
    row_values,
    to_plain,
)
from authz.policies import Action
from authz.records import AUDIT_REPORT, RENDITION_CLEARANCES, document_visible
from authz.viewer import member_networks
from domain import audit_reports as rules
from domain.enums import AuditReportStatus, ShareScope
from domain.errors import InvalidInput, PersonalDataDetected
from domain.personal_data import describe, find_personal_data
from domain.text import optional_text
from services import coordination
from services.audit_reports import get_report, load_values
from services.content.files import UnsupportedDocument
from services.content.worker import scan_file
from services.documents import store_renditions
from services.report_authoring import party_row, require_network
from services.scope import Scope
from storage import audit_log, models
from storage.objects import ObjectStore


async def publish_report(
    scope: Scope,
    report_id: str,
    share_scope: ShareScope,
    network_id: str | None,
    selected: frozenset[str],
) -> Disclosed:
    """SUBMITTED → PUBLISHED with a share scope (or re-scope a PUBLISHED report);
    PERSONAL_DATA_DETECTED while text that leaves the parties holds personal data."""
    row = await party_row(scope, report_id, Action.PUBLISH, commissioner_only=True)
    action = "reshare" if row.status is AuditReportStatus.PUBLISHED else "publish"
    new_status = rules.transition(row.status, action)
    if row.focus_area_id is not None:  # shared with the focus area's whole network
        network_id = await coordination.share_network(
            scope, row.focus_area_id, share_scope, network_id
        )
    rules.check_share(share_scope, network_id)
    if network_id is not None:
        await require_member(scope, network_id, row.commissioned_by_id)
    (values,) = await load_values(scope, [row])
    await guard_personal_data(scope, row, values)
    previous = (row.share_scope, row.network_id)
    row.status = new_status
    row.share_scope = share_scope
    row.network_id = network_id
    row.published_at = row.published_at or models.utcnow()
    values.update(
        status=row.status,
        share_scope=row.share_scope,
        network_id=row.network_id,
        published_at=row.published_at,
    )
    await replace_renditions(scope, row, values)
    await record_share_change(scope, row, previous)
    await scope.commit()
    return await get_report(scope, row.id, selected)


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


async def guard_personal_data(
    scope: Scope, row: models.AuditReport, values: dict[str, Any]
) -> None:
    """Refuse while any text or document a viewer outside the parties could read
    (the supplier, share-scope members, the public) holds personal data."""
    readers = outside_parties(AUDIT_REPORT)
    texts: dict[str, str] = {}
    for cleared in readers:
        for path, text in free_texts(disclose(values, AUDIT_REPORT, cleared)):
            texts.setdefault(path, text)
    for path, text in texts.items():
        hits = find_personal_data(text)
        if hits:
            raise PersonalDataDetected(f"{path} {describe(hits)}", field=path)
    documents = await scope.loaders.reports.documents.load(row.id)
    for index, document in enumerate(documents):
        document_values = row_values(document)
        if document.is_rendition or not any(
            document_visible(document_values, cleared) for cleared in readers
        ):
            continue
        field = f"documents.{index}"
        name_hits = find_personal_data(document.filename)
        if name_hits:
            # The name itself is withheld from the message: it is the personal data.
            raise PersonalDataDetected(
                f"document {index + 1}: its file name {describe(name_hits)}; upload it "
                "again under another name or reclassify it as RESTRICTED",
                field=field,
            )
        problem = await anyio.to_thread.run_sync(scan_document, scope.objects, document)
        if problem:
            raise PersonalDataDetected(f"document {document.filename}: {problem}", field=field)


def scan_document(objects: ObjectStore, document: models.Document) -> str | None:
    """Why a shared document may not be shared, or None: personal data anywhere a
    program would show it (`services.content.files.extract_places`), a document
    that cannot be checked (an image, a scan, past a worker limit), or content a
    shared original may not carry (annotations, form values, attachments,
    scripts). The document is read in a worker process with limits
    (`services.content.worker`); blocking, so call it from a worker thread."""
    with tempfile.NamedTemporaryFile(prefix="kjede-scan-") as copy:
        for chunk in objects.open(document.object_key):
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


async def replace_renditions(scope: Scope, row: models.AuditReport, values: dict[str, Any]) -> None:
    """Regenerate the shared renditions, each disclosed from the report's values at
    its level, with the names of the organisations and facilities it prints."""
    names = await rendition_names(scope, row)
    structures = {
        level: {**to_plain(disclose(values, AUDIT_REPORT, cleared)), **names}
        for level, cleared in RENDITION_CLEARANCES.items()
    }
    await scope.session.execute(
        delete(models.Document).where(
            models.Document.report_id == row.id, models.Document.is_rendition.is_(True)
        )
    )
    scope.session.add_all(await store_renditions(scope.objects, row, structures))


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
