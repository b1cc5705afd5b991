"""One step of a corrective action's history, built from what the viewer may read."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import strawberry

from authz.disclosure import Disclosed
from authz.records import CORRECTIVE_ACTION_EVENT
from domain.enums import CorrectiveActionStatus, CorrectiveActionStep
from schema.context import Info
from schema.fields import field
from schema.organizations import Organization, load_organization

CorrectiveActionStepType = strawberry.enum(CorrectiveActionStep, name="CorrectiveActionStep")


def classified(name: str) -> Any:
    return strawberry.field(description=CORRECTIVE_ACTION_EVENT.fields[name].level.value)


@strawberry.type
class CorrectiveActionEvent:
    step: CorrectiveActionStepType = classified("step")  # type: ignore[valid-type]
    status: CorrectiveActionStatus = classified("status")
    note: str | None = classified("note")
    created_at: dt.datetime = classified("created_at")
    evidence_document_ids: list[strawberry.ID] | None = strawberry.field(
        description="RESTRICTED: the evidence documents handed in (the commissioning "
        "body and the supplier); null when withheld."
    )
    organization_id: strawberry.Private[str]

    @field(description="SHARED: who took the step (the supplier or the body).")
    async def organization(self, info: Info) -> Organization:
        return await load_organization(info, self.organization_id)

    @classmethod
    def from_disclosed(cls, event: Disclosed) -> Self:
        documents = event["evidence_document_ids"]  # None when withheld
        return cls(
            step=event["step"],
            status=event["status"],
            note=event["note"],
            created_at=event["created_at"],
            evidence_document_ids=(
                None if documents is None else [strawberry.ID(d) for d in documents]
            ),
            organization_id=event["organization_id"],
        )
