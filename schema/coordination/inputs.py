"""Inputs of national coordination."""

from __future__ import annotations

import datetime as dt

import strawberry

from services.coordination import NewFocusArea


@strawberry.input
class FocusAreaInput:
    network_id: strawberry.ID
    title: str
    product_category: str = strawberry.field(
        description="One of DFØ's high-risk product categories, e.g. medical-gloves."
    )
    period_start: dt.date
    period_end: dt.date
    description: str | None = None
    planned_audits: int | None = strawberry.field(
        default=None, description="Audits planned under the focus area (0 when left out)."
    )

    def to_new(self) -> NewFocusArea:
        return NewFocusArea(
            network_id=str(self.network_id),
            title=self.title,
            product_category=self.product_category,
            period_start=self.period_start,
            period_end=self.period_end,
            description=self.description,
            planned_audits=self.planned_audits or 0,
        )
