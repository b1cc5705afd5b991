"""National coordination: a network's coordinator opens focus areas on high-risk
product categories and assigns (or reassigns) the member body that follows each
one up; that body commissions the audits under it, and their results are shared
with every member of the network (`domain.coordination`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from authz.policies import Action, Resource
from authz.viewer import member_networks
from domain import coordination as rules
from domain.enums import ShareScope
from domain.errors import InvalidInput, NotFound
from domain.text import optional_text, require_text
from services.focus_areas import FocusAreaView, focus_area_view
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import audit_log, models

FOCUS_AREA_RECORD = "focus_area"


@dataclass(frozen=True)
class NewFocusArea:
    network_id: str
    title: str
    product_category: str
    period_start: dt.date
    period_end: dt.date
    description: str | None = None
    planned_audits: int = 0


async def list_focus_areas(
    scope: Scope, network_id: str | None, *, first: int | None, after: str | None
) -> Page[FocusAreaView]:
    """Focus areas, oldest first (of one network when `network_id` is given). A
    focus area is a theme of its network: every signed-in role reads networks."""
    scope.require(Action.READ, Resource.NETWORK)
    stmt = select(models.FocusArea)
    if network_id is not None:
        stmt = stmt.where(models.FocusArea.network_id == network_id)
    return await fetch_page(
        scope,
        stmt,
        models.FocusArea.id,
        first=first,
        after=after,
        to_items=each(focus_area_view),
        item_id=lambda area: area.id,
    )


async def create_focus_area(scope: Scope, new: NewFocusArea) -> FocusAreaView:
    """The network's coordinator opens a focus area (no responsible body yet)."""
    scope.require(Action.READ, Resource.NETWORK)
    network = await _network(scope, new.network_id)
    principal = scope.require(Action.CREATE, Resource.FOCUS_AREA, network.lead_id)
    title = require_text("title", new.title)
    category = require_text("productCategory", new.product_category, 120)
    rules.check_focus_area(
        network_kind=network.kind,
        product_category=category,
        period_start=new.period_start,
        period_end=new.period_end,
        planned_audits=new.planned_audits,
    )
    row = models.FocusArea(
        network_id=network.id,
        title=title,
        product_category=category,
        description=optional_text("description", new.description, 5_000),
        period_start=new.period_start,
        period_end=new.period_end,
        planned_audits=new.planned_audits,
        created_by_id=principal.organization_id,
    )
    scope.session.add(row)
    await scope.session.flush()
    await _log(scope, "focus_area_created", row, {"networkId": network.id, "title": title})
    await scope.commit()
    return focus_area_view(row)


async def assign_focus_area(scope: Scope, focus_area_id: str, body_id: str) -> FocusAreaView:
    """The coordinator assigns a member body to follow the focus area up, or
    reassigns it; reports already commissioned stay where they are."""
    scope.require(Action.READ, Resource.NETWORK)
    row = await scope.session.scalar(
        select(models.FocusArea).where(models.FocusArea.id == focus_area_id).with_for_update()
    )
    if row is None:
        raise NotFound(f"no focus area with id {focus_area_id}")
    network = await _network(scope, row.network_id)
    scope.require(Action.ASSIGN, Resource.FOCUS_AREA, network.lead_id)
    body = await scope.loaders.organization.load(body_id)
    if body is None:
        raise InvalidInput("responsibleBodyId", f"no organisation with id {body_id}")
    memberships = await scope.session.execute(member_networks(body.id))
    rules.check_responsible_body(
        body.kind, network.id in {str(network_id) for network_id in memberships.scalars()}
    )
    previous = row.responsible_body_id
    row.responsible_body_id = body.id
    await _log(scope, "focus_area_assigned", row, {"from": previous, "to": body.id})
    await scope.commit()
    return focus_area_view(row)


async def check_commission(scope: Scope, focus_area_id: str, commissioner_id: str) -> None:
    """A report may name a focus area only when its commissioning body is the
    focus area's responsible body."""
    row = await scope.loaders.focus_area.load(focus_area_id)
    if row is None:
        raise InvalidInput("focusAreaId", f"no focus area with id {focus_area_id}")
    rules.check_can_commission(commissioner_id, row.responsible_body_id)


async def share_network(
    scope: Scope, focus_area_id: str, share_scope: ShareScope, network_id: str | None
) -> str | None:
    """The networkId a focus-area report is published with (`rules.focus_share`)."""
    row = await scope.loaders.focus_area.load(focus_area_id)
    if row is None:  # pragma: no cover - a foreign key
        raise LookupError(f"focus area {focus_area_id} vanished")
    return rules.focus_share(share_scope, network_id, row.network_id)


async def _network(scope: Scope, network_id: str) -> models.Network:
    network = await scope.loaders.network.load(network_id)
    if network is None:
        raise NotFound(f"no network with id {network_id}")
    return network


async def _log(scope: Scope, action: str, row: models.FocusArea, detail: dict[str, object]) -> None:
    principal = scope.viewer()
    await audit_log.append(
        scope.session,
        [
            audit_log.AuditEvent(
                action=action,
                subject_type=FOCUS_AREA_RECORD,
                subject_id=row.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail=detail,
            )
        ],
    )
