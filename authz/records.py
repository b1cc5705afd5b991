"""Every classified record type's policy, in one place (DESIGN.md, Confidentiality).

A viewer's clearance follows from its relation to the record: the commissioning
body and the authoring auditor see RESTRICTED (PERSONAL only with a role that
needs it); the audited supplier sees its findings and corrective actions but
never PERSONAL data; members of the share scope see SHARED; everyone sees
PUBLIC of a PUBLIC report. A contract is seen by its two parties, its price
RESTRICTED. Findings, corrective actions and documents are read with their
report's clearance.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from authz.disclosure import (
    HIDDEN,
    PUBLIC,
    RESTRICTED,
    SHARED,
    Clearance,
    FieldRule,
    Policy,
    Relation,
)
from domain.audit_reports import READABLE_BY_OTHERS
from domain.enums import PUBLIC_SECTOR, Classification, ShareScope
from domain.predicates import Column, Equals, Fact, FactOneOf, OneOf, all_of, any_of

ORGANIZATION = Fact("organization_id")
RELEASED = OneOf(Column("status"), frozenset(READABLE_BY_OTHERS))

REPORT_RELATIONS = (
    (
        Relation.PARTY,
        any_of(
            Equals(Column("commissioned_by_id"), ORGANIZATION),
            Equals(Column("auditor_id"), ORGANIZATION),
        ),
    ),
    (Relation.SUPPLIER, all_of(RELEASED, Equals(Column("supplier_id"), ORGANIZATION))),
    (
        Relation.SCOPE_MEMBER,
        all_of(
            RELEASED,
            any_of(
                all_of(
                    Equals(Column("share_scope"), ShareScope.NETWORK),
                    OneOf(Column("network_id"), Fact("network_ids")),
                ),
                all_of(
                    OneOf(
                        Column("share_scope"),
                        frozenset({ShareScope.ALL_PUBLIC_BODIES, ShareScope.PUBLIC}),
                    ),
                    FactOneOf(Fact("organization_kind"), PUBLIC_SECTOR),
                ),
            ),
        ),
    ),
    (Relation.PUBLIC, all_of(RELEASED, Equals(Column("share_scope"), ShareScope.PUBLIC))),
)

SUPPLIER_TOO = frozenset({Relation.SUPPLIER})

CORRECTIVE_ACTION = Policy(
    record="corrective_action",
    fields=MappingProxyType(
        {
            "id": HIDDEN,
            "finding_id": HIDDEN,
            "description": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "due_date": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "status": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "verified_at": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
        }
    ),
)

FINDING = Policy(
    record="finding",
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "report_id": HIDDEN,
            "position": HIDDEN,
            "created_at": HIDDEN,
            "requirement": PUBLIC,
            "severity": PUBLIC,
            "description": SHARED,
            "evidence": FieldRule(Classification.RESTRICTED, also=SUPPLIER_TOO),
            "corrective_action": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
        }
    ),
    children=MappingProxyType({"corrective_action": CORRECTIVE_ACTION}),
)

AUDIT_REPORT = Policy(
    record="audit_report",
    relations=REPORT_RELATIONS,
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "title": PUBLIC,
            "report_type": PUBLIC,
            "status": PUBLIC,
            "share_scope": PUBLIC,
            "audit_date": PUBLIC,
            "published_at": PUBLIC,
            "network_id": PUBLIC,
            "commissioned_by_id": PUBLIC,
            "auditor_id": PUBLIC,
            "supplier_id": PUBLIC,
            "focus_area_id": PUBLIC,
            "supersedes_id": PUBLIC,
            "summary": SHARED,
            "commercial_notes": RESTRICTED,
            "worker_interviews": FieldRule(Classification.PERSONAL),
            # Relations, each disclosed by its own rules: findings and documents
            # with the report's clearance, facilities as shared reference data.
            "findings": PUBLIC,
            "documents": PUBLIC,
            "facilities": PUBLIC,
            "created_by_user_id": HIDDEN,
            "created_at": HIDDEN,
            "updated_at": HIDDEN,
        }
    ),
    children=MappingProxyType({"findings": FINDING}),
)

DOCUMENT = Policy(
    record="document",
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "filename": PUBLIC,
            "content_type": PUBLIC,
            "size": PUBLIC,
            "sha256": PUBLIC,
            "classification": PUBLIC,
            "is_rendition": PUBLIC,
            "report_id": HIDDEN,
            "owner_id": HIDDEN,
            "object_key": HIDDEN,
            "rendition_clearance": HIDDEN,
            "created_at": HIDDEN,
        }
    ),
)

CONTRACT = Policy(
    record="contract",
    relations=(
        (
            Relation.PARTY,
            any_of(
                Equals(Column("buyer_id"), ORGANIZATION),
                Equals(Column("supplier_id"), ORGANIZATION),
            ),
        ),
    ),
    levels=MappingProxyType({Relation.PARTY: Classification.RESTRICTED}),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "buyer_id": PUBLIC,
            "supplier_id": PUBLIC,
            "network_id": PUBLIC,
            "title": PUBLIC,
            "product_category": PUBLIC,
            "start_date": PUBLIC,
            "end_date": PUBLIC,
            "value": RESTRICTED,
            "social_conditions": SHARED,
            "environmental_conditions": SHARED,
            "follow_up_step": SHARED,
            "created_at": HIDDEN,
        }
    ),
)

# Every policy, by record name: the schema test walks these.
POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        policy.record: policy
        for policy in (AUDIT_REPORT, FINDING, CORRECTIVE_ACTION, DOCUMENT, CONTRACT)
    }
)


def document_visible(document: Mapping[str, Any], cleared: Clearance) -> bool:
    """Originals up to the viewer's clearance (the supplier: up to SHARED); of the
    renditions, the one made for the viewer's level."""
    if document["is_rendition"]:
        return bool(document["rendition_clearance"] is rendition_level(cleared))
    classification: Classification = document["classification"]
    if cleared.relation is Relation.SUPPLIER:
        return classification.rank <= Classification.SHARED.rank
    return cleared.allows(FieldRule(classification))


def rendition_level(cleared: Clearance) -> Classification:
    """Renditions exist for SHARED (members, suppliers, parties) and PUBLIC viewers."""
    if cleared.relation is Relation.PUBLIC:
        return Classification.PUBLIC
    return Classification.SHARED


# The clearance each rendition is written for.
RENDITION_CLEARANCES: Mapping[Classification, Clearance] = MappingProxyType(
    {
        Classification.SHARED: Clearance(Classification.SHARED, Relation.SCOPE_MEMBER),
        Classification.PUBLIC: Clearance(Classification.PUBLIC, Relation.PUBLIC),
    }
)
