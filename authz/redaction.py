"""Field redaction: the one place classified fields are withheld on the way out.

Every view of an audit report (GraphQL, JSON and PDF renditions) is produced
from the structure `redact_report` returns, so a field can only leave through
here. Withheld fields become None and are listed by path; the list depends on
the viewer's clearance only, never on whether a value exists, so it leaks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.audit_reports import Clearance, Relation
from domain.enums import Classification
from storage.models import Document


@dataclass(frozen=True)
class FieldRule:
    classification: Classification
    supplier_visible: bool = False  # the audited supplier sees it even above SHARED


REPORT_FIELDS: dict[str, FieldRule] = {
    "summary": FieldRule(Classification.SHARED),
    "commercialNotes": FieldRule(Classification.RESTRICTED),
    "workerInterviews": FieldRule(Classification.PERSONAL),
}

FINDING_FIELDS: dict[str, FieldRule] = {
    "description": FieldRule(Classification.SHARED),
    "evidence": FieldRule(Classification.RESTRICTED, supplier_visible=True),
    "correctiveAction": FieldRule(Classification.SHARED, supplier_visible=True),
}


def field_allowed(rule: FieldRule, clearance: Clearance) -> bool:
    return clearance.allows(rule.classification, supplier_visible=rule.supplier_visible)


@dataclass(frozen=True)
class Redacted:
    data: dict[str, Any]
    withheld: list[str]


def redact_report(report: Mapping[str, Any], clearance: Clearance) -> Redacted:
    """A deep copy of `report` (GraphQL-shaped, camelCase keys, `findings` a list)
    with every field above the viewer's clearance set to None."""
    data = dict(report)  # copies only what it changes: the top level and each finding
    data["findings"] = [dict(finding) for finding in report.get("findings") or []]
    withheld: list[str] = []
    for name, rule in REPORT_FIELDS.items():
        if not field_allowed(rule, clearance):
            data[name] = None
            withheld.append(name)
    for index, finding in enumerate(data["findings"]):
        for name, rule in FINDING_FIELDS.items():
            if not field_allowed(rule, clearance):
                finding[name] = None
                withheld.append(f"findings.{index}.{name}")
    data["redactedFields"] = withheld
    data["clearance"] = clearance.level.value
    return Redacted(data=data, withheld=withheld)


def reads_sensitive(selected: frozenset[str], clearance: Clearance) -> Classification | None:
    """The most sensitive classification among the `selected` fields this viewer
    actually receives, when it is RESTRICTED or PERSONAL (such reads are logged)."""
    rules = {**REPORT_FIELDS, **FINDING_FIELDS}
    received = [
        rule.classification
        for name, rule in rules.items()
        if name in selected and field_allowed(rule, clearance)
    ]
    sensitive = [level for level in received if level.rank >= Classification.RESTRICTED.rank]
    return max(sensitive, key=lambda level: level.rank, default=None)


def shared_texts(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path, text) of every free-text field a SHARED viewer would read: what the
    personal-data guard must check before a report leaves its parties."""
    texts: list[tuple[str, str]] = [("title", report.get("title") or "")]
    shared = Classification.SHARED.rank
    for name, rule in REPORT_FIELDS.items():
        if rule.classification.rank <= shared and report.get(name):
            texts.append((name, report[name]))
    for index, finding in enumerate(report.get("findings") or []):
        for name, rule in FINDING_FIELDS.items():
            value = finding.get(name)
            if rule.classification.rank > shared or not value:
                continue
            if isinstance(value, Mapping):  # correctiveAction
                if value.get("description"):
                    texts.append((f"findings.{index}.{name}.description", value["description"]))
            else:
                texts.append((f"findings.{index}.{name}", value))
    return texts


def document_visible(document: Document, cleared: Clearance) -> bool:
    """Originals up to the viewer's clearance (the supplier: up to SHARED); of the
    renditions, the one made for the viewer's level."""
    if document.is_rendition:
        return document.rendition_clearance is rendition_level(cleared)
    if cleared.relation is Relation.SUPPLIER:
        return document.classification.rank <= Classification.SHARED.rank
    return cleared.allows(document.classification)


def rendition_level(cleared: Clearance) -> Classification:
    """Renditions exist for SHARED (members, suppliers, parties) and PUBLIC viewers."""
    if cleared.relation is Relation.PUBLIC:
        return Classification.PUBLIC
    return Classification.SHARED
