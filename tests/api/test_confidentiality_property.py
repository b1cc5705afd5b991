"""Confidentiality as a property: on random worlds, every viewer sees exactly what its
relation to each report allows (DESIGN.md, "Confidentiality").

Each example builds a fresh world through the real GraphQL mutations: public bodies,
maybe a coordinator, suppliers and auditor firms with users of random roles, networks
(framework agreements that bodies accede to, national networks whose lead adds
members), and audit reports driven through the lifecycle to a random status and share
scope. Every classified field holds a unique canary naming its report, field and
finding. Then every viewer (every user of every organisation, and anonymous) lists the
reports with every field and fetches each by id; one viewer drawn per example, and
anonymous, also fetch each visible report with every field, search the full text for
every canary and filter by requirement, severity, status and supplier (every viewer
would take minutes per run); the shared renditions offered are downloaded and read.
Mutation answers are checked for their actor too. The expected view comes from an
oracle written here from the DESIGN rules, independently of `domain.audit_reports`:

1. no response contains a canary above the viewer's clearance for that report (the
   whole response text is scanned, search results included);
2. every field the viewer is cleared for holds exactly its canary (no over-redaction);
3. reports the viewer may not see are absent from lists and `auditReport(id)` answers
   NOT_FOUND;
4. `redactedFields` lists exactly the withheld classified paths.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from schema.compiled import served
from services.content.files import pdf_text
from settings import Settings
from storage import audit_log, db
from storage.models import AuditLogEntry
from tests.conftest import World, gql
from tests.migrated import fresh_sqlite
from tests.reports_world import build_reports_world, create_inspection

PB = OrganizationKind.PUBLIC_BODY
COORD = OrganizationKind.COORDINATOR
SUP = OrganizationKind.SUPPLIER
AUD = OrganizationKind.AUDITOR

REQUIREMENTS = ["ILO_C29", "ILO_C138", "WAGES", "WORKING_HOURS", "HEALTH_AND_SAFETY"]
UNUSED_REQUIREMENT = "ANTI_CORRUPTION"  # never drawn: its filter must always be empty
SEVERITIES = ["CRITICAL", "MAJOR", "MINOR", "OBSERVATION"]
STATUSES = ["DRAFT", "SUBMITTED", "PUBLISHED", "SUPERSEDED", "WITHDRAWN"]
RELEASED = frozenset({"PUBLISHED", "SUPERSEDED"})
MISSING_ID = "00000000-0000-7000-8000-000000000000"

# The oracle's own copy of the classification table (authz/records.py must agree).
REPORT_LEVEL_FIELDS = ("summary", "commercialNotes", "workerInterviews")
FINDING_LEVEL_FIELDS = ("description", "evidence", "correctiveAction")
CANARY_FIELD = {
    "pub": "title",
    "shr": "summary",
    "rst": "commercialNotes",
    "prs": "workerInterviews",
    "fds": "description",
    "evd": "evidence",
    "cad": "correctiveAction",
}
FIELD_PREFIX = {name: prefix for prefix, name in CANARY_FIELD.items()}
CANARY_RE = re.compile(r"(pub|shr|rst|prs|fds|evd|cad)CANARY(\d+)(?:f(\d+))?q")

PARTY_FIELDS = frozenset(
    {"title", "summary", "commercialNotes", "description", "evidence", "correctiveAction"}
)
SUPPLIER_FIELDS = frozenset({"title", "summary", "description", "evidence", "correctiveAction"})
SCOPE_FIELDS = frozenset({"title", "summary", "description", "correctiveAction"})
PUBLIC_FIELDS = frozenset({"title"})
PERSONAL_ROLES = frozenset({Role.AUDITOR, Role.CONTRACT_MANAGER})
# What each shared rendition carries (made for a scope member / for the public).
RENDITION_FIELDS = {"SHARED": SCOPE_FIELDS, "PUBLIC": PUBLIC_FIELDS}


def canary(prefix: str, report: int, finding: int | None = None) -> str:
    """Unique per report, field and finding; no digit run long enough to look personal,
    and no canary is a substring of another."""
    return f"{prefix}CANARY{report}" + (f"f{finding}" if finding is not None else "") + "q"


# The world, as plain data -----------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    org: int
    held: tuple[Role, ...]  # roles held in `org`
    token_roles: tuple[Role, ...] | None = None  # a narrowed token
    other_org: tuple[int, Role] | None = None  # also holds this role in another org


@dataclass(frozen=True)
class NetworkSpec:
    kind: str
    lead: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class FindingSpec:
    requirement: str
    severity: str
    description: bool
    evidence: bool
    action: bool
    due_date: str | None


@dataclass(frozen=True)
class Publication:
    scope: str
    network: int | None


@dataclass(frozen=True)
class ReportSpec:
    commissioner: int
    auditor: int | None
    by_auditor: bool
    supplier: int
    create_network: int | None
    summary: bool
    commercial_notes: bool
    worker_interviews: bool
    findings: tuple[FindingSpec, ...]
    status: str
    publications: tuple[Publication, ...]  # publish, then reshare with each next one
    withdraw_from_published: bool
    actor: int  # the party organisation that drives the lifecycle
    superseded_by: int | None = None


@dataclass(frozen=True)
class WorldSpec:
    kinds: tuple[OrganizationKind, ...]
    actor_roles: tuple[Role | None, ...]
    users: tuple[UserSpec, ...]
    networks: tuple[NetworkSpec, ...]
    reports: tuple[ReportSpec, ...]
    # Viewers (in `build` order) that also run every search and filter: all of them
    # would take minutes per run, so each example picks one, plus anonymous.
    searchers: frozenset[int] = frozenset()


def indices(kinds: tuple[OrganizationKind, ...], *wanted: OrganizationKind) -> list[int]:
    return [index for index, kind in enumerate(kinds) if kind in wanted]


def network_members(network: NetworkSpec) -> frozenset[int]:
    return frozenset({network.lead, *network.members})


@st.composite
def finding_specs(draw: st.DrawFn) -> FindingSpec:
    action = draw(st.booleans())
    return FindingSpec(
        requirement=draw(st.sampled_from(REQUIREMENTS)),
        severity=draw(st.sampled_from(SEVERITIES)),
        description=draw(st.integers(0, 4)) > 0,
        evidence=draw(st.integers(0, 4)) > 0,
        action=action,
        due_date=draw(st.sampled_from([None, "2027-01-31"])) if action else None,
    )


def draw_report(
    draw: st.DrawFn,
    kinds: tuple[OrganizationKind, ...],
    networks: tuple[NetworkSpec, ...],
    *,
    commissioner: int | None = None,
    supplier: int | None = None,
    statuses: list[str] = STATUSES,
) -> ReportSpec:
    public_sector = indices(kinds, PB, COORD)
    if commissioner is None:
        commissioner = draw(st.sampled_from(public_sector))
    auditor = draw(st.none() | st.sampled_from(indices(kinds, AUD)))
    if supplier is None:
        supplier = draw(st.sampled_from(indices(kinds, SUP)))
    status = draw(st.sampled_from(statuses))
    withdraw_from_published = status == "WITHDRAWN" and draw(st.booleans())
    publications: tuple[Publication, ...] = ()
    if status in RELEASED or withdraw_from_published:
        own_networks = [k for k, net in enumerate(networks) if commissioner in network_members(net)]
        scopes = ["PRIVATE", "ALL_PUBLIC_BODIES", "PUBLIC"] + (["NETWORK"] if own_networks else [])
        publication = st.builds(
            lambda scope, network: Publication(scope, network if scope == "NETWORK" else None),
            st.sampled_from(scopes),
            st.sampled_from(own_networks or [None]),
        )
        publications = tuple(draw(st.lists(publication, min_size=1, max_size=2)))
    parties = [commissioner] + ([auditor] if auditor is not None else [])
    return ReportSpec(
        commissioner=commissioner,
        auditor=auditor,
        # An auditor firm writes a new report only for a body that engaged it for the
        # supplier's contract; coordinators keep no contracts, so they name the firm.
        by_auditor=auditor is not None and kinds[commissioner] is PB and draw(st.booleans()),
        supplier=supplier,
        create_network=draw(st.none() | st.sampled_from(range(len(networks)))),
        summary=draw(st.integers(0, 5)) > 0,
        commercial_notes=draw(st.integers(0, 5)) > 0,
        worker_interviews=draw(st.integers(0, 5)) > 0,
        findings=tuple(draw(st.lists(finding_specs(), max_size=3))),
        status=status,
        publications=publications,
        withdraw_from_published=withdraw_from_published,
        actor=draw(st.sampled_from(parties)),
    )


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    kinds = tuple(
        [PB] * draw(st.integers(2, 4))
        + [COORD] * draw(st.integers(0, 1))
        + [SUP] * draw(st.integers(1, 2))
        + [AUD] * draw(st.integers(1, 2))
    )
    # The organisation's own actor (it writes, publishes, leads or joins networks).
    actor_choices = {
        PB: [Role.PROCUREMENT_OFFICER, Role.ADMIN],
        COORD: [Role.ADMIN],
        AUD: [Role.AUDITOR, Role.CONTRACT_MANAGER, Role.PROCUREMENT_OFFICER, Role.ADMIN],
    }
    actor_roles = tuple(
        draw(st.sampled_from(actor_choices[kind])) if kind in actor_choices else None
        for kind in kinds
    )
    users: list[UserSpec] = []
    for org, kind in enumerate(kinds):
        extra = draw(st.lists(st.sampled_from(list(Role)), min_size=int(kind is SUP), max_size=1))
        users += [UserSpec(org, (role,)) for role in extra]
    bodies = indices(kinds, PB)
    public_sector = indices(kinds, PB, COORD)
    networks: list[NetworkSpec] = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["FRAMEWORK_AGREEMENT", "NATIONAL_NETWORK"]))
        eligible = bodies if kind == "FRAMEWORK_AGREEMENT" else public_sector
        lead = draw(st.sampled_from(eligible))
        members = draw(st.sets(st.sampled_from([org for org in eligible if org != lead])))
        networks.append(NetworkSpec(kind, lead, tuple(sorted(members))))
    nets = tuple(networks)

    reports: list[ReportSpec] = []
    for _ in range(draw(st.integers(1, 4))):
        report = draw_report(draw, kinds, nets)
        if report.status == "SUPERSEDED":  # by a newer report on the same supplier
            newer = draw_report(
                draw,
                kinds,
                nets,
                commissioner=report.commissioner,
                supplier=report.supplier,
                statuses=["SUBMITTED", "PUBLISHED"],  # a draft cannot supersede
            )
            reports.append(replace(report, superseded_by=len(reports) + 1))
            reports.append(newer)
        else:
            reports.append(report)
    # Two users whose roles must count only as their token and organisation say; they
    # mostly act for a party to some report, where PERSONAL is at stake.
    everyone = range(len(kinds))
    parties = sorted({o for r in reports for o in (r.commissioner, r.auditor) if o is not None})
    acting_org = st.sampled_from(parties) | st.sampled_from(everyone)
    if draw(st.booleans()):  # holds a personal-data role, but its token narrows it away
        role = draw(st.sampled_from([Role.VIEWER, Role.PROCUREMENT_OFFICER, Role.ADMIN]))
        personal = draw(st.sampled_from(sorted(PERSONAL_ROLES)))
        users.append(UserSpec(draw(acting_org), (role, personal), (role,)))
    if draw(st.booleans()):  # a personal-data role in another organisation counts there only
        org = draw(acting_org)
        other = draw(st.sampled_from([o for o in everyone if o != org]))
        role = draw(st.sampled_from([Role.VIEWER, Role.PROCUREMENT_OFFICER]))
        personal = draw(st.sampled_from(sorted(PERSONAL_ROLES)))
        users.append(UserSpec(org, (role,), other_org=(other, personal)))
    viewers = sum(role is not None for role in actor_roles) + len(users)
    searcher = draw(st.integers(0, viewers - 1))
    return WorldSpec(
        kinds, actor_roles, tuple(users), nets, tuple(reports), frozenset({searcher, viewers})
    )


# The world, as built ------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    label: str
    org: int | None
    roles: frozenset[Role]
    token: str | None


@dataclass
class ReportState:
    index: int
    spec: ReportSpec
    id: str = ""
    status: str = "DRAFT"
    scope: str = "PRIVATE"
    network: int | None = None
    ever_published: bool = False

    def value(self, name: str, finding: int | None = None) -> Any:
        """The stored value of a classified field (None when the report has none)."""
        spec = self.spec
        if finding is None:
            present = {
                "title": True,
                "summary": spec.summary,
                "commercialNotes": spec.commercial_notes,
                "workerInterviews": spec.worker_interviews,
            }[name]
            return canary(FIELD_PREFIX[name], self.index) if present else None
        item = spec.findings[finding]
        if name == "correctiveAction":
            if not item.action:
                return None
            return {
                "description": canary("cad", self.index, finding),
                "dueDate": item.due_date,
                "status": "OPEN",
            }
        present = {"description": item.description, "evidence": item.evidence}[name]
        return canary(FIELD_PREFIX[name], self.index, finding) if present else None

    def texts(self) -> list[tuple[str, str]]:
        """(field, text) of every stored free text, for the expected text-search hits."""
        found = [
            (name, self.value(name))
            for name in ("title", *REPORT_LEVEL_FIELDS)
            if self.value(name) is not None
        ]
        for index in range(len(self.spec.findings)):
            for name in FINDING_LEVEL_FIELDS:
                value = self.value(name, index)
                if isinstance(value, dict):
                    value = value["description"]
                if value is not None:
                    found.append((name, value))
        return found

    def canaries(self) -> list[str]:
        return [text for _, text in self.texts()]


@dataclass
class Built:
    spec: WorldSpec
    org_ids: list[str]
    network_ids: list[str]
    actors: dict[int, Viewer]
    viewers: list[Viewer]
    reports: list[ReportState] = field(default_factory=list)


# The oracle ---------------------------------------------------------------------------


def cleared_fields(world: Built, report: ReportState, viewer: Viewer) -> frozenset[str] | None:
    """What `viewer` may read of `report` (None: it may not see the report at all),
    straight from DESIGN.md: the parties see RESTRICTED (PERSONAL with a role that
    needs it); others only a released report: the supplier its findings and actions,
    never PERSONAL; share-scope members SHARED; everyone PUBLIC of a PUBLIC report."""
    spec = report.spec
    org = viewer.org
    if org is not None and org in (spec.commissioner, spec.auditor):
        personal = bool(viewer.roles & PERSONAL_ROLES)
        return PARTY_FIELDS | {"workerInterviews"} if personal else PARTY_FIELDS
    if report.status not in RELEASED:
        return None
    if org is not None and org == spec.supplier:
        return SUPPLIER_FIELDS
    if org is not None:
        kind = world.spec.kinds[org]
        if report.scope == "NETWORK":
            assert report.network is not None
            if org in network_members(world.spec.networks[report.network]):
                return SCOPE_FIELDS
        elif report.scope in ("ALL_PUBLIC_BODIES", "PUBLIC") and kind in (PB, COORD):
            return SCOPE_FIELDS
    if report.scope == "PUBLIC":
        return PUBLIC_FIELDS
    return None


def rendition_level(world: Built, report: ReportState, viewer: Viewer) -> str:
    """Shared renditions: the public one for a PUBLIC-only viewer, else the shared one."""
    return "PUBLIC" if cleared_fields(world, report, viewer) == PUBLIC_FIELDS else "SHARED"


def withheld_paths(report: ReportState, cleared: frozenset[str]) -> list[str]:
    paths = [name for name in REPORT_LEVEL_FIELDS if name not in cleared]
    for index in range(len(report.spec.findings)):
        paths += [
            f"findings.{index}.{name}" for name in FINDING_LEVEL_FIELDS if name not in cleared
        ]
    return paths


def scan(text: str, allowed: Callable[[int, str], bool], where: str) -> None:
    """Every canary in `text` must be one `allowed(report_index, field)` permits."""
    for match in CANARY_RE.finditer(text):
        prefix, report = match.group(1), int(match.group(2))
        name = CANARY_FIELD[prefix]
        assert allowed(report, name), (
            f"LEAK in {where}: {match.group(0)} ({name} of report {report}) is above "
            f"clearance; context: ...{text[max(0, match.start() - 200) : match.end() + 200]}..."
        )


def viewer_scan(world: Built, viewer: Viewer, text: str, where: str) -> None:
    def allowed(report: int, name: str) -> bool:
        cleared = cleared_fields(world, world.reports[report], viewer)
        return cleared is not None and name in cleared

    scan(text, allowed, f"{where} for {viewer.label}")


def check_node(world: Built, viewer: Viewer, node: dict[str, Any], where: str) -> None:
    """A report as presented to `viewer`: every selected field exactly as cleared."""
    report = next((r for r in world.reports if r.id == node["id"]), None)
    assert report is not None, f"{where}: unknown report {node['id']}"
    cleared = cleared_fields(world, report, viewer)
    at = f"{where}: report {report.index} for {viewer.label} ({report.status} {report.scope})"
    assert cleared is not None, f"{at}: not visible to this viewer, but returned"
    for name in ("title", *REPORT_LEVEL_FIELDS):
        if name in node:
            expected = report.value(name) if name in cleared else None
            assert node[name] == expected, f"{at}: {name} is {node[name]!r}, want {expected!r}"
    if "status" in node:
        assert node["status"] == report.status, f"{at}: status {node['status']}"
    if "shareScope" in node:
        assert node["shareScope"] == report.scope, f"{at}: shareScope {node['shareScope']}"
    if "redactedFields" in node:
        want = withheld_paths(report, cleared)
        assert sorted(node["redactedFields"]) == sorted(want), (
            f"{at}: redactedFields {node['redactedFields']}, want {want}"
        )
    if "findings" in node:
        findings = node["findings"]
        assert len(findings) == len(report.spec.findings), f"{at}: {len(findings)} findings"
        for index, (got, spec) in enumerate(zip(findings, report.spec.findings, strict=True)):
            if "requirement" in got:
                assert (got["requirement"], got["severity"]) == (spec.requirement, spec.severity)
            for name in FINDING_LEVEL_FIELDS:
                if name in got:
                    expected = report.value(name, index) if name in cleared else None
                    if isinstance(expected, dict) and isinstance(got[name], dict):
                        expected = {key: expected[key] for key in got[name]}
                    assert got[name] == expected, (
                        f"{at}: findings.{index}.{name} is {got[name]!r}, want {expected!r}"
                    )
    spec = report.spec
    relations = {
        "commissionedBy": world.org_ids[spec.commissioner],
        "supplier": world.org_ids[spec.supplier],
        "auditor": world.org_ids[spec.auditor] if spec.auditor is not None else None,
        "network": world.network_ids[report.network] if report.network is not None else None,
    }
    for name, expected_id in relations.items():
        if name in node:
            got_id = node[name]["id"] if node[name] else None
            assert got_id == expected_id, f"{at}: {name} {got_id}, want {expected_id}"


# Building the world through the API -------------------------------------------------

FINDING_FIELDS_QUERY = (
    "findings { id requirement severity description evidence "
    "correctiveAction { description dueDate status } }"
)
FULL = (
    "id title status shareScope redactedFields summary commercialNotes workerInterviews "
    f"{FINDING_FIELDS_QUERY} commissionedBy {{ id }} auditor {{ id }} supplier {{ id }} "
    "network { id } documents { id filename classification isRendition downloadUrl }"
)
# Everything but the fields whose reads are audit-logged (commercialNotes,
# workerInterviews, evidence): safe to alias many times in one request.
LEAN = (
    "id title status redactedFields summary "
    "findings { requirement severity description correctiveAction { description } }"
)


def call(client: TestClient, world: Built, actor: Viewer, query: str, **variables: Any) -> Any:
    """A mutation by `actor`, which must succeed; its response is checked like any read."""
    body = gql(client, query, actor.token, variables)
    assert body.get("data") and not body.get("errors"), f"{actor.label}: {query}: {body}"
    name = re.search(r"\{\s*(\w+)", query)
    viewer_scan(world, actor, json.dumps(body), f"mutation {name.group(1) if name else query}")
    return body["data"]


def build(client: TestClient, world_api: World, spec: WorldSpec) -> Built:
    org_ids = [
        world_api.org(f"{kind.value.title()} {index}", kind=kind)
        for index, kind in enumerate(spec.kinds)
    ]
    actors: dict[int, Viewer] = {}
    viewers: list[Viewer] = []
    for org, role in enumerate(spec.actor_roles):
        if role is not None:
            token = world_api.user(f"actor{org}@org{org}.example", org_ids[org], role)
            actors[org] = Viewer(
                f"actor of org {org} ({role.value})", org, frozenset({role}), token
            )
            viewers.append(actors[org])
    for number, user in enumerate(spec.users):
        email = f"user{number}@org{user.org}.example"
        if user.other_org is not None:
            other, other_role = user.other_org
            world_api.user(email, org_ids[other], other_role)
        token = world_api.user(email, org_ids[user.org], *user.held)
        roles = frozenset(user.held)
        label = f"user {number} of org {user.org} ({'+'.join(r.value for r in user.held)}"
        if user.token_roles is not None:
            token = world_api.token(email, org_ids[user.org], [r.value for r in user.token_roles])
            roles = frozenset(user.token_roles)
            label += f", token narrowed to {'+'.join(r.value for r in user.token_roles)}"
        if user.other_org is not None:
            label += f"; {user.other_org[1].value} in org {user.other_org[0]}"
        viewers.append(Viewer(label + ")", user.org, roles, token))
    viewers.append(Viewer("anonymous", None, frozenset(), None))
    assert max(spec.searchers, default=0) < len(viewers)
    built = Built(spec, org_ids, [], actors, viewers)

    for network in spec.networks:
        lead = actors[network.lead]
        created = call(
            client,
            built,
            lead,
            "mutation($name: String!, $kind: NetworkKind!) "
            "{ createNetwork(input: {name: $name, kind: $kind}) { id } }",
            name=f"Network {len(built.network_ids)}",
            kind=network.kind,
        )
        network_id = created["createNetwork"]["id"]
        built.network_ids.append(network_id)
        for member in network.members:
            # The lead adds a national network's members, and lists the bodies
            # entitled to a framework agreement, which then sign (joinNetwork).
            call(
                client,
                built,
                lead,
                "mutation($n: ID!, $o: ID!) "
                "{ addNetworkMember(networkId: $n, organizationId: $o) { id } }",
                n=network_id,
                o=org_ids[member],
            )
            if network.kind == "FRAMEWORK_AGREEMENT":
                call(
                    client,
                    built,
                    actors[member],
                    "mutation($n: ID!) { joinNetwork(networkId: $n) { id } }",
                    n=network_id,
                )

    built.reports = [ReportState(index, report) for index, report in enumerate(spec.reports)]
    for report in built.reports:
        create_report(client, built, report)
    for report in built.reports:
        drive_lifecycle(client, built, report)
    for report in built.reports:
        if report.spec.superseded_by is not None:
            newer = built.reports[report.spec.superseded_by]
            done = call(
                client,
                built,
                actors[report.spec.commissioner],
                f"mutation($id: ID!, $by: ID!) {{ supersedeAuditReport(id: $id, "
                f"supersededById: $by) {{ {FULL} }} }}",
                id=report.id,
                by=newer.id,
            )
            report.status = "SUPERSEDED"
            check_node(
                built, actors[report.spec.commissioner], done["supersedeAuditReport"], "supersede"
            )
    return built


def engage_for_contract(
    client: TestClient, built: Built, body: int, auditor: int, supplier: int
) -> None:
    """The body records a contract with the supplier and engages the firm for it."""
    contract = call(
        client,
        built,
        built.actors[body],
        'mutation($s: ID!) { createContract(input: {supplierId: $s, title: "Follow-up", '
        'productCategory: "medical-gloves", startDate: "2026-01-01"}) { id } }',
        s=built.org_ids[supplier],
    )
    call(
        client,
        built,
        built.actors[body],
        "mutation($a: ID!, $c: ID) { engageAuditor(auditorId: $a, contractId: $c) { id } }",
        a=built.org_ids[auditor],
        c=contract["createContract"]["id"],
    )


def create_report(client: TestClient, built: Built, report: ReportState) -> None:
    spec = report.spec
    org_ids = built.org_ids
    report_input: dict[str, Any] = {
        "title": report.value("title"),
        "reportType": "INSPECTION_ABROAD",
        "supplierId": org_ids[spec.supplier],
        "summary": report.value("summary"),
        "commercialNotes": report.value("commercialNotes"),
        "workerInterviews": report.value("workerInterviews"),
    }
    if spec.create_network is not None:
        report_input["networkId"] = built.network_ids[spec.create_network]
        report.network = spec.create_network
    if spec.by_auditor:
        assert spec.auditor is not None
        engage_for_contract(client, built, spec.commissioner, spec.auditor, spec.supplier)
        author = built.actors[spec.auditor]
        report_input["commissionedById"] = org_ids[spec.commissioner]
    else:
        author = built.actors[spec.commissioner]
        if spec.auditor is not None:
            report_input["auditorId"] = org_ids[spec.auditor]
    created = call(
        client,
        built,
        author,
        "mutation($input: AuditReportInput!) { createAuditReport(input: $input) { id } }",
        input=report_input,
    )
    report.id = created["createAuditReport"]["id"]
    for index, finding in enumerate(spec.findings):
        finding_input: dict[str, Any] = {
            "requirement": finding.requirement,
            "severity": finding.severity,
            "description": report.value("description", index),
            "evidence": report.value("evidence", index),
        }
        action = report.value("correctiveAction", index)
        if action is not None:
            finding_input["correctiveAction"] = {
                "description": action["description"],
                "dueDate": action["dueDate"],
            }
        call(
            client,
            built,
            author,
            "mutation($r: ID!, $input: FindingInput!) { addFinding(reportId: $r, input: $input) "
            "{ id description evidence correctiveAction { description } } }",
            r=report.id,
            input=finding_input,
        )


def drive_lifecycle(client: TestClient, built: Built, report: ReportState) -> None:
    spec = report.spec
    actor = built.actors[spec.actor]
    if spec.status == "DRAFT":
        return

    commissioner = built.actors[spec.commissioner]  # sharing is the commissioner's alone

    def step(mutation: str, name: str, by: Viewer = commissioner, **variables: Any) -> None:
        done = call(client, built, by, mutation.replace("FULL", f"{{ {FULL} }}"), **variables)
        check_node(built, by, done[name], name)

    report.status = "SUBMITTED"
    step(
        "mutation($id: ID!) { submitAuditReport(id: $id) FULL }",
        "submitAuditReport",
        by=actor,
        id=report.id,
    )
    for publication in spec.publications:
        report.status, report.scope, report.ever_published = "PUBLISHED", publication.scope, True
        report.network = publication.network
        step(
            "mutation($id: ID!, $s: ShareScope!, $n: ID) "
            "{ publishAuditReport(id: $id, shareScope: $s, networkId: $n) FULL }",
            "publishAuditReport",
            id=report.id,
            s=publication.scope,
            n=built.network_ids[publication.network] if publication.network is not None else None,
        )
    if spec.status == "WITHDRAWN":
        report.status = "WITHDRAWN"
        step(
            'mutation($id: ID!) { withdrawAuditReport(id: $id, reason: "test") FULL }',
            "withdrawAuditReport",
            id=report.id,
        )


# Reading it back as every viewer ----------------------------------------------------


def aliased(fields: Iterable[tuple[str, str]]) -> str:
    return "query {\n" + "\n".join(f"  {alias}: {selection}" for alias, selection in fields) + "\n}"


def literal(value: str) -> str:
    return json.dumps(value)


def ids_of(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def check_viewer(
    client: TestClient, built: Built, viewer: Viewer, renditions: dict[str, str], search: bool
) -> None:
    reports = built.reports
    visible = {r.id for r in reports if cleared_fields(built, r, viewer) is not None}

    def query(selections: list[tuple[str, str]], where: str) -> dict[str, Any]:
        body = gql(client, aliased(selections), viewer.token)
        viewer_scan(built, viewer, json.dumps(body), where)
        return body

    def check_connection(connection: dict[str, Any], expected: set[str], where: str) -> None:
        got = ids_of(connection)
        assert len(got) == len(set(got)), f"{where} for {viewer.label}: duplicates {got}"
        names = {r.id: r.index for r in reports}
        assert set(got) == expected, (
            f"{where} for {viewer.label}: got reports {sorted(names[i] for i in got)}, "
            f"want {sorted(names[i] for i in expected)}"
        )
        assert connection["totalCount"] == len(expected), f"{where} for {viewer.label}: totalCount"
        for edge in connection["edges"]:
            check_node(built, viewer, edge["node"], where)

    # The whole list, every field: one root field per request, since aliased root fields
    # that read audit-logged fields race on the audit log (see
    # test_aliased_sensitive_reads_are_all_answered_and_logged).
    body = query(
        [("all", f"auditReports(first: 200) {{ totalCount edges {{ node {{ {FULL} }} }} }}")],
        "auditReports",
    )
    assert not body.get("errors"), f"{viewer.label}: {body['errors']}"
    check_connection(body["data"]["all"], visible, "auditReports")
    for edge in body["data"]["all"]["edges"]:
        report = next(r for r in reports if r.id == edge["node"]["id"])
        check_documents(built, viewer, report, edge["node"]["documents"], renditions)
    # One batch of lean reads (no audit-logged field, so they may be aliased): every
    # report by id and, for the searchers, full-text searches and filters.
    batch: list[tuple[str, str]] = [
        (f"r{r.index}", f"auditReport(id: {literal(r.id)}) {{ {LEAN} }}") for r in reports
    ]
    batch.append(("missing", f"auditReport(id: {literal(MISSING_ID)}) {{ id }}"))
    searches: list[str] = []
    filters: list[tuple[dict[str, str], set[str]]] = []
    if search:
        # Every field of each visible report by id, too (by id is its own path to a row).
        for report in reports:
            if report.id in visible:
                body = query(
                    [("r", f"auditReport(id: {literal(report.id)}) {{ {FULL} }}")], "by id"
                )
                assert not body.get("errors"), f"{viewer.label}: {body['errors']}"
                check_node(built, viewer, body["data"]["r"], "auditReport(id)")
                check_documents(built, viewer, report, body["data"]["r"]["documents"], renditions)
        # Every canary (a cleared field of a visible report must match, nothing else
        # may), each field's canary prefix across all reports, and case-insensitively.
        searches = [text for r in reports for text in r.canaries()]
        searches += [f"{prefix}CANARY" for prefix in CANARY_FIELD]
        searches += [reports[-1].canaries()[-1].upper()]
        filters = report_filters(built)
    connection = f"{{ totalCount edges {{ node {{ {LEAN} }} }} }}"
    batch += [
        (f"t{n}", f"auditReports(filter: {{text: {literal(text)}}}) {connection}")
        for n, text in enumerate(searches)
    ]
    for n, (values, _) in enumerate(filters):
        arguments = ", ".join(
            f"{key}: {literal(value) if key == 'supplierId' else value}"
            for key, value in values.items()
        )
        batch.append((f"f{n}", f"auditReports(filter: {{{arguments}}}) {connection}"))
    body = query(batch, "lean batch")
    data = body.get("data") or {}
    errors: dict[str, list[str]] = {}
    messages: dict[str, str] = {}
    for error in body.get("errors") or []:
        alias = str((error.get("path") or ["?"])[0])
        errors.setdefault(alias, []).append(error.get("extensions", {}).get("code"))
        messages[alias] = error.get("message", "")
    assert set(errors) <= {"missing", *(f"r{r.index}" for r in reports)}, (
        f"{viewer.label}: {body['errors']}"
    )
    assert errors.get("missing") == ["NOT_FOUND"], f"{viewer.label}: {body.get('errors')}"
    for report in reports:
        alias = f"r{report.index}"
        where = f"auditReport(id) of report {report.index} for {viewer.label}"
        if report.id in visible:
            assert alias not in errors, f"{where}: unexpected errors {errors.get(alias)}"
            check_node(built, viewer, data[alias], "auditReport(id)")
        else:
            assert data.get(alias) is None, f"{where}: not visible but returned {data[alias]}"
            assert errors.get(alias) == ["NOT_FOUND"], f"{where}: errors {errors.get(alias)}"
            # The same answer as for an id that does not exist: existence does not leak.
            assert messages[alias].replace(report.id, MISSING_ID) == messages["missing"], where
    for n, text in enumerate(searches):
        expected = {
            r.id
            for r in reports
            if (cleared := cleared_fields(built, r, viewer)) is not None
            and any(name in cleared and text.lower() in value.lower() for name, value in r.texts())
        }
        check_connection(data[f"t{n}"], expected, f"auditReports(text: {text!r})")
    for n, (values, hits) in enumerate(filters):
        check_connection(data[f"f{n}"], hits & visible, f"auditReports(filter: {values})")


def report_filters(built: Built) -> list[tuple[dict[str, str], set[str]]]:
    """Filters on unclassified facts (requirement, severity, status, supplier), each
    with the reports it matches before the viewer's row filter."""
    reports = built.reports
    findings = [(r.id, f) for r in reports for f in r.spec.findings]
    filters: list[tuple[dict[str, str], set[str]]] = []
    for requirement in [*sorted({f.requirement for _, f in findings}), UNUSED_REQUIREMENT]:
        hits = {rid for rid, f in findings if f.requirement == requirement}
        filters.append(({"requirement": requirement}, hits))
    for severity in sorted({f.severity for _, f in findings})[:2]:
        filters.append(
            ({"severity": severity}, {rid for rid, f in findings if f.severity == severity})
        )
    for requirement, severity in sorted({(f.requirement, f.severity) for _, f in findings})[:1]:
        hits = {
            rid for rid, f in findings if (f.requirement, f.severity) == (requirement, severity)
        }
        filters.append(({"requirement": requirement, "severity": severity}, hits))
    for status in STATUSES:
        filters.append(({"status": status}, {r.id for r in reports if r.status == status}))
    for supplier in indices(built.spec.kinds, SUP):
        hits = {r.id for r in reports if r.spec.supplier == supplier}
        filters.append(({"supplierId": built.org_ids[supplier]}, hits))
    return filters


def check_documents(
    built: Built,
    viewer: Viewer,
    report: ReportState,
    documents: list[dict[str, Any]],
    renditions: dict[str, str],
) -> None:
    """A published report offers each viewer the JSON and PDF rendition of its level."""
    where = f"documents of report {report.index} for {viewer.label}"
    if not report.ever_published:
        assert documents == [], f"{where}: {documents}"
        return
    level = rendition_level(built, report, viewer)
    got = sorted(
        (d["classification"], d["isRendition"], d["filename"].rsplit(".", 1)[-1]) for d in documents
    )
    assert got == [(level, True, "json"), (level, True, "pdf")], f"{where}: {documents}"
    for document in documents:
        renditions[f"{report.index}:{level}:{document['filename'].rsplit('.', 1)[-1]}"] = document[
            "downloadUrl"
        ]


def check_renditions(client: TestClient, built: Built, renditions: dict[str, str]) -> None:
    """Each rendition offered carries exactly the canaries of its level (JSON), and
    none above it (PDF)."""
    for key, url in sorted(renditions.items()):
        index, level, suffix = key.split(":")
        report = built.reports[int(index)]
        response = client.get(url)
        assert response.status_code == 200, f"rendition {key}: {response.status_code}"
        if suffix == "json":
            text = response.content.decode("utf-8")
        else:
            text = pdf_text(io.BytesIO(response.content))
        fields = RENDITION_FIELDS[level]

        def allowed(
            report_index: int, name: str, own: int = report.index, fields: frozenset[str] = fields
        ) -> bool:
            return report_index == own and name in fields

        scan(text, allowed, f"rendition {key}")
        if suffix == "json":
            want = {value for name, value in report.texts() if name in fields}
            got = {match.group(0) for match in CANARY_RE.finditer(text)}
            assert got == want, f"rendition {key}: canaries {sorted(got)}, want {sorted(want)}"


# The property -----------------------------------------------------------------------


PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(worlds())
def test_every_viewer_sees_exactly_what_its_relation_allows_on_the_compiled_plans(
    spec: WorldSpec,
) -> None:
    """The fast path (schema/compiled.py), which serves the API's listings."""
    check_world(spec, compiled=True)


@settings(PROPERTY_SETTINGS, max_examples=12)
@given(worlds())
def test_every_viewer_sees_exactly_what_its_relation_allows_on_graphql_core(
    spec: WorldSpec,
) -> None:
    """graphql-core's own executor (fewer worlds: tests/api/test_compiled_execution.py
    also holds both executors to identical answers)."""
    check_world(spec, compiled=False)


def check_world(spec: WorldSpec, *, compiled: bool) -> None:
    served_before = served.compiled
    with tempfile.TemporaryDirectory() as directory:
        app_settings = Settings(
            compiled_queries=compiled,
            data_dir=Path(directory) / "data",
            max_aliases=1000,
            max_tokens=100_000,
            max_query_cost=10_000_000,  # one batch reads every report of the world
        )
        fresh_sqlite(app_settings.resolved_database_url)
        engine = db.make_engine(app_settings.resolved_database_url)
        try:
            services = Services.from_settings(app_settings)
            with TestClient(create_app(app_settings, services)) as client:
                built = build(client, World(engine, app_settings), spec)
                renditions: dict[str, str] = {}
                for number, viewer in enumerate(built.viewers):
                    check_viewer(client, built, viewer, renditions, number in spec.searchers)
                check_renditions(client, built, renditions)
        finally:
            engine.dispose()
    assert (served.compiled > served_before) is compiled, "the reads ran on the wrong executor"


def test_oracle_matches_the_design_on_a_fixed_world() -> None:
    """The oracle itself, on hand-picked cases (so a wrong oracle cannot pass silently)."""
    kinds = (PB, PB, PB, SUP, SUP, AUD)
    network = NetworkSpec("FRAMEWORK_AGREEMENT", 0, (1,))
    spec = WorldSpec(kinds, (None,) * 6, (), (network,), ())
    built = Built(spec, [], [], {}, [])
    report_spec = ReportSpec(0, 5, True, 3, None, True, True, True, (), "PUBLISHED", (), False, 0)
    report = ReportState(0, report_spec, status="PUBLISHED", scope="NETWORK", network=0)

    def viewer(org: int | None, *roles: Role) -> Viewer:
        return Viewer("v", org, frozenset(roles), None)

    assert cleared_fields(built, report, viewer(0, Role.VIEWER)) == PARTY_FIELDS
    assert "workerInterviews" in (cleared_fields(built, report, viewer(5, Role.AUDITOR)) or ())
    assert cleared_fields(built, report, viewer(1, Role.CONTRACT_MANAGER)) == SCOPE_FIELDS
    assert cleared_fields(built, report, viewer(3, Role.AUDITOR)) == SUPPLIER_FIELDS
    assert cleared_fields(built, report, viewer(2, Role.ADMIN)) is None
    assert cleared_fields(built, report, viewer(4, Role.ADMIN)) is None
    assert cleared_fields(built, report, viewer(None)) is None
    report.scope, report.network = "PUBLIC", None
    assert cleared_fields(built, report, viewer(2, Role.VIEWER)) == SCOPE_FIELDS
    assert cleared_fields(built, report, viewer(4, Role.ADMIN)) == PUBLIC_FIELDS
    assert cleared_fields(built, report, viewer(None)) == PUBLIC_FIELDS
    report.status = "WITHDRAWN"
    assert cleared_fields(built, report, viewer(3, Role.SUPPLIER_REPORTER)) is None
    assert cleared_fields(built, report, viewer(None)) is None
    assert cleared_fields(built, report, viewer(5, Role.VIEWER)) == PARTY_FIELDS
    assert withheld_paths(
        ReportState(
            1,
            replace(
                report_spec, findings=(FindingSpec("WAGES", "MINOR", True, False, False, None),)
            ),
        ),
        SCOPE_FIELDS,
    ) == ["commercialNotes", "workerInterviews", "findings.0.evidence"]


def test_aliased_sensitive_reads_are_all_answered_and_logged(
    client: TestClient, world: World
) -> None:
    """Aliased root fields run concurrently on the request's one session; when each
    reads RESTRICTED data, each appends to the audit log. Every alias must still be
    answered, and every read logged once, on an unbroken chain."""
    w = build_reports_world(client, world)
    ids = [create_inspection(client, w, title=f"Report {n}") for n in range(3)]
    query = (
        "{ "
        + " ".join(
            f"r{n}: auditReport(id: {literal(report_id)}) {{ id commercialNotes }}"
            for n, report_id in enumerate(ids)
        )
        + " }"
    )
    body = gql(client, query, w.tokens["oslo"])
    assert not body.get("errors"), body["errors"]
    assert [body["data"][f"r{n}"]["id"] for n in range(3)] == ids
    with db.transaction(world.factory) as session:
        logged = sorted(
            entry.subject_id
            for entry in session.scalars(select(AuditLogEntry))
            if entry.action == "read_restricted"
        )
        assert audit_log.verify(session).ok
    assert logged == sorted(ids)


# Self-reports -----------------------------------------------------------------------
#
# A supplier's self-report versions (and the sites they disclose) are read by its own
# members, public bodies with an active contract (RESTRICTED; PERSONAL with a role for
# it) and organisations holding an unrevoked grant (SHARED); nobody else learns they
# exist. The oracle's own copy of the classifications of the canary questions:
SR_QUESTIONS = {
    "dueDiligenceAccountUrl": "PUBLIC",
    "iloDeviations": "RESTRICTED",
    "certificationDetails": "RESTRICTED",
    "policyOwner": "PERSONAL",
    "grievanceContact": "PERSONAL",
}
SR_LEVEL = {"PUBLIC": 0, "SHARED": 1, "RESTRICTED": 2, "PERSONAL": 3}
SR_BASE: dict[str, Any] = {
    "humanRightsPolicy": True,
    "supplierCodeOfConduct": False,
    "forcedLabour": "COMPLIANT",
    "freedomOfAssociation": "COMPLIANT",
    "nonDiscrimination": "COMPLIANT",
    "childLabour": "COMPLIANT",
    "occupationalSafety": "NOT_ASSESSED",
    "grievanceMechanism": False,
    "usesSubcontractors": False,
    "certifications": ["NONE"],
}
SR_CANARY_RE = re.compile(r"srCANARY(\d+)v(\d+)([A-Za-z]+)q")
CONTRACT_DATES = {
    "active": ("2025-01-01", None),
    "ended": ("2020-01-01", "2021-12-31"),
    "future": ("2099-01-01", None),
}


@dataclass(frozen=True)
class SelfReportWorld:
    kinds: tuple[OrganizationKind, ...]  # body, body, body, coordinator, auditor, supplier...
    personal_roles: tuple[bool, ...]  # per organisation: its user reads PERSONAL data
    versions: tuple[int, ...]  # per supplier: how many versions it submits
    contracts: tuple[tuple[int, int, str], ...]  # (body, supplier, active|ended|future)
    grants: tuple[tuple[int, int, bool], ...]  # (supplier, grantee, revoked)


@st.composite
def self_report_worlds(draw: st.DrawFn) -> SelfReportWorld:
    suppliers = draw(st.integers(1, 3))
    kinds = (PB, PB, PB, COORD, AUD) + (SUP,) * suppliers
    supplier_ix = list(range(5, 5 + suppliers))
    contracts = draw(
        st.lists(
            st.tuples(
                st.sampled_from([0, 1, 2]),
                st.sampled_from(supplier_ix),
                st.sampled_from(sorted(CONTRACT_DATES)),
            ),
            max_size=5,
        )
    )
    grants = draw(
        st.lists(
            st.tuples(
                st.sampled_from(supplier_ix),
                st.sampled_from([i for i in range(len(kinds))]),
                st.booleans(),
            ).filter(lambda g: g[0] != g[1]),
            max_size=4,
            unique_by=lambda g: (g[0], g[1]),
        )
    )
    return SelfReportWorld(
        kinds=kinds,
        personal_roles=tuple(draw(st.booleans()) for _ in kinds),
        versions=tuple(draw(st.integers(0, 2)) for _ in supplier_ix),
        contracts=tuple(contracts),
        grants=tuple(grants),
    )


def sr_answers(supplier: int, version: int) -> dict[str, Any]:
    canaries = {q: f"srCANARY{supplier}v{version}{q}q" for q in SR_QUESTIONS}
    return {**SR_BASE, **canaries}


def sr_clearance(spec: SelfReportWorld, viewer: int, supplier: int) -> int | None:
    """The oracle: the level viewer reads of supplier's self-reports, None for nothing."""
    if viewer == supplier:
        return SR_LEVEL["PERSONAL"]
    if spec.kinds[viewer] is PB and any(
        body == viewer and sup == supplier and when == "active"
        for body, sup, when in spec.contracts
    ):
        return SR_LEVEL["PERSONAL" if spec.personal_roles[viewer] else "RESTRICTED"]
    if any(sup == supplier and org == viewer and not revoked for sup, org, revoked in spec.grants):
        return SR_LEVEL["SHARED"]
    return None


SR_LIST = """
{ selfReports(first: 200) { edges { node {
    version answers redactedFields supplier { id } productionSites { name }
} } } }
"""
SR_CHANGES = """
{ selfReportChanges(since: "2000-01-01T00:00:00Z") { version supplier { id } } }
"""


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(self_report_worlds())
def test_every_organisation_sees_exactly_the_self_reports_its_relation_allows(
    spec: SelfReportWorld,
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app_settings = Settings(data_dir=Path(directory) / "data")
        fresh_sqlite(app_settings.resolved_database_url)
        engine = db.make_engine(app_settings.resolved_database_url)
        try:
            services = Services.from_settings(app_settings)
            with TestClient(create_app(app_settings, services)) as client:
                check_self_reports(client, World(engine, app_settings), spec)
        finally:
            engine.dispose()


def check_self_reports(client: TestClient, world: World, spec: SelfReportWorld) -> None:
    roles = {
        PB: Role.PROCUREMENT_OFFICER,
        COORD: Role.COORDINATOR,
        AUD: Role.AUDITOR,
        SUP: Role.SUPPLIER_REPORTER,
    }
    ids: list[str] = []
    tokens: list[str] = []
    for index, kind in enumerate(spec.kinds):
        org = world.org(f"Org {index}", kind)
        role = roles[kind]
        if kind is PB and spec.personal_roles[index]:
            role = Role.CONTRACT_MANAGER  # reads PERSONAL data
        ids.append(org)
        tokens.append(world.user(f"u{index}@example.org", org, role))
    for body, supplier, when in spec.contracts:
        start, end = CONTRACT_DATES[when]
        contract = {
            "supplierId": ids[supplier],
            "title": "Kontrakt",
            "productCategory": "gloves",
            "startDate": start,
            "endDate": end,
        }
        created = gql(
            client,
            "mutation($i: ContractInput!) { createContract(input: $i) { id } }",
            tokens[body],
            {"i": contract},
        )
        assert created.get("data"), created
    suppliers = [i for i, kind in enumerate(spec.kinds) if kind is SUP]
    for supplier, count in zip(suppliers, spec.versions, strict=True):
        for version in range(1, count + 1):
            site = {"name": f"Site of {supplier}", "country": "MY", "address": f"Lot {supplier}"}
            submitted = gql(
                client,
                "mutation($i: SelfReportInput!) { submitSelfReport(input: $i) { version } }",
                tokens[supplier],
                {"i": {"answers": sr_answers(supplier, version), "productionSites": [site]}},
            )
            assert submitted["data"]["submitSelfReport"]["version"] == version, submitted
    for supplier, grantee, revoked in spec.grants:
        grant = 'mutation($o: ID!) { grantSelfReportAccess(organizationId: $o, purpose: "p") }'
        assert gql(client, grant, tokens[supplier], {"o": ids[grantee]})["data"], grant
        if revoked:
            revoke = "mutation($o: ID!) { revokeSelfReportAccess(organizationId: $o) }"
            assert gql(client, revoke, tokens[supplier], {"o": ids[grantee]})["data"]

    for viewer, token in enumerate(tokens):
        expected = {
            (ids[s], v): level
            for s, count in zip(suppliers, spec.versions, strict=True)
            if (level := sr_clearance(spec, viewer, s)) is not None
            for v in range(1, count + 1)
        }
        body = gql(client, SR_LIST, token)
        text = json.dumps(body)
        nodes = [edge["node"] for edge in body["data"]["selfReports"]["edges"]]
        assert {(n["supplier"]["id"], n["version"]) for n in nodes} == set(expected), viewer
        for node in nodes:
            level = expected[(node["supplier"]["id"], node["version"])]
            cleared = {q for q, c in SR_QUESTIONS.items() if SR_LEVEL[c] <= level}
            got = {q for q in SR_QUESTIONS if q in node["answers"]}
            assert got == cleared, (viewer, node)
            withheld = {f"answers.{q}" for q in SR_QUESTIONS if q not in cleared}
            assert set(node["redactedFields"]) == withheld, (viewer, node)
            assert [s["name"] for s in node["productionSites"]] != []
        # No canary of a supplier the viewer may not read, or above its level, anywhere.
        for match in SR_CANARY_RE.finditer(text):
            supplier, question = int(match.group(1)), match.group(3)
            level = sr_clearance(spec, viewer, supplier)
            assert level is not None and SR_LEVEL[SR_QUESTIONS[question]] <= level, match
        changes = gql(client, SR_CHANGES, token)["data"]["selfReportChanges"]
        assert {(c["supplier"]["id"], c["version"]) for c in changes} == set(expected)
        # Facilities: only the sites of self-reports it may read (no audit reports here).
        listed = gql(client, "{ facilities { edges { node { name } } } }", token)
        names = {e["node"]["name"] for e in listed["data"]["facilities"]["edges"]}
        assert names == {
            f"Site of {s}"
            for s, count in zip(suppliers, spec.versions, strict=True)
            if count and sr_clearance(spec, viewer, s) is not None
        }
