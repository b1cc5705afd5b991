"""The one authorization path: may this principal do ACTION on RESOURCE?

Roles come from the Principal (the memberships table, read per request);
Casbin holds what each role may do, in the casbin_rule table:

- `p, role:<ROLE>, *, <resource>, <action>`: the default table
  (authz/policies.py), valid in every organisation;
- `p, role:<ROLE>, <org id>, <resource>, <action>`: an extra grant that one
  organisation gives its own members.

Cross-tenant denial holds by construction, not by policy content:

1. A principal's roles count only in its own organisation: when the resource
   has an owner other than `principal.organization_id`, `allows` answers False
   before Casbin is asked, whatever the roles and policies are.
2. Otherwise Casbin is asked for exactly two domains, "*" and the principal's
   organisation id, and the matcher compares every field by string equality
   (no keyMatch/regexMatch/prefix). A rule for domain "10", "11", "1x" or
   "1" + suffix can only match a request whose domain is that same string, and
   a principal of "1" never sends one. So an ADMIN of "1" gets nothing on a
   resource of "10", and "10"'s custom rules grant nothing to members of "1".

Actions that touch another organisation's records (joining a network another
body leads, bidding on its mini-competition, an auditor firm adding findings
to a report another body commissioned) are relations, not roles: the resolver
checks the relation first and passes as owner the organisation the principal
acts for, and row visibility is compiled into SQL (authz.disclosure.row_filter).

Casbin is the policy source and model: rules are read through its SQLAlchemy
adapter into a casbin Model built from model.conf. What answers a request is an
immutable snapshot derived from that model (`PolicySnapshot`): a dict from
(subject, resource, action) to the frozenset of domains granting it. Because the
matcher is pure equality and the effect is "some allow", a rule matches a
request exactly when its four fields equal the request's, so set membership
gives casbin's answer (tests/api/test_authz_snapshot.py checks it against
casbin's own enforce); the snapshot refuses a model.conf whose matcher is
anything else. A decision is one or two dict look-ups and takes no lock.

`reload()` reads the rules into a fresh Model without any lock held and swaps
the snapshot in with one attribute assignment, so requests never wait for it;
the lock only keeps two reloads from swapping out of order. Each snapshot
carries the policy version (migration 0009: a trigger advances it on every
change to casbin_rule) read before its rules, so a change committed meanwhile
shows up as a newer version and another reload. authz/policy_sync.py watches
that version for the API processes.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import casbin
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy_adapter import Adapter

from authz.policies import DEFAULT_POLICIES
from authz.principal import Principal
from domain.enums import Role
from domain.errors import Forbidden
from storage.models import CasbinRule, PolicyVersion

logger = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).parent / "model.conf"
# The domain of the default role policies: a literal, compared by equality.
DEFAULT_DOMAIN = "*"
# The only matcher the snapshot may stand in for (casbin's normalised spelling).
EQUALITY_MATCHER = "r_sub == p_sub && r_dom == p_dom && r_obj == p_obj && r_act == p_act"
# For "ask an admin for ...": the narrowest role first, ADMIN last.
_SUGGESTION_ORDER = [role for role in Role if role is not Role.ADMIN] + [Role.ADMIN]
_SUBJECTS: dict[Role, str] = {role: f"role:{role.value}" for role in Role}

Grant = tuple[str, str, str]
"""(subject, resource, action): the key of a snapshot."""


def role_subject(role: Role | str) -> str:
    """The Casbin subject of a role: "role:PROCUREMENT_OFFICER"."""
    return _SUBJECTS[Role(role)]


class PolicyAdapter(Adapter):  # type: ignore[misc]  # casbin's Adapter is untyped
    """The official SQLAlchemy adapter, reading rows column by column.

    The stock adapter rebuilds each rule by parsing `str(row)`, which only works
    with its own row class; with storage.models.CasbinRule every row would be
    dropped without a word. Rules are also added in one transaction.
    """

    def load_policy(self, model: Any) -> None:
        with self._session_scope() as session:
            rows = rule_rows(session, self._db_class)
        assertions: dict[str, Any] = {}
        for row in rows:
            ptype = row[1]
            if ptype not in assertions:
                assertions[ptype] = model.model.get(ptype[:1], {}).get(ptype)
            _load_row(row, assertions[ptype])

    def load_filtered_policy(self, model: Any, filter: Any) -> None:
        with self._session_scope() as session:
            for row in self.filter_query(session.query(self._db_class), filter):
                values = (row.id, row.ptype, row.v0, row.v1, row.v2, row.v3, row.v4, row.v5)
                _load_row(values, model.model.get(row.ptype[:1], {}).get(row.ptype))
            self._filtered = True

    def add_policies(self, sec: str, ptype: str, rules: Iterable[Sequence[str]]) -> None:
        with self._session_scope() as session:
            for rule in rules:
                self._save_policy_line(ptype, rule, session=session)


RULES_PER_VALUE = 10_000


def rule_rows(session: Session, table: Any) -> list[Sequence[Any]]:
    """Every (id, ptype, v0..v5) row of the rules table, in id order.

    On SQLite and PostgreSQL packed by the database into one JSON value per
    `RULES_PER_VALUE` ids: the sqlite3 module releases the GIL for every row it
    steps, and a reload runs in a thread beside a busy event loop, which then
    holds the GIL for a switch interval each time (100k rules: 72 s row by row
    against 0.5 s packed, with a thread deciding in a loop beside it); and one
    value per chunk keeps each decode, which holds the GIL, short."""
    columns = (
        table.id,
        table.ptype,
        table.v0,
        table.v1,
        table.v2,
        table.v3,
        table.v4,
        table.v5,
    )
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        packed = func.json_group_array(func.json_array(*columns))
    elif dialect == "postgresql":
        packed = func.json_agg(func.json_build_array(*columns))
    else:  # pragma: no cover - kjede runs on SQLite and PostgreSQL
        return list(session.execute(select(*columns).order_by(table.id)).all())
    chunk = table.id // RULES_PER_VALUE
    rows: list[Sequence[Any]] = []
    for value in session.scalars(select(packed).group_by(chunk).order_by(chunk)):
        decoded: list[list[Any]] = json.loads(value) if isinstance(value, str) else value
        decoded.sort(key=itemgetter(0))  # an aggregate's input order is the database's
        rows.extend(decoded)
    return rows


def _load_row(row: Any, assertion: Any) -> None:
    """One (id, ptype, v0..v5) row into its policy assertion, or a warning."""
    values = [v for v in row[2:] if v is not None]
    if assertion is None:
        logger.warning("casbin_rule %s ignored: ptype %r is not in the model", row[0], row[1])
        return
    if len(values) != len(assertion.tokens):
        logger.warning(
            "casbin_rule %s ignored: %d fields, expected %d",
            row[0],
            len(values),
            len(assertion.tokens),
        )
        return
    assertion.policy.append(values)


def default_rules() -> list[list[str]]:
    """The default policy table as Casbin p rules in domain "*"."""
    return [
        [role_subject(role), DEFAULT_DOMAIN, resource.value, action.value]
        for role, resource, action in DEFAULT_POLICIES
    ]


def new_model() -> Any:
    """model.conf as a casbin Model, refused unless its matcher is pure equality."""
    model = casbin.Enforcer.new_model(str(MODEL_PATH))
    matcher = " ".join(str(model.model["m"]["m"].value).split())
    if matcher != EQUALITY_MATCHER:
        raise ValueError(
            f"authz/model.conf matcher {matcher!r} is not pure equality; the policy "
            "snapshot answers only for an equality matcher"
        )
    return model


@dataclass(frozen=True)
class PolicySnapshot:
    """The rules as they stood at `version`: (subject, resource, action) -> the
    domains that grant it. Never changed after it is built; replaced whole."""

    grants: Mapping[Grant, frozenset[str]] = field(default_factory=dict)
    version: int | None = None
    rules: int = 0

    @classmethod
    def from_rules(cls, rules: Iterable[Sequence[str]], version: int | None) -> PolicySnapshot:
        domains: dict[Grant, set[str]] = {}
        count = 0
        for subject, domain, resource, action in rules:
            domains.setdefault((subject, resource, action), set()).add(domain)
            count += 1
        grants = {key: frozenset(value) for key, value in domains.items()}
        return cls(grants=grants, version=version, rules=count)

    def has(self, rule: Sequence[str]) -> bool:
        subject, domain, resource, action = rule
        return domain in self.grants.get((subject, resource, action), ())

    def granted(self, role: Role, organization_id: str, resource: str, action: str) -> bool:
        domains = self.grants.get((_SUBJECTS[role], resource, action))
        return domains is not None and (DEFAULT_DOMAIN in domains or organization_id in domains)


def read_policy_version(engine: Engine) -> int | None:
    """The policy version (migration 0009), or None before that migration."""
    with engine.connect() as connection:
        try:
            return connection.execute(
                select(PolicyVersion.version).where(PolicyVersion.id == 1)
            ).scalar_one_or_none()
        except (OperationalError, ProgrammingError):  # not migrated to 0009 yet
            return None


class Authorizer:
    """Answers "may this principal do ACTION on RESOURCE?" for every resolver."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # The table belongs to our migrations; the adapter must not create it.
        self._adapter = PolicyAdapter(engine, db_class=CasbinRule, create_table=False)
        # Serialises reloads and writes; never taken by a decision.
        self._lock = threading.Lock()
        self._snapshot = PolicySnapshot()
        self.reload()

    @property
    def snapshot(self) -> PolicySnapshot:
        return self._snapshot

    @property
    def version(self) -> int | None:
        """The policy version the current snapshot was read at."""
        return self._snapshot.version

    def seed_default_policies(self) -> int:
        """Add the default rules missing from the database; return how many were added.

        Idempotent: it reloads first, so rules another process added count as present.
        """
        with self._lock:
            current = self._load()
            missing = [rule for rule in default_rules() if not current.has(rule)]
            if missing:
                self._adapter.add_policies("p", "p", missing)
            self._snapshot = self._load()
            return len(missing)

    def add_tenant_policy(
        self, organization_id: str, role: Role, resource: str, action: str
    ) -> bool:
        """Let `role` do ACTION on RESOURCE within one organisation only; False if present."""
        rule = self._tenant_rule(organization_id, role, resource, action)
        with self._lock:
            if self._load().has(rule):
                return False
            self._adapter.add_policy("p", "p", rule)
            self._snapshot = self._load()
            return True

    def remove_tenant_policy(
        self, organization_id: str, role: Role, resource: str, action: str
    ) -> bool:
        """Take back a grant made with `add_tenant_policy`; False if it was not there."""
        rule = self._tenant_rule(organization_id, role, resource, action)
        with self._lock:
            removed = bool(self._adapter.remove_policy("p", "p", rule))
            self._snapshot = self._load()
            return removed

    def tenant_policies(self, organization_id: str) -> list[tuple[str, str, str]]:
        """(role, resource, action) of every extra grant of one organisation."""
        prefix = len("role:")
        return sorted(
            (subject[prefix:], resource, action)
            for (subject, resource, action), domains in self._snapshot.grants.items()
            if organization_id in domains
        )

    def reload(self) -> None:
        """Re-read the rules from the database (after another process changed them).

        Requests keep deciding on the old snapshot while the new one is read."""
        with self._lock:
            self._snapshot = self._load()

    def reload_if_changed(self) -> bool:
        """Reload when the database's policy version differs from the snapshot's."""
        if read_policy_version(self._engine) == self._snapshot.version:
            return False
        self.reload()
        return True

    def _load(self) -> PolicySnapshot:
        # The version first: a change committed after it is read shows up as a
        # newer version than the snapshot's, and the watcher reloads again.
        version = read_policy_version(self._engine)
        model = new_model()
        # Hundreds of thousands of new objects, all kept: a cyclic collection
        # in the middle would walk them (and the whole heap) for nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._adapter.load_policy(model)
            return PolicySnapshot.from_rules(model.get_policy("p", "p"), version)
        finally:
            if collecting:
                gc.enable()

    @staticmethod
    def _tenant_rule(organization_id: str, role: Role, resource: str, action: str) -> list[str]:
        if organization_id in ("", DEFAULT_DOMAIN):
            raise ValueError(
                "a tenant policy needs an organisation id; defaults live in policies.py"
            )
        return [role_subject(role), organization_id, str(resource), str(action)]

    def allows(
        self, principal: Principal, action: str, resource: str, owner_id: str | None = None
    ) -> bool:
        """True if one of the principal's roles allows ACTION on RESOURCE.

        `owner_id` is the organisation that owns the resource; None for a new
        resource the principal's organisation will own. Another owner is always
        denied: roles count only in the organisation that holds them.
        """
        organization_id = principal.organization_id
        if owner_id is not None and owner_id != organization_id:
            return False
        if organization_id in ("", DEFAULT_DOMAIN):
            return False
        grants = self._snapshot.grants
        for role in principal.roles:
            domains = grants.get((_SUBJECTS[role], resource, action))
            if domains is not None and (DEFAULT_DOMAIN in domains or organization_id in domains):
                return True
        return False

    def require(
        self, principal: Principal, action: str, resource: str, owner_id: str | None = None
    ) -> None:
        """Like `allows`, but raise Forbidden with what to ask for."""
        if not self.allows(principal, action, resource, owner_id):
            raise Forbidden(self._refusal(principal, str(action), str(resource), owner_id))

    def _refusal(
        self, principal: Principal, action: str, resource: str, owner_id: str | None
    ) -> str:
        permission = f"{resource}:{action}"
        if owner_id is not None and owner_id != principal.organization_id:
            return (
                f"{permission} is not allowed on another organisation's {resource}; "
                "roles count only in the organisation that holds them"
            )
        snapshot = self._snapshot
        granting = [
            role
            for role in _SUGGESTION_ORDER
            if snapshot.granted(role, principal.organization_id, resource, action)
        ]
        if principal.roles:
            held = ", ".join(role.value for role in Role if role in principal.roles)
            refusal = f"your roles ({held}) in this organisation do not allow {permission}"
        else:
            refusal = f"you hold no role in this organisation, so {permission} is not allowed"
        if not granting:
            return f"{refusal}; no role in this organisation allows it"
        return f"{refusal}; ask an admin for {_or_list([role.value for role in granting])}"


def _or_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"
