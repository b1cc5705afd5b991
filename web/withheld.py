"""What a page says about a withheld field: its classification, read from the
record's policy (authz/records.py), the one place classifications are declared."""

from __future__ import annotations

import re

from authz.disclosure import Policy
from authz.records import AUDIT_REPORT
from domain.enums import Classification


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def classification(path: str, policy: Policy = AUDIT_REPORT) -> Classification | None:
    """The classification of a withheld path of a record of POLICY ("commercialNotes",
    "findings.0.evidence", "findings.1.correctiveAction.dueDate" of an audit report;
    "answers.grievanceContact" of a self-report), or None. Nested records follow the
    policy's children; a self-report's answers are keyed by question id as it is."""
    parts = [part for part in path.split(".") if not part.isdigit()]
    if not parts:
        return None
    for parent in parts[:-1]:
        policy = policy.children.get(snake(parent), policy)
    rule = policy.fields.get(parts[-1]) or policy.fields.get(snake(parts[-1]))
    return rule.level if rule is not None else None


def withheld_map(paths: list[str], policy: Policy = AUDIT_REPORT) -> dict[str, str]:
    """path -> classification name, for the template (unknown: RESTRICTED, the safe word)."""
    return {
        path: (classification(path, policy) or Classification.RESTRICTED).value for path in paths
    }
