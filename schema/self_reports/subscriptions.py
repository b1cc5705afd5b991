"""New self-report versions as they arrive, over a websocket."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator

import strawberry

from schema.context import Info, selected_names
from schema.fields import subscription
from schema.self_reports.types import SelfReport
from schema.streams import subscriber
from services.self_report_feed import self_report_versions


@strawberry.type
class SelfReportSubscriptions:
    @subscription(
        description="Each version the caller may read as it arrives, oldest first: what "
        "selfReportChanges answers, without polling. Pass `since` (the last submittedAt "
        "you saw) to receive what arrived while you were away; without it, versions "
        "submitted from now on. Over a websocket (graphql-transport-ws) at /graphql, "
        'signed in by connection_init {"Authorization": "Bearer <token>"}; the '
        "caller's roles, contracts and grants are read again for every poll."
    )
    async def self_report_versions(
        self, info: Info, since: dt.datetime | None = None
    ) -> AsyncGenerator[SelfReport, None]:
        stream = subscriber(info)
        versions = self_report_versions(
            stream.units, since, selected_names(info), stream.settings.subscription_poll_seconds
        )
        async for report in stream.events(versions):
            yield SelfReport.from_disclosed(report)
