"""The trusted documents: each file holds one operation named as the file, and every
one is valid against the API's schema (so a renamed field fails here, not in a page)."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from schema.app_schema import build_schema
from settings import Settings
from web.operations import DOCUMENTS, UnknownOperation, document


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
