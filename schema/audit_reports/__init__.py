"""Audit reports: types, queries and mutations."""

from schema.audit_reports.mutations import AuditReportMutations
from schema.audit_reports.queries import AuditReportFilter, AuditReportQueries
from schema.audit_reports.types import AuditReport, CorrectiveAction, Document, Finding

__all__ = [
    "AuditReport",
    "AuditReportFilter",
    "AuditReportMutations",
    "AuditReportQueries",
    "CorrectiveAction",
    "Document",
    "Finding",
]
