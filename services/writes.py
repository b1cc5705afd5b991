"""Writes are atomic: a mutation runs in one write transaction, and a clash with a
concurrent write (a unique constraint) is a CONFLICT that says what clashed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError

from domain.errors import Conflict
from services.scope import Scope
from storage.db import write_transaction

CLASHES: dict[str, str] = {
    "network_rank": "another supplier already holds that rank on this network",
    "network_suppliers.rank": "another supplier already holds that rank on this network",
    "uq_network_suppliers_network_id": "that supplier is already ranked on this network",
    "network_suppliers.supplier_id": "that supplier is already ranked on this network",
    "uq_network_participants_network_id": "that organisation is already on this network",
    "network_participants.organization_id": "that organisation is already on this network",
    "ux_findings_report_position": "another finding took that position in the report; try again",
    "findings.position": "another finding took that position in the report; try again",
    "idempotency_keys": "a request with this Idempotency-Key is already being processed",
}


@asynccontextmanager
async def mutation(scope: Scope) -> AsyncIterator[None]:
    """One mutation: its reads and writes hold the write lock from the start
    (SQLite BEGIN IMMEDIATE), nothing it read before is trusted, and a failure
    rolls back everything it has not committed."""
    async with write_transaction(scope.session):
        scope.loaders.forget()
        scope.forget_known_facts()
        try:
            if scope.write_prelude is not None:
                await scope.write_prelude()
            yield
        except BaseException as exc:
            await scope.rollback()
            if isinstance(exc, IntegrityError):
                raise conflict_for(exc) from exc
            raise


def conflict_for(exc: IntegrityError) -> Conflict:
    """A unique-constraint clash as the client should read it: what clashed."""
    text = str(exc.orig)
    diag = getattr(exc.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    for name, message in CLASHES.items():
        if (constraint and constraint.startswith(name)) or name in text:
            return Conflict(message)
    detail = constraint or text.splitlines()[0][:200]
    return Conflict(f"the change clashes with a concurrent change ({detail})")
