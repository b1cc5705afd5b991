"""The default role permissions, as data: which roles may do which action on what.

These rules hold in every organisation (Casbin domain "*") and apply to a
principal only inside its own organisation; `Authorizer.seed_default_policies`
writes them to the casbin_rule table. Who may see which rows (shared reports,
network members) is not here: that is a relation, compiled into SQL.
"""

from __future__ import annotations

from enum import StrEnum

from domain.enums import Role


class Resource(StrEnum):
    ORGANIZATION = "organization"
    USER = "user"
    NETWORK = "network"
    FACILITY = "facility"
    CONTRACT = "contract"
    AUDIT_REPORT = "audit_report"
    FINDING = "finding"
    DOCUMENT = "document"
    SELF_REPORT = "self_report"
    MINI_COMPETITION = "mini_competition"
    BID = "bid"
    CALL_OFF = "call_off"
    FOCUS_AREA = "focus_area"
    AUDIT_LOG = "audit_log"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    MANAGE = "manage"
    ADD_MEMBER = "add_member"
    ADD_SUPPLIER = "add_supplier"
    JOIN = "join"
    SUBMIT = "submit"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    SUPERSEDE = "supersede"
    READ_PERSONAL = "read_personal"
    UPLOAD = "upload"
    GRANT = "grant"
    AWARD = "award"
    PLAN = "plan"
    ASSIGN = "assign"
    ENGAGE = "engage"
    DECLINE = "decline"
    RESPOND = "respond"  # the audited supplier answers a corrective action
    VERIFY = "verify"  # the commissioning body verifies or reopens it


ADMIN = Role.ADMIN
PROCUREMENT_OFFICER = Role.PROCUREMENT_OFFICER
CONTRACT_MANAGER = Role.CONTRACT_MANAGER
AUDITOR = Role.AUDITOR
SUPPLIER_REPORTER = Role.SUPPLIER_REPORTER
COORDINATOR = Role.COORDINATOR
VIEWER = Role.VIEWER

EVERY_ROLE = frozenset(Role)
REPORT_AUTHORS = frozenset({ADMIN, PROCUREMENT_OFFICER, CONTRACT_MANAGER, AUDITOR})
BUYERS = frozenset({ADMIN, PROCUREMENT_OFFICER})

# ADMIN is listed explicitly rather than inheriting every role: it must not
# read workers' personal data (audit_report:read_personal).
GRANTS: dict[tuple[Resource, Action], frozenset[Role]] = {
    (Resource.ORGANIZATION, Action.READ): EVERY_ROLE,
    (Resource.ORGANIZATION, Action.CREATE): frozenset({ADMIN}),
    (Resource.ORGANIZATION, Action.UPDATE): frozenset({ADMIN}),
    (Resource.USER, Action.MANAGE): frozenset({ADMIN}),
    (Resource.NETWORK, Action.READ): EVERY_ROLE,
    (Resource.NETWORK, Action.CREATE): frozenset({ADMIN, PROCUREMENT_OFFICER, COORDINATOR}),
    (Resource.NETWORK, Action.ADD_MEMBER): frozenset({ADMIN, PROCUREMENT_OFFICER, COORDINATOR}),
    (Resource.NETWORK, Action.ADD_SUPPLIER): BUYERS,
    (Resource.NETWORK, Action.JOIN): BUYERS,
    (Resource.FACILITY, Action.READ): EVERY_ROLE,
    (Resource.CONTRACT, Action.CREATE): frozenset({ADMIN, PROCUREMENT_OFFICER, CONTRACT_MANAGER}),
    (Resource.CONTRACT, Action.READ): frozenset(
        {ADMIN, PROCUREMENT_OFFICER, CONTRACT_MANAGER, VIEWER, SUPPLIER_REPORTER}
    ),
    (Resource.AUDIT_REPORT, Action.CREATE): REPORT_AUTHORS,
    (Resource.AUDIT_REPORT, Action.SUBMIT): REPORT_AUTHORS,
    (Resource.AUDIT_REPORT, Action.PUBLISH): REPORT_AUTHORS,
    (Resource.AUDIT_REPORT, Action.WITHDRAW): REPORT_AUTHORS,
    (Resource.AUDIT_REPORT, Action.SUPERSEDE): REPORT_AUTHORS,
    (Resource.AUDIT_REPORT, Action.READ_PERSONAL): frozenset({AUDITOR, CONTRACT_MANAGER}),
    # A public body engages an auditor firm to write reports for it (services/engagements.py).
    (Resource.AUDIT_REPORT, Action.ENGAGE): frozenset(
        {ADMIN, PROCUREMENT_OFFICER, CONTRACT_MANAGER}
    ),
    (Resource.FINDING, Action.CREATE): REPORT_AUTHORS,
    (Resource.FINDING, Action.RESPOND): frozenset({ADMIN, SUPPLIER_REPORTER}),
    (Resource.FINDING, Action.VERIFY): frozenset({ADMIN, PROCUREMENT_OFFICER, CONTRACT_MANAGER}),
    (Resource.DOCUMENT, Action.UPLOAD): REPORT_AUTHORS,
    (Resource.SELF_REPORT, Action.READ): EVERY_ROLE,
    (Resource.SELF_REPORT, Action.SUBMIT): frozenset({ADMIN, SUPPLIER_REPORTER}),
    (Resource.SELF_REPORT, Action.GRANT): frozenset({ADMIN, SUPPLIER_REPORTER}),
    (Resource.MINI_COMPETITION, Action.CREATE): BUYERS,
    (Resource.MINI_COMPETITION, Action.PUBLISH): BUYERS,
    (Resource.MINI_COMPETITION, Action.AWARD): BUYERS,
    # Framework call-offs (services/mini_competitions.py, call_offs.py, price_lists.py):
    # which rows and fields a role reaches follows from the record policies.
    (Resource.MINI_COMPETITION, Action.READ): EVERY_ROLE,
    (Resource.BID, Action.SUBMIT): frozenset({ADMIN, SUPPLIER_REPORTER}),
    (Resource.CALL_OFF, Action.PLAN): BUYERS,
    (Resource.CALL_OFF, Action.READ): EVERY_ROLE,
    (Resource.CALL_OFF, Action.DECLINE): frozenset({ADMIN, SUPPLIER_REPORTER}),
    (Resource.FOCUS_AREA, Action.CREATE): frozenset({ADMIN, COORDINATOR}),
    (Resource.FOCUS_AREA, Action.ASSIGN): frozenset({ADMIN, COORDINATOR}),
    (Resource.AUDIT_LOG, Action.READ): frozenset({ADMIN}),
}

# The same table as (role, resource, action) rows, in a stable order.
DEFAULT_POLICIES: list[tuple[Role, Resource, Action]] = [
    (role, resource, action)
    for (resource, action), roles in GRANTS.items()
    for role in Role
    if role in roles
]
