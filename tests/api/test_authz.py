"""Authorization: an enforce truth table, cross-tenant denials, and policies in a real DB."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from authz.enforcer import DEFAULT_DOMAIN, Authorizer, role_subject
from authz.policies import DEFAULT_POLICIES, GRANTS, Action, Resource
from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from domain.errors import Forbidden
from storage import db
from storage.models import CasbinRule
from tests.migrated import fresh_sqlite

A = Role.ADMIN
PO = Role.PROCUREMENT_OFFICER
CM = Role.CONTRACT_MANAGER
AU = Role.AUDITOR
SR = Role.SUPPLIER_REPORTER
CO = Role.COORDINATOR
VI = Role.VIEWER
EVERY_ROLE = frozenset(Role)

# UUIDv7-like ids where one is a prefix of the other, and two differing in the last digit.
UUID_1 = "0191b6e4-3f2a-7c3d-9e8f-1a2b3c4d5e6f"
UUID_1_SUFFIXED = UUID_1 + "0"
UUID_1_LAST_DIGIT = UUID_1[:-1] + "0"


def make_engine(path: Path) -> Engine:
    url = f"sqlite:///{path / 'authz.sqlite3'}"
    fresh_sqlite(url, policies=False)
    return db.make_engine(url)


def principal(org: str, *roles: Role) -> Principal:
    return Principal(
        user_id=f"user-of-{org}",
        email=f"someone@{org}.example",
        organization_id=org,
        organization_kind=OrganizationKind.PUBLIC_BODY,
        roles=frozenset(roles),
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authorizer]:
    engine = make_engine(tmp_path_factory.mktemp("authz"))
    authorizer = Authorizer(engine)
    authorizer.seed_default_policies()
    yield authorizer
    engine.dispose()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A private database per test (shadows conftest's pre-seeded one)."""
    engine = make_engine(tmp_path)
    yield engine
    engine.dispose()


# --- the truth table ----------------------------------------------------------


def row(
    roles: frozenset[Role] | Role,
    org: str,
    owner: str | None,
    permission: str,
    expected: bool,
) -> object:
    resource, action = permission.split(":")
    held = roles if isinstance(roles, frozenset) else frozenset({roles})
    names = "+".join(sorted(r.value for r in held)) if held != EVERY_ROLE else "EVERY_ROLE"
    target = "new" if owner is None else f"owned-by-{owner or 'EMPTY'}"
    verdict = "allow" if expected else "deny"
    case_id = f"{names or 'NO_ROLE'}@{org} {permission} {target} -> {verdict}"
    return pytest.param(held, org, owner, resource, action, expected, id=case_id)


# (roles, principal org, resource owner, resource:action, expected)
TRUTH_TABLE = [
    # own organisation: the default table
    row(A, "1", None, "organization:create", True),
    row(A, "1", "1", "network:add_member", True),
    row(PO, "1", None, "network:create", True),
    row(CO, "1", None, "network:create", True),
    row(CM, "1", None, "network:create", False),
    row(VI, "1", None, "network:create", False),
    row(VI, "1", "1", "contract:read", True),
    row(SR, "1", "1", "contract:read", True),
    row(AU, "1", "1", "contract:read", False),
    row(AU, "1", "1", "audit_report:read_personal", True),
    row(CM, "1", "1", "audit_report:read_personal", True),
    row(A, "1", "1", "audit_report:read_personal", False),
    row(SR, "1", None, "bid:submit", True),
    row(PO, "1", None, "bid:submit", False),
    row(CO, "1", None, "focus_area:assign", True),
    row(PO, "1", None, "focus_area:assign", False),
    row(A, "1", "1", "audit_log:read", True),
    row(VI, "1", "1", "audit_log:read", False),
    row(frozenset({VI, PO}), "1", None, "network:create", True),
    row(frozenset(), "1", "1", "organization:read", False),
    # only exact names: no unknown actions, no case folding
    row(A, "1", "1", "network:delete", False),
    row(A, "1", "1", "Network:create", False),
    row(A, "1", "1", "network:CREATE", False),
    # cross-tenant: numeric ids that are prefixes of each other
    row(A, "1", "10", "network:add_member", False),
    row(A, "1", "11", "network:add_member", False),
    row(A, "1", "1x", "network:add_member", False),
    row(A, "10", "1", "network:add_member", False),
    row(A, "1", "", "network:add_member", False),
    row(A, "1", "*", "network:add_member", False),
    row(A, "1", ".*", "network:add_member", False),
    row(EVERY_ROLE, "1", "10", "organization:read", False),
    row(EVERY_ROLE, "1", "10", "audit_report:publish", False),
    # cross-tenant: UUIDs differing only in a suffix
    row(A, UUID_1, UUID_1, "network:add_member", True),
    row(A, UUID_1, UUID_1_SUFFIXED, "network:add_member", False),
    row(A, UUID_1_SUFFIXED, UUID_1, "network:add_member", False),
    row(A, UUID_1, UUID_1_LAST_DIGIT, "network:add_member", False),
    # a principal whose organisation id is the default domain's name gets nothing
    row(A, DEFAULT_DOMAIN, None, "organization:read", False),
]


@pytest.mark.parametrize(("roles", "org", "owner", "resource", "action", "expected"), TRUTH_TABLE)
def test_enforce_truth_table(
    seeded: Authorizer,
    roles: frozenset[Role],
    org: str,
    owner: str | None,
    resource: str,
    action: str,
    expected: bool,
) -> None:
    assert seeded.allows(principal(org, *roles), action, resource, owner) is expected


@pytest.mark.parametrize(("resource", "action"), list(GRANTS), ids=[f"{r}:{a}" for r, a in GRANTS])
@pytest.mark.parametrize("owner", ["10", "11", "1x", UUID_1])
def test_every_role_of_org_1_is_denied_elsewhere(
    seeded: Authorizer, resource: Resource, action: Action, owner: str
) -> None:
    everything = principal("1", *Role)
    assert seeded.allows(everything, action, resource, owner_id="1")
    assert not seeded.allows(everything, action, resource, owner_id=owner)


def test_default_table_is_enforced_exactly(seeded: Authorizer) -> None:
    for (resource, action), granted in GRANTS.items():
        for role in Role:
            allowed = seeded.allows(principal("1", role), action, resource)
            assert allowed is (role in granted), f"{role.value} {resource}:{action}"


# --- refusals say what to ask for -----------------------------------------------


def test_refusal_names_the_roles_that_would_allow(seeded: Authorizer) -> None:
    with pytest.raises(Forbidden) as caught:
        seeded.require(principal("1", VI), Action.CREATE, Resource.NETWORK)
    assert caught.value.code == "FORBIDDEN"
    assert caught.value.message == (
        "your roles (VIEWER) in this organisation do not allow network:create; "
        "ask an admin for PROCUREMENT_OFFICER, COORDINATOR or ADMIN"
    )


def test_refusal_across_tenants_does_not_suggest_roles(seeded: Authorizer) -> None:
    with pytest.raises(Forbidden, match="roles count only in the organisation that holds them"):
        seeded.require(principal("1", A), Action.ADD_MEMBER, Resource.NETWORK, owner_id="10")


def test_refusal_when_no_role_allows(seeded: Authorizer) -> None:
    with pytest.raises(Forbidden, match="no role in this organisation allows it"):
        seeded.require(principal("1", A), "delete", Resource.NETWORK)


def test_refusal_without_roles(seeded: Authorizer) -> None:
    with pytest.raises(Forbidden, match=r"you hold no role in this organisation.*ask an admin"):
        seeded.require(principal("1"), Action.READ, Resource.ORGANIZATION)


def test_require_passes_silently(seeded: Authorizer) -> None:
    seeded.require(principal("1", PO), Action.CREATE, Resource.NETWORK)


# --- policies live in the database ------------------------------------------------


def rule_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(CasbinRule)).scalar_one()


def test_nothing_is_allowed_before_seeding(engine: Engine) -> None:
    authorizer = Authorizer(engine)
    assert not authorizer.allows(principal("1", *Role), Action.READ, Resource.ORGANIZATION)


def test_policies_persist_through_the_adapter(engine: Engine) -> None:
    first = Authorizer(engine)
    assert first.seed_default_policies() == len(DEFAULT_POLICIES)
    assert rule_count(engine) == len(DEFAULT_POLICIES)

    second = Authorizer(engine)
    assert second.allows(principal("1", PO), Action.CREATE, Resource.NETWORK)
    assert not second.allows(principal("1", VI), Action.CREATE, Resource.NETWORK)

    assert second.seed_default_policies() == 0
    assert first.seed_default_policies() == 0
    assert rule_count(engine) == len(DEFAULT_POLICIES)


def test_seeding_adds_only_what_is_missing(engine: Engine) -> None:
    Authorizer(engine).seed_default_policies()
    with db.transaction(db.make_session_factory(engine)) as session:
        victim = session.scalars(select(CasbinRule).limit(1)).one()
        session.delete(victim)
    assert Authorizer(engine).seed_default_policies() == 1
    assert rule_count(engine) == len(DEFAULT_POLICIES)


@pytest.mark.parametrize("other", ["10", "11", "1x", UUID_1])
def test_a_tenant_rule_grants_nothing_in_another_tenant(engine: Engine, other: str) -> None:
    authorizer = Authorizer(engine)
    authorizer.seed_default_policies()
    assert authorizer.add_tenant_policy(other, VI, Resource.NETWORK, Action.CREATE)
    assert not authorizer.add_tenant_policy(other, VI, Resource.NETWORK, Action.CREATE)

    reloaded = Authorizer(engine)
    for checker in (authorizer, reloaded):
        assert checker.allows(principal(other, VI), Action.CREATE, Resource.NETWORK)
        assert not checker.allows(principal("1", VI), Action.CREATE, Resource.NETWORK)
        assert not checker.allows(principal("1", VI), Action.CREATE, Resource.NETWORK, other)
        assert not checker.allows(principal(other, VI), Action.CREATE, Resource.NETWORK, "1")


def test_tenant_rule_of_1_grants_nothing_in_10(engine: Engine) -> None:
    authorizer = Authorizer(engine)
    assert authorizer.add_tenant_policy("1", VI, Resource.AUDIT_LOG, Action.READ)
    assert authorizer.allows(principal("1", VI), Action.READ, Resource.AUDIT_LOG)
    assert not authorizer.allows(principal("10", VI), Action.READ, Resource.AUDIT_LOG)
    assert not authorizer.allows(principal("11", VI), Action.READ, Resource.AUDIT_LOG)


def test_tenant_rule_needs_an_organisation(engine: Engine) -> None:
    authorizer = Authorizer(engine)
    for bad in ("", DEFAULT_DOMAIN):
        with pytest.raises(ValueError, match="needs an organisation id"):
            authorizer.add_tenant_policy(bad, VI, Resource.NETWORK, Action.CREATE)


@pytest.mark.parametrize("pattern", ["1*", "1.*", ".*", "1?", "keyMatch(1*)", "/1*"])
def test_patterns_in_the_domain_column_match_nothing_but_themselves(
    engine: Engine, pattern: str
) -> None:
    with db.transaction(db.make_session_factory(engine)) as session:
        session.add(
            CasbinRule(ptype="p", v0=role_subject(VI), v1=pattern, v2="network", v3="create")
        )
    authorizer = Authorizer(engine)
    for org in ("1", "10", "11", "1x", UUID_1):
        assert not authorizer.allows(principal(org, VI), Action.CREATE, Resource.NETWORK)


def test_reload_sees_rules_written_by_another_process(engine: Engine) -> None:
    authorizer = Authorizer(engine)
    authorizer.seed_default_policies()
    Authorizer(engine).add_tenant_policy("1", VI, Resource.NETWORK, Action.CREATE)
    assert not authorizer.allows(principal("1", VI), Action.CREATE, Resource.NETWORK)
    authorizer.reload()
    assert authorizer.allows(principal("1", VI), Action.CREATE, Resource.NETWORK)


def test_malformed_rows_are_skipped_not_fatal(engine: Engine) -> None:
    with db.transaction(db.make_session_factory(engine)) as session:
        session.add(CasbinRule(ptype="p", v0=role_subject(VI), v1="network", v2="create"))
        session.add(CasbinRule(ptype="g", v0="user:1", v1=role_subject(A), v2="1"))
    authorizer = Authorizer(engine)
    assert authorizer.seed_default_policies() == len(DEFAULT_POLICIES)
    assert not authorizer.allows(principal("1", VI), Action.CREATE, Resource.NETWORK)
    assert authorizer.allows(principal("1", PO), Action.CREATE, Resource.NETWORK)


def test_concurrent_checks_do_not_share_a_filter(seeded: Authorizer) -> None:
    """FastEnforcer's domain filter is shared state; the lock keeps threads apart."""
    cases = [
        (principal("1", PO), Action.CREATE, Resource.NETWORK, None, True),
        (principal("10", VI), Action.CREATE, Resource.NETWORK, None, False),
        (principal("1", A), Action.ADD_MEMBER, Resource.NETWORK, "10", False),
        (principal("11", AU), Action.READ_PERSONAL, Resource.AUDIT_REPORT, "11", True),
    ]
    failures: list[str] = []

    def hammer(case: tuple[Principal, Action, Resource, str | None, bool]) -> None:
        who, action, resource, owner, expected = case
        for _ in range(300):
            if seeded.allows(who, action, resource, owner) is not expected:
                failures.append(f"{who.organization_id} {resource}:{action}")

    threads = [threading.Thread(target=hammer, args=(case,)) for case in cases * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
