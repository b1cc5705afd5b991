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

Enforcer: pycasbin 2.x `FastEnforcer` keyed on (dom, sub). It narrows the
policies to the one bucket of that exact domain and role subject before
matching, so a check costs the same with 100 or 100k per-tenant rules. It
filters by equality, which is why the matcher must be pure equality (a "*"
wildcard inside the matcher would never see the "*" bucket) and why "*" is
asked for as a domain of its own. There is no SyncedFastEnforcer in pycasbin
2.8, and the fast filter is shared mutable state, so every call into the
enforcer holds one lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import casbin
from sqlalchemy import Engine, select
from sqlalchemy_adapter import Adapter

from authz.policies import DEFAULT_POLICIES
from authz.principal import Principal
from domain.enums import Role
from domain.errors import Forbidden
from storage.models import CasbinRule

logger = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).parent / "model.conf"
# The domain of the default role policies: a literal, compared by equality.
DEFAULT_DOMAIN = "*"
# FastEnforcer buckets policies by these request fields: (dom, sub).
_CACHE_KEY_ORDER = [1, 0]
# For "ask an admin for ...": the narrowest role first, ADMIN last.
_SUGGESTION_ORDER = [role for role in Role if role is not Role.ADMIN] + [Role.ADMIN]


def role_subject(role: Role | str) -> str:
    """The Casbin subject of a role: "role:PROCUREMENT_OFFICER"."""
    return f"role:{Role(role).value}"


class PolicyAdapter(Adapter):  # type: ignore[misc]  # casbin's Adapter is untyped
    """The official SQLAlchemy adapter, reading rows column by column.

    The stock adapter rebuilds each rule by parsing `str(row)`, which only works
    with its own row class; with storage.models.CasbinRule every row would be
    dropped without a word. Rules are also added in one transaction.
    """

    def load_policy(self, model: Any) -> None:
        with self._session_scope() as session:
            rows = session.scalars(select(self._db_class).order_by(self._db_class.id))
            for row in rows:
                _load_row(row, model)

    def load_filtered_policy(self, model: Any, filter: Any) -> None:
        with self._session_scope() as session:
            for row in self.filter_query(session.query(self._db_class), filter):
                _load_row(row, model)
            self._filtered = True

    def add_policies(self, sec: str, ptype: str, rules: Iterable[Sequence[str]]) -> None:
        with self._session_scope() as session:
            for rule in rules:
                self._save_policy_line(ptype, rule, session=session)


def _load_row(row: Any, model: Any) -> None:
    values = [v for v in (row.v0, row.v1, row.v2, row.v3, row.v4, row.v5) if v is not None]
    assertion = model.model.get(row.ptype[:1], {}).get(row.ptype)
    if assertion is None:
        logger.warning("casbin_rule %s ignored: ptype %r is not in the model", row.id, row.ptype)
        return
    if len(values) != len(assertion.tokens):
        logger.warning(
            "casbin_rule %s ignored: %d fields, expected %d",
            row.id,
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


class Authorizer:
    """Answers "may this principal do ACTION on RESOURCE?" for every resolver."""

    def __init__(self, engine: Engine) -> None:
        # The table belongs to our migrations; the adapter must not create it.
        self._adapter = PolicyAdapter(engine, db_class=CasbinRule, create_table=False)
        self._lock = threading.RLock()
        self._enforcer = casbin.FastEnforcer(
            str(MODEL_PATH), self._adapter, cache_key_order=_CACHE_KEY_ORDER
        )

    def seed_default_policies(self) -> int:
        """Add the default rules missing from the database; return how many were added.

        Idempotent: it reloads first, so rules another process added count as present.
        """
        with self._lock:
            self._enforcer.load_policy()
            missing = [rule for rule in default_rules() if not self._enforcer.has_policy(rule)]
            if missing:
                self._enforcer.add_policies(missing)
            return len(missing)

    def add_tenant_policy(
        self, organization_id: str, role: Role, resource: str, action: str
    ) -> bool:
        """Let `role` do ACTION on RESOURCE within one organisation only; False if present."""
        if organization_id in ("", DEFAULT_DOMAIN):
            raise ValueError(
                "a tenant policy needs an organisation id; defaults live in policies.py"
            )
        rule = [role_subject(role), organization_id, str(resource), str(action)]
        with self._lock:
            return bool(self._enforcer.add_policy(rule))

    def reload(self) -> None:
        """Re-read the rules from the database (after another process changed them)."""
        with self._lock:
            self._enforcer.load_policy()

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
        return any(
            self._granted(role, organization_id, str(resource), str(action))
            for role in principal.roles
        )

    def require(
        self, principal: Principal, action: str, resource: str, owner_id: str | None = None
    ) -> None:
        """Like `allows`, but raise Forbidden with what to ask for."""
        if not self.allows(principal, action, resource, owner_id):
            raise Forbidden(self._refusal(principal, str(action), str(resource), owner_id))

    def _granted(self, role: Role, organization_id: str, resource: str, action: str) -> bool:
        subject = role_subject(role)
        with self._lock:
            return bool(
                self._enforcer.enforce(subject, DEFAULT_DOMAIN, resource, action)
                or self._enforcer.enforce(subject, organization_id, resource, action)
            )

    def _refusal(
        self, principal: Principal, action: str, resource: str, owner_id: str | None
    ) -> str:
        permission = f"{resource}:{action}"
        if owner_id is not None and owner_id != principal.organization_id:
            return (
                f"{permission} is not allowed on another organisation's {resource}; "
                "roles count only in the organisation that holds them"
            )
        granting = [
            role
            for role in _SUGGESTION_ORDER
            if self._granted(role, principal.organization_id, resource, action)
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
