"""Call-offs under a framework agreement: the plan (route, supplier, reason),
any exception claimed, and the suppliers' declines. The rules are
`domain.call_offs`; who reads what is `authz.records.CALL_OFF` (the buyer and
the agreement's lead read everything, the exception included)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from authz.disclosure import Disclosed, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.records import CALL_OFF
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain import call_offs as rules
from domain.call_offs import CallOffException, ExceptionGround, Ranked
from domain.enums import CallOffRoute
from domain.errors import Conflict
from domain.text import require_text
from services.mini_competitions import participant_network
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import models

COLUMNS = model_columns(models.CallOff)


@dataclass(frozen=True)
class CallOffRequest:
    network_id: str
    estimated_hours: int
    exception_justification: str | None = None
    exception_ground: ExceptionGround | None = None
    choose_mini_competition: bool = False


async def plan(scope: Scope, request: CallOffRequest, selected: frozenset[str]) -> Disclosed:
    """A participant plans a call-off: the route, the supplier asked and why. The
    call-off is recorded with any exception, which the agreement's lead reads."""
    principal = scope.require(Action.PLAN, Resource.CALL_OFF)
    network = await participant_network(scope, principal, request.network_id)
    rules.check_hours(request.estimated_hours)
    exception = rules.claim_exception(request.exception_justification, request.exception_ground)
    decision = rules.plan_call_off(
        estimated_hours=request.estimated_hours,
        threshold_hours=network.call_off_threshold_hours,
        ranked=await _ranked(scope, network.id),
        exception=exception,
        choose_mini_competition=request.choose_mini_competition,
    )
    row = models.CallOff(
        network_id=network.id,
        buyer_id=principal.organization_id,
        lead_id=network.lead_id,
        estimated_hours=request.estimated_hours,
        route=decision.route,
        supplier_id=decision.supplier_id,
        exception_justification=exception.justification if exception else None,
        exception_ground=exception.ground.value if exception else None,
        reason=decision.reason,
        created_by_user_id=principal.user_id,
    )
    scope.session.add(row)
    await scope.commit()
    return (await disclose_call_offs(scope, await scope.facts(), [row], selected))[0]


async def decline(scope: Scope, network_id: str, reason: str) -> bool:
    """The supplier asked declines the newest call-off addressed to it on this
    agreement, with its reason; the call-off goes to the next in rank (or to a
    mini-competition when every supplier has declined)."""
    principal = scope.require(Action.DECLINE, Resource.CALL_OFF)
    text = require_text("reason", reason, 2000)
    row = await scope.session.scalar(
        select(models.CallOff)
        .where(
            models.CallOff.network_id == network_id,
            models.CallOff.route == CallOffRoute.DIRECT,
            models.CallOff.supplier_id == principal.organization_id,
        )
        .order_by(models.CallOff.created_at.desc(), models.CallOff.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None:
        raise Conflict("no call-off on this agreement is addressed to your organisation")
    network = await scope.loaders.network.load(row.network_id)
    if network is None:  # unreachable: a foreign key
        raise LookupError(f"network {row.network_id} vanished")
    scope.session.add(
        models.CallOffDecline(
            call_off_id=row.id,
            supplier_id=principal.organization_id,
            reason=text,
            declined_by_user_id=principal.user_id,
        )
    )
    await scope.session.flush()
    declined = set(
        (
            await scope.session.scalars(
                select(models.CallOffDecline.supplier_id).where(
                    models.CallOffDecline.call_off_id == row.id
                )
            )
        ).all()
    )
    exception = (
        CallOffException(ExceptionGround(row.exception_ground), row.exception_justification)
        if row.exception_ground and row.exception_justification
        else None
    )
    replanned = rules.plan_call_off(
        estimated_hours=row.estimated_hours,
        threshold_hours=network.call_off_threshold_hours,
        ranked=await _ranked(scope, network.id),
        declined=declined,
        exception=exception,
    )
    row.route, row.supplier_id = replanned.route, replanned.supplier_id
    row.reason = replanned.reason
    await scope.commit()
    return True


async def list_call_offs(
    scope: Scope,
    *,
    network_id: str | None,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    """Call-offs the caller's organisation placed, leads the agreement of, or is
    asked by; oldest first."""
    scope.require(Action.READ, Resource.CALL_OFF)
    facts = await scope.facts()
    stmt = select(models.CallOff).where(row_filter(CALL_OFF, facts, COLUMNS))
    if network_id is not None:
        stmt = stmt.where(models.CallOff.network_id == network_id)

    async def to_items(rows: list[models.CallOff]) -> list[Disclosed]:
        return await disclose_call_offs(scope, facts, rows, selected)

    return await fetch_page(
        scope,
        stmt,
        models.CallOff.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=lambda call_off: str(call_off["id"]),
    )


async def disclose_call_offs(
    scope: Scope, facts: ViewerFacts, rows: Sequence[models.CallOff], selected: frozenset[str]
) -> list[Disclosed]:
    """Each call-off at the viewer's clearance, with its declines (one statement)."""
    declines: dict[str, list[dict[str, object]]] = defaultdict(list)
    if rows:
        found = await scope.session.scalars(
            select(models.CallOffDecline)
            .where(models.CallOffDecline.call_off_id.in_([row.id for row in rows]))
            .order_by(models.CallOffDecline.declined_at, models.CallOffDecline.id)
        )
        for decline_row in found:
            declines[decline_row.call_off_id].append(
                {
                    "supplier_id": decline_row.supplier_id,
                    "reason": decline_row.reason,
                    "declined_at": decline_row.declined_at,
                }
            )
    disclosed: list[Disclosed] = []
    for row in rows:
        cleared = CALL_OFF.clearance(row, facts)
        if cleared is None:
            continue
        values = {**row_values(row), "declines": tuple(declines.get(row.id, ()))}
        disclosed.append(disclose(values, CALL_OFF, cleared))
    scope.reads.record_disclosed(disclosed, selected)
    return disclosed


async def _ranked(scope: Scope, network_id: str) -> list[Ranked]:
    rows = await scope.loaders.network_suppliers.load(network_id)
    return [Ranked(row.rank, row.supplier_id) for row in rows]
