"""Direct uploads: the client sends a document's bytes straight to the object
store (an S3 presigned PUT, or the app's own signed URL on the local store),
then says so; the file is checked and stored in the background, and the upload
becomes its document. The lifecycle, as rules over plain values.

Who may see an upload is the disclosure kernel's (authz/records.py); the
checking is services/document_uploads.py's.
"""

from __future__ import annotations

import datetime as dt

from domain.enums import DocumentUploadStatus
from domain.errors import Conflict, InvalidInput

# Lifecycle ------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[frozenset[DocumentUploadStatus], DocumentUploadStatus]] = {
    "finish": (frozenset({DocumentUploadStatus.AWAITING_BYTES}), DocumentUploadStatus.CHECKING),
    "store": (frozenset({DocumentUploadStatus.CHECKING}), DocumentUploadStatus.STORED),
    "refuse": (
        frozenset({DocumentUploadStatus.AWAITING_BYTES, DocumentUploadStatus.CHECKING}),
        DocumentUploadStatus.REFUSED,
    ),
}

DONE = frozenset({DocumentUploadStatus.STORED, DocumentUploadStatus.REFUSED})

URL_TTL = dt.timedelta(minutes=15)
"""How long the upload URL takes bytes; `finishDocumentUpload` is refused after it."""

CLAIM_TTL = dt.timedelta(minutes=10)
"""A check claimed longer ago than this is taken up again (its process died)."""

MAX_FILENAME = 300


def transition(current: DocumentUploadStatus, action: str) -> DocumentUploadStatus:
    """The status after `action`, or CONFLICT naming what the upload must be in."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        needed = " or ".join(sorted(status.value for status in allowed))
        raise Conflict(f"cannot {action} an upload that is {current.value}; it must be {needed}")
    return target


def check_begin(filename: str, size: int, max_bytes: int) -> str:
    """The filename to keep, or INVALID_INPUT saying what to fix."""
    name = filename.strip()
    if not name:
        raise InvalidInput("filename", "must name the file, e.g. 'audit.pdf'")
    if len(name) > MAX_FILENAME:
        raise InvalidInput("filename", f"must be at most {MAX_FILENAME} characters")
    if size < 1:
        raise InvalidInput("size", "must be the file's size in bytes, at least 1")
    if size > max_bytes:
        raise InvalidInput("size", f"is larger than the limit of {max_bytes} bytes")
    return name


def check_arrived(declared: int, arrived: int | None) -> str | None:
    """Why the bytes at the upload URL cannot be checked, or None."""
    if arrived is None:
        return "nothing has arrived at the upload URL: PUT the file there, then finish"
    if arrived != declared:
        return f"{arrived} bytes arrived at the upload URL, but the upload declared {declared}"
    return None


def url_open(expires_at: dt.datetime, now: dt.datetime) -> bool:
    return now < expires_at
