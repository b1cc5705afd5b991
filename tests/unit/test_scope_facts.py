"""`Scope.facts` builds the viewer's facts from the rows authentication read with
them (`knows_facts`) only while they still hold: not after a write began
(`forget_known_facts`, called by `services.writes.mutation`), not on another day."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from authz.principal import Principal
from authz.viewer import ViewerFacts
from domain.enums import OrganizationKind, Role
from services import scope as scope_module
from services.scope import Scope

NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)
KARI = Principal(
    "u1", "kari@oslo.no", "oslo", OrganizationKind.PUBLIC_BODY, frozenset({Role.VIEWER})
)
PAIRS = [("network", "n1"), ("contracted", "s1"), ("granted", "s2")]


class NoPersonal:
    def allows(self, *_: Any) -> bool:
        return False


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """Each time the scope reads the facts with a statement of their own."""
    called: list[dt.datetime] = []

    async def load(_session: Any, principal: Principal, _authorizer: Any, **kw: Any) -> ViewerFacts:
        called.append(kw["now"])
        return ViewerFacts(
            principal.organization_id, principal.organization_kind, False, frozenset()
        )

    monkeypatch.setattr(scope_module, "load_viewer_facts", load)
    return called


def scope() -> Scope:
    return Scope(
        session=None,  # type: ignore[arg-type]
        principal=KARI,
        authorizer=NoPersonal(),  # type: ignore[arg-type]
        objects=None,  # type: ignore[arg-type]
        settings=None,  # type: ignore[arg-type]
        url_secret=b"",
        clock=lambda: NOW,
    )


def test_known_facts_need_no_statement(loads: list[dt.datetime]) -> None:
    known = scope()
    known.knows_facts(PAIRS, NOW.date())
    facts = asyncio.run(known.facts())
    assert loads == []
    assert facts.network_ids == {"n1"} and facts.granted_suppliers == {"s2"}
    assert facts.contracted_suppliers == {"s1"} and facts.now == NOW


def test_a_write_or_another_day_reads_them_anew(loads: list[dt.datetime]) -> None:
    written = scope()
    written.knows_facts(PAIRS, NOW.date())
    written.forget_known_facts()
    assert asyncio.run(written.facts()).network_ids == frozenset()
    yesterday = scope()
    yesterday.knows_facts(PAIRS, NOW.date() - dt.timedelta(days=1))
    assert asyncio.run(yesterday.facts()).network_ids == frozenset()
    assert loads == [NOW, NOW]
