"""The main menu: each entry names its page and who sees it. Add yours here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authz.policies import REPORT_AUTHORS
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


NAVIGATION: list[NavItem] = [
    NavItem("/", N_("Start"), everyone),
    NavItem("/reports", N_("Audit reports"), everyone),
    NavItem("/reports/new", N_("New report"), with_role(*REPORT_AUTHORS)),
]


def items(page: Page) -> list[NavItem]:
    return [item for item in NAVIGATION if item.visible(page)]
