"""The main menu: each entry names its page and who sees it. Add yours here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authz.policies import GRANTS, REPORT_AUTHORS, Action, Resource
from domain.enums import OrganizationKind, Role
from web.labels import N_

if TYPE_CHECKING:
    from web.page import Page


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # English message id, translated in web/locale
    visible: Callable[[Page], bool]


def everyone(_: Page) -> bool:
    return True


def with_role(*roles: Role) -> Callable[[Page], bool]:
    return lambda page: bool(page.roles & set(roles))


def of_kind(*kinds: OrganizationKind) -> Callable[[Page], bool]:
    return lambda page: page.principal is not None and page.principal.organization_kind in kinds


CONTRACT_READERS = GRANTS[(Resource.CONTRACT, Action.READ)]
AUDIT_LOG_READERS = GRANTS[(Resource.AUDIT_LOG, Action.READ)]

NAVIGATION: list[NavItem] = [
    NavItem("/", N_("Start"), everyone),
    NavItem("/reports", N_("Audit reports"), everyone),
    NavItem("/reports/new", N_("New report"), with_role(*REPORT_AUTHORS)),
    NavItem("/networks", N_("Networks"), everyone),
    NavItem("/mini-competitions", N_("Mini-competitions"), everyone),
    NavItem("/contracts", N_("Contracts"), with_role(*CONTRACT_READERS)),
    NavItem("/audit-log", N_("Audit log"), with_role(*AUDIT_LOG_READERS)),
    NavItem(
        "/coordination",
        N_("Focus areas"),
        of_kind(OrganizationKind.COORDINATOR, OrganizationKind.PUBLIC_BODY),
    ),
    NavItem("/supply-chain", N_("Supply chains"), everyone),
    NavItem("/self-reports", N_("Self-reports"), everyone),
]


def items(page: Page) -> list[NavItem]:
    return [item for item in NAVIGATION if item.visible(page)]
