"""The trusted documents: each file holds one operation named as the file, and every
one is valid against the API's schema (so a renamed field fails here, not in a page)."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from schema.app_schema import build_schema
from schema.cost import Limits, operation_to_run, refusal
from settings import Settings
from web.operations import DOCUMENTS, UnknownOperation, document
from web.pages import admin, coordination, home, mini_competitions, networks, reports, self_reports


def test_every_trusted_document_is_valid_against_the_schema() -> None:
    schema = build_schema(Settings())._schema
    assert {"Me", "ReportList", "ReportDetail"} <= set(DOCUMENTS)
    for name, trusted in DOCUMENTS.items():
        errors = validate(schema, parse(trusted.text))
        assert errors == [], f"{name}.graphql: {[error.message for error in errors]}"


def test_only_trusted_documents_run() -> None:
    with pytest.raises(UnknownOperation):
        document("{ auditReports { totalCount } }")
    assert document("ReportList").mutation is False


PAGE_SIZES = {
    "AuditLog": admin.PAGE_SIZE,
    "Contracts": networks.CONTRACTS_PAGE_SIZE,
    "CoordinatorBoard": coordination.PAGE_SIZE,
    "MiniCompetitions": mini_competitions.PAGE_SIZE,
    "Networks": networks.PAGE_SIZE,
    "ReportList": reports.PAGE_SIZE,
    "SelfReportIndex": self_reports.PAGE_SIZE,
    "SelfReportVersions": self_reports.PAGE_SIZE,
    "SupplierActions": home.ACTIONS_PAGE_SIZE,
}
"""The `$first` each page sends with its operation."""


def test_every_trusted_document_is_within_the_query_limits() -> None:
    """A page's operation must never be refused as too deep or too costly: each is
    priced under the default limits at the page size its page asks for."""
    settings = Settings()
    schema = build_schema(settings)._schema
    limits = Limits.from_settings(settings)
    for name, trusted in DOCUMENTS.items():
        parsed = parse(trusted.text)
        operation = operation_to_run(parsed, name)
        declared = {d.variable.name.value for d in operation.variable_definitions or ()}
        variables = {}
        if "first" in declared:
            assert name in PAGE_SIZES, f"{name}.graphql takes $first: add its page's size here"
            variables["first"] = PAGE_SIZES[name]
        refused = refusal(schema, parsed, operation, variables, limits)
        assert refused is None, f"{name}.graphql: {refused.message}"
