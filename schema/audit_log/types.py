"""One audit-log entry as an administrator sees it."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from services.audit_entries import AuditEntryView


@strawberry.type(description="One entry of the hash-chained audit log.")
class AuditEntry:
    seq: int = strawberry.field(description="Position in the chain, 1 first.")
    at: dt.datetime
    action: str = strawberry.field(
        description="e.g. read_restricted, read_personal, publish, share_changed."
    )
    subject_type: str
    subject_id: strawberry.ID
    actor_email: str | None = strawberry.field(description="Who did it (a user of yours).")
    detail: str = strawberry.field(description="What else was recorded, as compact JSON.")

    @classmethod
    def from_view(cls, view: AuditEntryView) -> Self:
        return cls(
            seq=view.seq,
            at=view.at,
            action=view.action,
            subject_type=view.subject_type,
            subject_id=strawberry.ID(view.subject_id),
            actor_email=view.actor_email,
            detail=view.detail,
        )
