"""Reads are logged by what was disclosed: the request's read log.

A service that hands a viewer RESTRICTED or PERSONAL data (a field, a search that
matched on such a field, a download link to such a document) records it here;
the endpoint appends the events to the hash-chained audit log before the
response leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from authz.disclosure import Disclosed, sensitive_read
from authz.principal import Principal
from domain.enums import Classification
from storage.audit_log import AuditEvent


@dataclass
class ReadLog:
    principal: Principal | None
    events: list[AuditEvent] = field(default_factory=list)

    def record_read(self, level: Classification, subject_type: str, subject_id: str) -> None:
        principal = self.principal
        self.events.append(
            AuditEvent(
                action=f"read_{level.value.lower()}",
                subject_type=subject_type,
                subject_id=subject_id,
                actor_user_id=principal.user_id if principal else None,
                actor_org_id=principal.organization_id if principal else None,
            )
        )

    def record_disclosed(self, records: Iterable[Disclosed], selected: frozenset[str]) -> None:
        """One event per record whose selected, disclosed fields include
        RESTRICTED or PERSONAL ones (the most sensitive level is named)."""
        for record in records:
            level = sensitive_read(record, selected)
            if level is not None:
                self.record_read(level, record.record, str(record["id"]))
