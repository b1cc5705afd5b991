"""Every classified record type's policy, in one place (DESIGN.md, Confidentiality).

A viewer's clearance follows from its relation to the record: the commissioning
body and the authoring auditor see RESTRICTED (PERSONAL only with a role that
needs it); the audited supplier sees its findings and corrective actions but
never PERSONAL data; members of the share scope see SHARED; everyone sees
PUBLIC of a PUBLIC report. A contract is seen by its two parties, its price
RESTRICTED. Findings, corrective actions and documents are read with their
report's clearance. A supplier's self-reports, and the supply edges they
disclose, are read by the supplier (everything), its contracted public bodies
(RESTRICTED; PERSONAL with a role for it) and its grantees (SHARED): the rule is
`domain.self_reports.readers`, each answer classified in `domain.questionnaire`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from authz.coordination import FOCUS_AREA_OVERVIEW, FOLLOW_UP_STEP
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
from domain import self_reports
from domain.audit_reports import READABLE_BY_OTHERS
from domain.enums import PUBLIC_SECTOR, Classification, MiniCompetitionStatus, ShareScope
from domain.predicates import (
    Column,
    Equals,
    Fact,
    FactOneOf,
    NotAfter,
    OneOf,
    Predicate,
    Present,
    all_of,
    any_of,
)
from domain.questionnaire import classifications

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

# One step of a corrective action's follow-up: read with the report's clearance
# (network members read the notes; the evidence documents stay RESTRICTED, the
# audited supplier reads its own).
CORRECTIVE_ACTION_EVENT = Policy(
    record="corrective_action_event",
    fields=MappingProxyType(
        {
            "id": HIDDEN,
            "corrective_action_id": HIDDEN,
            "user_id": HIDDEN,
            "step": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "status": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "note": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "organization_id": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "created_at": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
            "evidence_document_ids": FieldRule(Classification.RESTRICTED, also=SUPPLIER_TOO),
        }
    ),
)

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
            "history": FieldRule(Classification.SHARED, also=SUPPLIER_TOO),
        }
    ),
    children=MappingProxyType({"history": CORRECTIVE_ACTION_EVENT}),
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

DOCUMENT_UPLOAD = Policy(
    record="document_upload",
    # Only the organisation that began a direct upload sees it, until it is a
    # document (then the document's own rules, through its report, apply).
    relations=((Relation.PARTY, Equals(Column("uploader_id"), ORGANIZATION)),),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "report_id": PUBLIC,
            "filename": PUBLIC,
            "size": PUBLIC,
            "classification": PUBLIC,
            "status": PUBLIC,
            "refusal": PUBLIC,
            "expires_at": PUBLIC,
            "document_id": HIDDEN,
            "uploader_id": HIDDEN,
            "user_id": HIDDEN,
            "quarantine_key": HIDDEN,
            "claimed_at": HIDDEN,
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


def self_report_relations(supplier_column: str) -> tuple[tuple[Relation, Predicate], ...]:
    """Who reads what a supplier discloses in its self-reports (`domain.self_reports`)."""
    rules = self_reports.readers(supplier_column)
    return (
        (Relation.PARTY, rules.own),
        (Relation.BUYER, rules.buyer),
        (Relation.GRANTEE, rules.grantee),
    )


# The supplier reads back everything it wrote; contracted bodies read RESTRICTED
# (PERSONAL with a role for it); grantees read SHARED.
SELF_REPORT_LEVELS: Mapping[Relation, Classification] = MappingProxyType(
    {
        Relation.PARTY: Classification.PERSONAL,
        Relation.BUYER: Classification.RESTRICTED,
        Relation.GRANTEE: Classification.SHARED,
    }
)

# One rule per question of every questionnaire version; an answer to no known
# question is withheld (default deny).
SELF_REPORT_ANSWERS = Policy(
    record="self_report_answers",
    fields=MappingProxyType(
        {question: FieldRule(level) for question, level in classifications().items()}
    ),
)

SELF_REPORT = Policy(
    record="self_report",
    relations=self_report_relations("supplier_id"),
    levels=SELF_REPORT_LEVELS,
    personal=frozenset({Relation.BUYER}),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "supplier_id": PUBLIC,
            "version": PUBLIC,
            "questionnaire_version": PUBLIC,
            "submitted_at": PUBLIC,
            "answers": PUBLIC,  # each answer by its own rule (SELF_REPORT_ANSWERS)
            # Whom it names: as visible as the supply edges it discloses.
            "sub_suppliers": PUBLIC,
            "production_sites": PUBLIC,  # facilities, shared reference data
            "submitted_by_user_id": HIDDEN,
        }
    ),
    children=MappingProxyType({"answers": SELF_REPORT_ANSWERS}),
)

# A supply edge is read by whoever reads the self-reports of the supplier that
# disclosed it (the graph filters its edges with this, or with the viewer fact
# `self_report_suppliers`, which is the same rule).
SUPPLY_EDGE = Policy(
    record="supply_edge",
    relations=self_report_relations("disclosed_by_id"),
    levels=SELF_REPORT_LEVELS,
    personal=frozenset({Relation.BUYER}),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "source_id": PUBLIC,
            "source_kind": PUBLIC,
            "target_id": PUBLIC,
            "target_kind": PUBLIC,
            "product_category": PUBLIC,
            "disclosed_by_id": PUBLIC,
            "self_report_id": PUBLIC,
            "created_at": HIDDEN,
        }
    ),
)

# --- framework agreements (services/mini_competitions.py, call_offs.py, price_lists.py) ---

# The request's clock: a deadline has passed once it is not after `now`.
NOW = Fact("now")
# A sealed bid, read with its competition's `buyer_id` and `deadline`: the bidder
# sees its own; the buyer sees bids once the deadline is reached (by the clock,
# with no job to seal or open them); nobody else, rivals included, ever does.
BID = Policy(
    record="bid",
    relations=(
        (
            Relation.PARTY,
            all_of(Equals(Column("buyer_id"), ORGANIZATION), NotAfter(Column("deadline"), NOW)),
        ),
        (Relation.SUPPLIER, Equals(Column("supplier_id"), ORGANIZATION)),
    ),
    levels=MappingProxyType(
        {Relation.PARTY: Classification.RESTRICTED, Relation.SUPPLIER: Classification.RESTRICTED}
    ),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "mini_competition_id": PUBLIC,
            "supplier_id": PUBLIC,
            "submitted_at": PUBLIC,
            "price": RESTRICTED,
            "proposal": RESTRICTED,  # the solution description
            "points": RESTRICTED,
            "score": RESTRICTED,
            "buyer_id": HIDDEN,
            "deadline": HIDDEN,
        }
    ),
)

DECIDED = frozenset({MiniCompetitionStatus.AWARDED, MiniCompetitionStatus.CANCELLED})
OPENED = frozenset({MiniCompetitionStatus.PUBLISHED, *DECIDED})

# A mini-competition: the buyer reads all of it; the agreement's suppliers read
# it once published (bids are their own record); after award or cancel it is a
# template for the agreement's participants (requirements and criteria, never
# bids); once decided, its outline is public (the OCDS export).
MINI_COMPETITION = Policy(
    record="mini_competition",
    relations=(
        (Relation.PARTY, Equals(Column("buyer_id"), ORGANIZATION)),
        (
            Relation.SUPPLIER,
            all_of(
                OneOf(Column("status"), OPENED),
                OneOf(Column("network_id"), Fact("supplier_network_ids")),
            ),
        ),
        (
            Relation.SCOPE_MEMBER,
            all_of(
                Present(Column("template_at")), OneOf(Column("network_id"), Fact("network_ids"))
            ),
        ),
        (Relation.PUBLIC, OneOf(Column("status"), DECIDED)),
    ),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "title": PUBLIC,
            "status": PUBLIC,
            "network_id": PUBLIC,
            "buyer_id": PUBLIC,
            "deadline": PUBLIC,
            "estimated_hours": PUBLIC,
            "published_at": PUBLIC,
            "awarded_at": PUBLIC,
            "cancelled_at": PUBLIC,
            "winner_id": PUBLIC,  # announced once awarded
            "template_at": PUBLIC,
            "requirements": SHARED,
            "criteria": SHARED,
            "cancel_reason": SHARED,
            "cloned_from_id": SHARED,
            # Why the winner won: the buyer, and the suppliers that bid.
            "award_reason": FieldRule(Classification.RESTRICTED, also=SUPPLIER_TOO),
            # Bids are disclosed by BID, each on its own.
            "bids": PUBLIC,
            "created_at": HIDDEN,
        }
    ),
)

# A call-off: the buyer and the agreement's lead read it all, the exception's
# justification included; the supplier asked reads the route and reason.
CALL_OFF = Policy(
    record="call_off",
    relations=(
        (
            Relation.PARTY,
            any_of(
                Equals(Column("buyer_id"), ORGANIZATION), Equals(Column("lead_id"), ORGANIZATION)
            ),
        ),
        (Relation.SUPPLIER, Equals(Column("supplier_id"), ORGANIZATION)),
    ),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "network_id": PUBLIC,
            "buyer_id": PUBLIC,
            "supplier_id": PUBLIC,
            "estimated_hours": PUBLIC,
            "route": PUBLIC,
            "mini_competition_id": PUBLIC,
            "created_at": PUBLIC,
            "reason": SHARED,
            "exception_justification": RESTRICTED,
            "exception_ground": RESTRICTED,
            "declines": RESTRICTED,
            "lead_id": HIDDEN,
            "created_by_user_id": HIDDEN,
        }
    ),
)

# A supplier's price list: RESTRICTED and exempt from public access; read by the
# supplier and by the agreement's participants (its lead among them).
PRICE_LIST = Policy(
    record="price_list",
    relations=(
        (Relation.PARTY, Equals(Column("supplier_id"), ORGANIZATION)),
        (Relation.SCOPE_MEMBER, OneOf(Column("network_id"), Fact("network_ids"))),
    ),
    levels=MappingProxyType(
        {
            Relation.PARTY: Classification.RESTRICTED,
            Relation.SCOPE_MEMBER: Classification.RESTRICTED,
        }
    ),
    personal=frozenset(),
    fields=MappingProxyType(
        {
            "id": PUBLIC,
            "network_id": PUBLIC,
            "supplier_id": PUBLIC,
            "currency": RESTRICTED,
            "items": RESTRICTED,
            "updated_at": RESTRICTED,
        }
    ),
)

# Every policy, by record name: the schema test walks these.
POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        policy.record: policy
        for policy in (
            AUDIT_REPORT,
            FINDING,
            CORRECTIVE_ACTION,
            CORRECTIVE_ACTION_EVENT,
            DOCUMENT,
            DOCUMENT_UPLOAD,
            CONTRACT,
            SELF_REPORT,
            SELF_REPORT_ANSWERS,
            SUPPLY_EDGE,
            FOCUS_AREA_OVERVIEW,  # authz/coordination.py
            FOLLOW_UP_STEP,
            BID,
            MINI_COMPETITION,
            CALL_OFF,
            PRICE_LIST,
        )
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
