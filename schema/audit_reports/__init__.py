"""Audit reports: types, queries and mutations."""

from schema.audit_reports import batched
from schema.audit_reports.mutations import AuditReportMutations
from schema.audit_reports.queries import AuditReportFilter, AuditReportQueries
from schema.audit_reports.types import AuditReport, CorrectiveAction, Document, Finding

COMPILED_ROOTS = ("auditReports", "auditReport")
"""Root query fields served by compiled plans (schema/compiled.py, `batched` registers
the relations a page resolves in one call)."""

__all__ = [
    "COMPILED_ROOTS",
    "AuditReport",
    "AuditReportFilter",
    "AuditReportMutations",
    "AuditReportQueries",
    "CorrectiveAction",
    "Document",
    "Finding",
    "batched",
]
