"""Statements built once and kept: a viewer's report list reuses one statement per
row filter (`services.audit_reports.unfiltered_listing`), and its page statement
(`services.pagination.paged`), so SQLAlchemy computes their cache keys once; the
page's size and cursor are bound parameters, never baked into a kept statement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from authz.disclosure import row_filter
from authz.records import AUDIT_REPORT
from authz.viewer import ViewerFacts
from domain.enums import OrganizationKind
from services.audit_reports import REPORT_COLUMNS, unfiltered_listing
from services.pagination import PAGE_AFTER, PAGE_LIMIT, paged
from storage.models import AuditReport

KARI = ViewerFacts("o1", OrganizationKind.PUBLIC_BODY, False, frozenset({"n1"}))
OLA = ViewerFacts("o2", OrganizationKind.PUBLIC_BODY, False, frozenset({"n1"}))


def test_a_listing_is_kept_per_row_filter_and_supplier_join() -> None:
    kari = row_filter(AUDIT_REPORT, KARI, REPORT_COLUMNS)
    ola = row_filter(AUDIT_REPORT, OLA, REPORT_COLUMNS)
    assert unfiltered_listing(kari, True) is unfiltered_listing(kari, True)
    assert unfiltered_listing(kari, False) is not unfiltered_listing(kari, True)
    assert unfiltered_listing(ola, True) is not unfiltered_listing(kari, True)
    assert "JOIN organizations AS supplier" in str(unfiltered_listing(kari, True))
    assert "organizations" not in str(unfiltered_listing(kari, False))


def test_a_page_statement_is_kept_per_statement_and_binds_size_and_cursor() -> None:
    stmt = select(AuditReport.id)
    first = paged(stmt, AuditReport.id, after=False)
    assert paged(stmt, AuditReport.id, after=False) is first
    later = paged(stmt, AuditReport.id, after=True)
    assert later is not first and paged(stmt, AuditReport.id, after=True) is later
    assert paged(select(AuditReport.id), AuditReport.id, after=False) is not first
    text = str(later.compile(dialect=sqlite.dialect()))
    assert "audit_reports.id > ?" in text and text.endswith("LIMIT ? OFFSET ?")
    compiled = later.compile(dialect=sqlite.dialect())
    assert {PAGE_AFTER, PAGE_LIMIT} <= set(compiled.params)
