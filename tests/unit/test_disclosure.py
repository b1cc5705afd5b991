"""The disclosure kernel on its own: default deny, clearances, nested records, reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

import pytest

from authz.disclosure import (
    HIDDEN,
    PUBLIC,
    Clearance,
    Disclosed,
    FieldRule,
    Policy,
    Relation,
    camel,
    disclose,
    free_texts,
    outside_parties,
    sensitive_read,
    to_plain,
)
from authz.records import AUDIT_REPORT, CONTRACT, POLICIES
from authz.viewer import ViewerFacts
from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    Classification,
    CorrectiveActionStatus,
    OrganizationKind,
    Requirement,
    Severity,
    ShareScope,
)

PARTY = Clearance(Classification.RESTRICTED, Relation.PARTY)
PARTY_PERSONAL = Clearance(Classification.PERSONAL, Relation.PARTY)
SUPPLIER = Clearance(Classification.SHARED, Relation.SUPPLIER)
MEMBER = Clearance(Classification.SHARED, Relation.SCOPE_MEMBER)
ANYONE = Clearance(Classification.PUBLIC, Relation.PUBLIC)


def report(**extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": "r1",
        "title": "Gloves, Kedah",
        "report_type": AuditReportType.SYSTEM_AUDIT,
        "status": AuditReportStatus.PUBLISHED,
        "share_scope": ShareScope.NETWORK,
        "summary": "summary text",
        "commercial_notes": "price 12 NOK",
        "worker_interviews": "interview notes",
        "created_by_user_id": "u1",
        "findings": [
            {
                "id": "f1",
                "report_id": "r1",
                "position": 0,
                "requirement": Requirement.ILO_C29,
                "severity": Severity.MAJOR,
                "description": "passports kept",
                "evidence": "photo of the safe",
                "corrective_action": {
                    "id": "a1",
                    "finding_id": "f1",
                    "description": "return passports",
                    "due_date": dt.date(2027, 1, 1),
                    "status": CorrectiveActionStatus.OPEN,
                    "verified_at": None,
                },
            }
        ],
    }
    values.update(extra)
    return values


def test_a_field_without_a_rule_is_withheld_and_listed() -> None:
    disclosed = disclose(report(new_column="secret"), AUDIT_REPORT, PARTY_PERSONAL)
    assert "new_column" not in disclosed
    assert disclosed["new_column"] is None
    assert "newColumn" in disclosed.withheld


def test_hidden_fields_never_leave_and_are_not_listed() -> None:
    disclosed = disclose(report(), AUDIT_REPORT, PARTY_PERSONAL)
    assert "created_by_user_id" not in disclosed
    assert not any("createdByUserId" in path for path in disclosed.all_withheld())
    finding = disclosed["findings"][0]
    assert "position" not in finding and "report_id" not in finding


@pytest.mark.parametrize(
    ("clearance", "withheld"),
    [
        (PARTY_PERSONAL, []),
        (PARTY, ["workerInterviews"]),
        (SUPPLIER, ["commercialNotes", "workerInterviews"]),
        (MEMBER, ["commercialNotes", "workerInterviews", "findings.0.evidence"]),
        (
            ANYONE,
            [
                "summary",
                "commercialNotes",
                "workerInterviews",
                "findings.0.description",
                "findings.0.evidence",
                "findings.0.correctiveAction",
            ],
        ),
    ],
)
def test_each_relation_reads_what_its_clearance_allows(
    clearance: Clearance, withheld: list[str]
) -> None:
    disclosed = disclose(report(), AUDIT_REPORT, clearance)
    assert sorted(disclosed.all_withheld()) == sorted(withheld)
    plain = to_plain(disclosed)
    for path in withheld:
        head, _, last = path.rpartition(".")
        container = plain if not head else plain["findings"][int(head.split(".")[1])]
        assert container[last] is None


def test_withheld_paths_do_not_depend_on_whether_a_value_exists() -> None:
    empty = report(summary=None, commercial_notes=None, worker_interviews=None)
    assert disclose(empty, AUDIT_REPORT, ANYONE).withheld == (
        disclose(report(), AUDIT_REPORT, ANYONE).withheld
    )


def test_the_supplier_reads_evidence_but_never_personal_fields() -> None:
    rule = FieldRule(Classification.PERSONAL, also=frozenset({Relation.SUPPLIER}))
    assert not SUPPLIER.allows(rule)
    evidence = AUDIT_REPORT.children["findings"].fields["evidence"]
    assert SUPPLIER.allows(evidence)
    assert not MEMBER.allows(evidence)


def test_sensitive_reads_name_the_most_sensitive_selected_field() -> None:
    disclosed = disclose(report(), AUDIT_REPORT, PARTY_PERSONAL)
    assert sensitive_read(disclosed, frozenset({"title", "summary"})) is None
    assert sensitive_read(disclosed, frozenset({"evidence"})) is Classification.RESTRICTED
    assert (
        sensitive_read(disclosed, frozenset({"commercialNotes", "workerInterviews"}))
        is Classification.PERSONAL
    )
    member = disclose(report(), AUDIT_REPORT, MEMBER)
    assert sensitive_read(member, frozenset({"commercialNotes", "evidence"})) is None
    # A field a finding may carry is read only when a finding carries it.
    bare = disclose(report(findings=[]), AUDIT_REPORT, PARTY_PERSONAL)
    assert sensitive_read(bare, frozenset({"evidence"})) is None
    assert sensitive_read(bare, frozenset({"evidence", "commercialNotes"})) is (
        Classification.RESTRICTED
    )


def test_free_texts_skip_ids_and_enums_and_walk_children() -> None:
    texts = dict(free_texts(disclose(report(), AUDIT_REPORT, SUPPLIER)))
    assert texts == {
        "title": "Gloves, Kedah",
        "summary": "summary text",
        "findings.0.description": "passports kept",
        "findings.0.evidence": "photo of the safe",
        "findings.0.correctiveAction.description": "return passports",
    }


def test_outside_parties_are_every_relation_but_party() -> None:
    relations = {cleared.relation for cleared in outside_parties(AUDIT_REPORT)}
    assert relations == {Relation.SUPPLIER, Relation.SCOPE_MEMBER, Relation.PUBLIC}
    assert outside_parties(CONTRACT) == []


@pytest.mark.parametrize("policy", list(POLICIES.values()), ids=list(POLICIES))
def test_clearances_fall_with_the_order_of_relations(policy: Policy) -> None:
    """`cleared_filter` ORs the relations that allow a field; that is only the
    first-match rule when a stronger relation reads whatever a weaker one reads."""
    facts = [
        ViewerFacts("o", OrganizationKind.PUBLIC_BODY, personal, frozenset())
        for personal in (False, True)
    ]
    policies = [policy, *policy.children.values()]
    relations = [relation for relation, _ in policy.relations] or list(policy.levels)
    for viewer in facts:
        for child in policies:
            for rule in child.fields.values():
                allowed = [
                    bool((cleared := policy.clearance_for(r, viewer)) and cleared.allows(rule))
                    for r in relations
                ]
                assert allowed == sorted(allowed, reverse=True), (child.record, rule)


def test_disclosed_values_are_frozen() -> None:
    disclosed = disclose(report(), AUDIT_REPORT, PARTY)
    with pytest.raises(TypeError):
        disclosed.values["title"] = "changed"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        disclosed.withheld = ()  # type: ignore[misc]
    assert isinstance(disclosed["findings"], tuple)
    assert isinstance(disclosed["findings"][0], Disclosed)


def test_a_policy_without_relations_relates_to_nobody() -> None:
    policy = Policy("thing", MappingProxyType({"id": PUBLIC, "key": HIDDEN}))
    viewer = ViewerFacts("o", OrganizationKind.PUBLIC_BODY, False, frozenset())
    assert policy.relation({"id": "x"}, viewer) is Relation.NONE
    assert policy.clearance({"id": "x"}, viewer) is None


def test_camel_case_names() -> None:
    assert camel("worker_interviews") == "workerInterviews"
    assert camel("id") == "id"
