"""`auditLog`: an administrator reads its organisation's audit entries
(services/audit_entries.py)."""

from __future__ import annotations

from schema.audit_log.queries import AuditLogQueries
from schema.audit_log.types import AuditEntry

__all__ = ["AuditEntry", "AuditLogQueries"]
