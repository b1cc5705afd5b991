"""Direct uploads: a document's bytes go from the client straight to the object
store, and are checked there after the client has its answer.

1. `begin_upload` (the uploader may add a document to the report, the declared
   size is within the limit) adds a row AWAITING_BYTES and hands out a URL that
   takes one PUT of the file until it expires: an S3 presigned PUT to a
   quarantine key (`storage.objects.quarantine_key`), or on the local store the
   app's own signed `/uploads/{id}` (api/direct_uploads.py). Nothing but the
   check ever reads a quarantine key.
2. `finish_upload`: the bytes are there, as many as declared; the row turns
   CHECKING and the answer goes back at once. The client polls `get_upload`.
3. `check_upload`, in the background (`UploadChecks`): a checker claims the row
   (one replica does), reads the quarantine object into a spool, checks and
   stores it exactly as `uploadDocument` does (a PDF cleaned, anything else
   checked as sent; `services.documents.store_spool`) under a key of its own,
   then attaches the document (the report must still take it) and marks the row
   STORED, or REFUSED with the reason. The quarantine object is deleted either
   way. What the check stores is what it read and checked, never a second read
   of a URL the client may still PUT to.

Nothing is lost when a process dies: a CHECKING row whose claim is older than
`CLAIM_TTL` (or was never claimed) is taken up again by any replica's checker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.disclosure import Clearance, Disclosed, disclose, row_values
from authz.records import AUDIT_REPORT, DOCUMENT_UPLOAD
from domain import audit_reports as report_rules
from domain import document_uploads as rules
from domain.enums import Classification, DocumentUploadStatus
from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.mini_competitions import as_utc
from services import writes
from services.content.files import SNIFF_BYTES, UnsupportedDocument, sniff_content_type
from services.documents import DocumentView, new_document, present_documents, store_spool
from services.report_authoring import writable_for_upload
from services.scope import Scope
from settings import Settings
from storage import models, signed_urls
from storage.db import write_transaction
from storage.objects import (
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StoredObject,
    quarantine_key,
)
from storage.spool import UploadSpool

__all__ = [
    "CheckDeps",
    "UploadChecks",
    "UploadView",
    "begin_upload",
    "check_upload",
    "finish_upload",
    "get_upload",
]

log = logging.getLogger(__name__)

Status = DocumentUploadStatus


@dataclass(frozen=True)
class UploadView:
    upload: Disclosed
    upload_url: str | None  # while the upload takes bytes
    document: DocumentView | None  # once STORED, if the viewer may see it


async def begin_upload(
    scope: Scope,
    report_id: str,
    filename: str,
    size: int,
    classification: Classification,
    selected: frozenset[str],
) -> UploadView:
    name = rules.check_begin(filename, size, scope.settings.max_upload_bytes)
    async with writes.mutation(scope):
        report = await writable_for_upload(scope, report_id)
        now = await scope.now()
        row = models.DocumentUpload(
            report_id=report.id,
            uploader_id=scope.viewer().organization_id,
            user_id=scope.viewer().user_id,
            filename=name,
            size=size,
            classification=classification,
            quarantine_key=quarantine_key(report.commissioned_by_id),
            status=Status.AWAITING_BYTES,
            expires_at=now + rules.URL_TTL,
            created_at=now,
        )
        scope.session.add(row)
        await scope.commit()
    return await _view(scope, row, selected)


async def finish_upload(scope: Scope, upload_id: str, selected: frozenset[str]) -> UploadView:
    """The client says the bytes are at the upload URL: check that they are, as
    many as declared, and have them checked in the background."""
    row = await _own_row(scope, upload_id)
    async with scope.without_connection():  # no transaction waits on the store
        arrived = await _arrived(scope.objects, row.quarantine_key)
    async with writes.mutation(scope):
        row = await _own_row(scope, upload_id, for_update=True)  # as it is now
        await writable_for_upload(scope, row.report_id)  # may it still add documents?
        next_status = rules.transition(row.status, "finish")
        if not rules.url_open(as_utc(row.expires_at), await scope.now()):
            raise Conflict("the upload URL has expired; begin a new upload")
        problem = rules.check_arrived(row.size, arrived)
        if problem is not None:
            raise InvalidInput("id", problem)
        row.status = next_status
        await scope.commit()
    if scope.upload_checks is not None:
        scope.upload_checks(row.id)
    return await _view(scope, row, selected)


async def get_upload(scope: Scope, upload_id: str, selected: frozenset[str]) -> UploadView:
    return await _view(scope, await _own_row(scope, upload_id), selected)


async def _own_row(
    scope: Scope, upload_id: str, *, for_update: bool = False
) -> models.DocumentUpload:
    row = await scope.session.get(
        models.DocumentUpload, upload_id, populate_existing=for_update, with_for_update=for_update
    )
    if row is None or DOCUMENT_UPLOAD.clearance(row, await scope.facts()) is None:
        raise NotFound(f"no document upload with id {upload_id} that you may see")
    return row


async def _arrived(objects: ObjectStore, key: str) -> int | None:
    try:
        return (await anyio.to_thread.run_sync(objects.info, key)).size
    except ObjectNotFound:
        return None


async def _view(scope: Scope, row: models.DocumentUpload, selected: frozenset[str]) -> UploadView:
    cleared = DOCUMENT_UPLOAD.clearance(row, await scope.facts())
    if cleared is None:  # pragma: no cover - every caller found the row visible
        raise NotFound(f"no document upload with id {row.id} that you may see")
    disclosed = disclose(row_values(row), DOCUMENT_UPLOAD, cleared)
    url = None
    if row.status is Status.AWAITING_BYTES:
        now = await scope.now()
        if rules.url_open(as_utc(row.expires_at), now):
            url = _upload_url(scope, row, now)
    document = None
    if row.status is Status.STORED and row.document_id is not None:
        document = await _document(scope, row, selected)
    return UploadView(disclosed, url, document)


def _upload_url(scope: Scope, row: models.DocumentUpload, now: dt.datetime) -> str:
    """Where the file goes until it expires: an S3 presigned PUT, else the app's
    signed URL."""
    expires_at = as_utc(row.expires_at)
    ttl = expires_at - now
    url = scope.objects.presigned_put_url(row.quarantine_key, max(ttl, dt.timedelta(seconds=1)))
    if url is not None:
        return url
    path = signed_urls.upload_path(scope.url_secret, row.id, int(expires_at.timestamp()))
    return path if scope.base_url is None else scope.base_url + path


async def _document(
    scope: Scope, row: models.DocumentUpload, selected: frozenset[str]
) -> DocumentView | None:
    """The stored document, as the report's documents show it to this viewer; a
    link to it handed to anyone but who sent it is a read (logged, by level)."""
    report = await scope.session.get(models.AuditReport, row.report_id)
    document = await scope.session.get(models.Document, row.document_id)
    if report is None or document is None:
        return None
    cleared: Clearance | None = AUDIT_REPORT.clearance(report, await scope.facts())
    if cleared is None:
        return None
    own_upload = scope.viewer().user_id == row.user_id
    views = present_documents(scope, cleared, [document], selected, own_upload=own_upload)
    return views[0] if views else None


# --- the background check ---------------------------------------------------------


@dataclass(frozen=True)
class CheckDeps:
    """What a check needs, without a caller: it runs as nobody, on rows a caller
    already had the right to finish."""

    sessions: async_sessionmaker[AsyncSession]
    objects: ObjectStore
    settings: Settings
    clock: Callable[[], dt.datetime]


async def check_upload(deps: CheckDeps, upload_id: str) -> Status | None:
    """Claim, check, store and attach one finished upload; the status it ended in,
    or None when it was not this checker's to take (done, or claimed by another).
    An outage (store or database) leaves the claim to lapse, so that it is
    retried; a refusal is final."""
    async with deps.sessions() as session:
        if not await _claim(session, upload_id, deps.clock()):
            return None
        row = await session.get(models.DocumentUpload, upload_id)
        report = await session.get(models.AuditReport, row.report_id) if row else None
        if row is None or report is None:  # pragma: no cover - cascaded away meanwhile
            return None
        await session.commit()  # hold no transaction while the file is checked
        quarantined = row.quarantine_key
        try:
            stored = await anyio.to_thread.run_sync(
                _store_quarantined, deps, row, report.commissioned_by_id
            )
        except (UnsupportedDocument, ObjectTooLarge, ObjectNotFound) as exc:
            return await _refuse(
                deps, session, upload_id, quarantined, _refusal(exc, deps.settings)
            )
        try:
            async with write_transaction(session):
                await _attach(session, upload_id, stored)
        except DomainError as exc:  # the report no longer takes it
            await session.rollback()
            await anyio.to_thread.run_sync(deps.objects.delete, stored.key)
            return await _refuse(deps, session, upload_id, quarantined, str(exc))
        await _discard_quarantined(deps.objects, quarantined)
        return Status.STORED


async def _claim(session: AsyncSession, upload_id: str, now: dt.datetime) -> bool:
    return await _while_checking(session, upload_id, _claimable(now), claimed_at=now)


async def _while_checking(
    session: AsyncSession, upload_id: str, *conditions: ColumnElement[bool], **values: object
) -> bool:
    """Set `values` on the upload if it is still CHECKING (and `conditions` hold), in
    a write of its own; whether it was."""
    async with write_transaction(session):
        result = await session.execute(
            update(models.DocumentUpload)
            .where(
                models.DocumentUpload.id == upload_id,
                models.DocumentUpload.status == Status.CHECKING,
                *conditions,
            )
            .values(**values)
        )
        await session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    claimed_at = models.DocumentUpload.claimed_at
    return or_(claimed_at.is_(None), claimed_at <= now - rules.CLAIM_TTL)


def _store_quarantined(deps: CheckDeps, row: models.DocumentUpload, tenant_id: str) -> StoredObject:
    """Read the quarantine object into a spool (the bytes checked are the bytes
    stored), then check and store it under a key of its own."""
    max_bytes = deps.settings.max_upload_bytes
    with UploadSpool(rollover=0, prefix="kjede-direct-") as spool:
        for chunk in deps.objects.open(row.quarantine_key):
            if spool.size + len(chunk) > max_bytes:
                raise ObjectTooLarge(f"upload exceeds {max_bytes} bytes")
            spool.write(chunk)
        spool.seek(0)
        head = spool.read(SNIFF_BYTES)
        content_type = sniff_content_type(head, row.filename)
        return store_spool(deps.objects, tenant_id, spool, content_type, max_bytes)


def _refusal(exc: Exception, settings: Settings) -> str:
    if isinstance(exc, ObjectTooLarge):
        return f"the file is larger than the limit of {settings.max_upload_bytes} bytes"
    if isinstance(exc, ObjectNotFound):
        return "the uploaded bytes are gone from the store; begin a new upload"
    return str(exc)


async def _attach(session: AsyncSession, upload_id: str, stored: StoredObject) -> None:
    row = await session.get(models.DocumentUpload, upload_id, populate_existing=True)
    report = (
        await session.get(models.AuditReport, row.report_id, populate_existing=True)
        if row
        else None
    )
    if row is None or report is None:  # pragma: no cover - cascaded away meanwhile
        raise Conflict("the upload's report is gone")
    originals = await session.scalar(
        select(func.count())
        .select_from(models.Document)
        .where(models.Document.report_id == report.id, models.Document.is_rendition.is_(False))
    )
    report_rules.require_attachable(report.status, int(originals or 0))
    row.status = rules.transition(row.status, "store")  # before anything is written
    document = new_document(report, row.filename, stored, row.classification)
    session.add(document)
    await session.flush()
    row.document_id = document.id
    await session.commit()


async def _refuse(
    deps: CheckDeps, session: AsyncSession, upload_id: str, quarantined: str, reason: str
) -> Status | None:
    """REFUSED, unless another checker finished it meanwhile (a claim that lapsed)."""
    refused = rules.transition(Status.CHECKING, "refuse")
    if not await _while_checking(session, upload_id, status=refused, refusal=reason[:2000]):
        return None
    await _discard_quarantined(deps.objects, quarantined)
    return Status.REFUSED


async def _discard_quarantined(objects: ObjectStore, key: str) -> None:
    """Best effort: what is left is an orphan for `kjede objects sweep`."""
    try:
        await anyio.to_thread.run_sync(objects.delete, key)
    except Exception:
        log.warning("could not delete quarantine object %s; the sweep will", key, exc_info=True)


class UploadChecks:
    """The process's checker: runs finished uploads' checks one at a time (each
    is a worker process's CPU), those this process was told of first, and on
    start and every `poll_seconds` (0: only on start) any that nobody holds (left
    by a process that died, or finished where no checker ran)."""

    def __init__(self, deps: CheckDeps, poll_seconds: float = 30.0) -> None:
        self.deps = deps
        self.poll_seconds = poll_seconds
        self._queue: asyncio.Queue[str] | None = None  # while running

    def submit(self, upload_id: str) -> None:
        """Check it soon; when the checker is not running, a poll will."""
        if self._queue is not None:
            self._queue.put_nowait(upload_id)

    async def run_left_over(self) -> int:
        """Check every finished upload nobody holds; how many this checker took."""
        checked = 0
        async with self.deps.sessions() as session:
            ids = (
                await session.scalars(
                    select(models.DocumentUpload.id)
                    .where(
                        models.DocumentUpload.status == Status.CHECKING,
                        _claimable(self.deps.clock()),
                    )
                    .order_by(models.DocumentUpload.created_at)
                    .limit(100)
                )
            ).all()
        for upload_id in ids:
            if await self._check(upload_id) is not None:
                checked += 1
        return checked

    async def _check(self, upload_id: str) -> Status | None:
        try:
            return await check_upload(self.deps, upload_id)
        except Exception:
            log.warning("checking upload %s failed; retried later", upload_id, exc_info=True)
            return None

    async def _run(self, queue: asyncio.Queue[str]) -> None:
        timeout = self.poll_seconds if self.poll_seconds > 0 else None
        await self._poll()
        while True:
            try:
                upload_id = await asyncio.wait_for(queue.get(), timeout)
            except TimeoutError:
                await self._poll()
                continue
            await self._check(upload_id)

    async def _poll(self) -> None:
        try:
            await self.run_left_over()
        except Exception:
            log.warning("looking for finished uploads failed", exc_info=True)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the checker for the life of the block (the app's lifespan)."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._queue = queue
        task = asyncio.create_task(self._run(queue))
        try:
            yield
        finally:
            self._queue = None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
