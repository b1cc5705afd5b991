"""Focus areas (e.g. surgical gloves): a coordinator's follow-up theme in a network.

A focus area is reached from a report the viewer may see; its reports are those
the viewer may see (`services.audit_reports`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.scope import Scope
from storage import models


@dataclass(frozen=True)
class FocusAreaView:
    id: str
    title: str
    product_category: str
    description: str | None
    period_start: dt.date
    period_end: dt.date
    network_id: str
    responsible_body_id: str | None


def focus_area_view(row: models.FocusArea) -> FocusAreaView:
    return FocusAreaView(
        id=row.id,
        title=row.title,
        product_category=row.product_category,
        description=row.description,
        period_start=row.period_start,
        period_end=row.period_end,
        network_id=row.network_id,
        responsible_body_id=row.responsible_body_id,
    )


async def find_focus_area(scope: Scope, focus_area_id: str) -> FocusAreaView | None:
    """The focus area a visible record refers to, through the request's DataLoader."""
    row = await scope.loaders.focus_area.load(focus_area_id)
    return focus_area_view(row) if row else None
