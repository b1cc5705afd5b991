"""The object sweep: remove stored objects no document row references any more.

Objects are written before the row that names them is committed (an upload, the
renditions of a publish), and a rendition replaced on re-sharing leaves its old
bytes behind, so a store collects orphans. A sweep

1. releases the renditions of SUPERSEDED and WITHDRAWN reports: their rows are
   deleted in one transaction, so their objects become unreferenced like any
   other orphan (the report, its findings and its uploaded originals stay);
2. lists the store and, batch by batch, asks the database which of the listed
   keys a row still references (`documents.object_key`; one object may back
   several rows);
3. removes an unreferenced object only when it was last written before the
   cutoff (now minus the grace period), and checks that age again right before
   deleting it; a direct upload's quarantine key (`<tenant>/q-...`) counts as
   referenced while its upload is CHECKING (a check whose process died is taken
   up again), and one the check did not delete (never finished, or refused and
   left) goes once its URL has long expired;
4. discards uploads begun before the cutoff and never completed or aborted
   (`ObjectStore.unfinished`: S3 multipart uploads, spool files of the local
   store), which a process that died while staging an upload leaves behind.
   They were never readable; a live upload is younger than any grace period;
5. forgets the rows of direct uploads done (STORED or REFUSED) or whose URL
   expired unfinished before the cutoff: a client reads its outcome until then.

Race safety rests on the grace period and on two facts of the stores: an object
is written before its row is committed, and writing an object (an identical
re-upload of a content-addressed one included) refreshes its last-modified
time. An upload whose row is not committed yet is younger than the grace
period, so it is kept; an old content-addressed orphan that is written again
is young again, and the re-check before the delete sees it. An upload key
(`<tenant>/u-...`) is written by one upload only, so no row but its own ever
names it. What remains is a window of one round trip between that re-check
and the delete, for a re-upload of exactly those bytes whose row then commits;
the grace period (default 24 h) is what keeps the first case, and the second is
far narrower than any upload.

Rows always go before objects: a crash between the two leaves an orphan for the
next sweep, never a row without its object.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Engine, Select, and_, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from domain.enums import AuditReportStatus, DocumentUploadStatus
from storage import db
from storage.models import AuditReport, Document, DocumentUpload
from storage.objects import ObjectInfo, ObjectNotFound, ObjectStore, UnfinishedUpload

__all__ = [
    "RELEASED_STATUSES",
    "ReleasedRendition",
    "SweepResult",
    "sweep",
]

# Renditions of reports in these states are no longer kept: a superseded report
# has a successor with its own renditions, a withdrawn one is shared no more.
RELEASED_STATUSES = frozenset({AuditReportStatus.SUPERSEDED, AuditReportStatus.WITHDRAWN})
BATCH_SIZE = 500


@dataclass(frozen=True)
class ReleasedRendition:
    document_id: str
    report_id: str
    status: AuditReportStatus
    filename: str
    object_key: str


@dataclass(frozen=True)
class SweepResult:
    """What a sweep removed (`applied`) or would remove (a dry run)."""

    applied: bool
    cutoff: dt.datetime
    released: tuple[ReleasedRendition, ...]
    orphans: tuple[ObjectInfo, ...]
    scanned: int = 0
    # Unreferenced but written after the cutoff: kept (an upload may still commit).
    young: tuple[ObjectInfo, ...] = field(default=())
    # Old when listed, written again before the delete: kept.
    refreshed: tuple[str, ...] = field(default=())
    # Uploads begun before the cutoff, never finished: discarded (or would be).
    unfinished: tuple[UnfinishedUpload, ...] = field(default=())
    # Rows of direct uploads done or expired before the cutoff: deleted (or would be).
    forgotten_uploads: int = 0

    @property
    def orphan_bytes(self) -> int:
        return sum(orphan.size for orphan in self.orphans)


def sweep(
    engine: Engine,
    store: ObjectStore,
    *,
    grace: dt.timedelta,
    apply: bool = False,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> SweepResult:
    """Find (and with `apply`, remove) the released renditions and the unreferenced
    objects last written before `now - grace`."""
    if grace < dt.timedelta(0):
        raise ValueError("the grace period cannot be negative")
    cutoff = (now or dt.datetime.now(dt.UTC)) - grace
    factory = db.make_session_factory(engine)
    released = _release_renditions(factory, apply=apply)
    orphans: list[ObjectInfo] = []
    young: list[ObjectInfo] = []
    refreshed: list[str] = []
    scanned = 0
    for batch in _batches(store.scan(), batch_size):
        scanned += len(batch)
        with factory() as session:
            referenced = _referenced(session, [info.key for info in batch])
        for info in batch:
            if info.key in referenced:
                continue
            if info.modified > cutoff:
                young.append(info)
            elif not apply or _delete_if_old(store, info.key, cutoff):
                orphans.append(info)
            else:
                refreshed.append(info.key)
    unfinished = list(store.unfinished(cutoff))
    if apply:
        for upload in unfinished:
            store.discard(upload)
    forgotten = _forget_uploads(factory, cutoff, apply=apply)
    return SweepResult(
        applied=apply,
        cutoff=cutoff,
        released=tuple(released),
        orphans=tuple(orphans),
        scanned=scanned,
        young=tuple(young),
        refreshed=tuple(refreshed),
        unfinished=tuple(unfinished),
        forgotten_uploads=forgotten,
    )


def _released_reports() -> Select[str]:
    return select(AuditReport.id).where(AuditReport.status.in_(RELEASED_STATUSES))


def _is_released() -> ColumnElement[bool]:
    """A rendition row of a SUPERSEDED or WITHDRAWN report."""
    return and_(Document.is_rendition.is_(True), Document.report_id.in_(_released_reports()))


def _is_live() -> ColumnElement[bool]:
    """Not `_is_released()`, spelled out so that no NULL makes a row count for neither."""
    return or_(
        Document.is_rendition.is_not(True),
        Document.report_id.is_(None),
        Document.report_id.not_in(_released_reports()),
    )


def _release_renditions(factory: sessionmaker[Session], *, apply: bool) -> list[ReleasedRendition]:
    with db.transaction(factory) as session:
        rows = session.execute(
            select(
                Document.id,
                Document.report_id,
                AuditReport.status,
                Document.filename,
                Document.object_key,
            )
            .join(AuditReport, AuditReport.id == Document.report_id)
            .where(_is_released())
            .order_by(Document.report_id, Document.filename)
        ).all()
        released = [
            ReleasedRendition(row.id, str(row.report_id), row.status, row.filename, row.object_key)
            for row in rows
        ]
        if apply and released:
            session.execute(
                delete(Document).where(Document.id.in_([r.document_id for r in released]))
            )
    return released


def _referenced(session: Session, keys: Sequence[str]) -> set[str]:
    """The keys some live row names (a document, or an upload being checked);
    renditions about to be released do not count, so a dry run shows what
    `--apply` would remove."""
    if not keys:
        return set()
    statement = select(Document.object_key).where(Document.object_key.in_(keys), _is_live())
    checking = select(DocumentUpload.quarantine_key).where(
        DocumentUpload.quarantine_key.in_(keys),
        DocumentUpload.status == DocumentUploadStatus.CHECKING,
    )
    return set(session.scalars(statement.union(checking)))


def _forget_uploads(factory: sessionmaker[Session], cutoff: dt.datetime, *, apply: bool) -> int:
    """How many direct uploads' rows are done, or expired unfinished, before `cutoff`
    (deleted with `apply`)."""
    done = DocumentUpload.status.in_([DocumentUploadStatus.STORED, DocumentUploadStatus.REFUSED])
    expired = and_(
        DocumentUpload.status == DocumentUploadStatus.AWAITING_BYTES,
        DocumentUpload.expires_at < cutoff,
    )
    old = or_(and_(done, DocumentUpload.created_at < cutoff), expired)
    with db.transaction(factory) as session:
        ids = list(session.scalars(select(DocumentUpload.id).where(old)))
        if apply and ids:
            session.execute(delete(DocumentUpload).where(DocumentUpload.id.in_(ids)))
    return len(ids)


def _delete_if_old(store: ObjectStore, key: str, cutoff: dt.datetime) -> bool:
    """Delete unless written since the cutoff (a re-upload of the same bytes)."""
    try:
        current = store.info(key)
    except ObjectNotFound:
        return True  # gone already: another sweep
    if current.modified > cutoff:
        return False
    store.delete(key)
    return True


def _batches(items: Iterable[ObjectInfo], size: int) -> Iterator[list[ObjectInfo]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
