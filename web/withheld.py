"""What a page says about a withheld field: its classification, read from the
record's policy (authz/records.py), the one place classifications are declared."""

from __future__ import annotations

import re

from authz.records import AUDIT_REPORT, CORRECTIVE_ACTION, FINDING
from domain.enums import Classification

POLICIES = {"": AUDIT_REPORT, "findings": FINDING, "correctiveAction": CORRECTIVE_ACTION}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def classification(path: str) -> Classification | None:
    """The classification of a withheld path of an audit report ("commercialNotes",
    "findings.0.evidence", "findings.1.correctiveAction.dueDate"), or None."""
    parts = [part for part in path.split(".") if not part.isdigit()]
    policy = AUDIT_REPORT
    for parent in parts[:-1]:
        policy = POLICIES.get(parent, policy)
    rule = policy.fields.get(snake(parts[-1])) if parts else None
    return rule.level if rule is not None else None


def withheld_map(paths: list[str]) -> dict[str, str]:
    """path -> classification name, for the template (unknown: RESTRICTED, the safe word)."""
    return {path: (classification(path) or Classification.RESTRICTED).value for path in paths}
