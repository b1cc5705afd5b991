"""Call-offs, mini-competitions, bids and price lists under framework agreements."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.context import Info, selected_names
from schema.fields import mutation
from schema.frameworks.types import (
    Bid,
    CallOffDecision,
    CriterionScoreInput,
    ExceptionGround,
    MiniCompetition,
    MiniCompetitionInput,
    PriceItemInput,
    PriceList,
)
from services import call_offs, mini_competitions, price_lists
from services.call_offs import CallOffRequest


@strawberry.type
class FrameworkMutations:
    @mutation(
        description="A participant plans a call-off: up to the agreement's threshold it "
        "goes directly to the highest-ranked supplier that has not declined (or to a "
        "mini-competition if asked); above it a mini-competition is mandatory unless an "
        "exception (an unforeseen need concerning security, or services critical to life "
        "or health) is justified. Recorded; the lead sees any exception."
    )
    async def plan_call_off(
        self,
        info: Info,
        network_id: strawberry.ID,
        estimated_hours: int,
        exception_justification: str | None = None,
        exception_ground: ExceptionGround | None = None,
        mini_competition: bool | None = False,
    ) -> CallOffDecision:
        request = CallOffRequest(
            network_id=str(network_id),
            estimated_hours=estimated_hours,
            exception_justification=exception_justification,
            exception_ground=exception_ground,
            choose_mini_competition=bool(mini_competition),
        )
        decided = await call_offs.plan(info.context.scope, request, selected_names(info))
        return CallOffDecision.from_disclosed(decided)

    @mutation(
        description="A supplier declines the newest call-off addressed to it on this "
        "agreement, with its reason; the next in rank is asked."
    )
    async def decline_call_off(self, info: Info, network_id: strawberry.ID, reason: str) -> bool:
        return await call_offs.decline(info.context.scope, str(network_id), reason)

    @mutation(description="A participant drafts a mini-competition among the suppliers.")
    async def create_mini_competition(
        self, info: Info, input: MiniCompetitionInput
    ) -> MiniCompetition:
        created = await mini_competitions.create(
            info.context.scope, input.to_new(), selected_names(info)
        )
        return MiniCompetition.from_disclosed(created)

    @mutation(
        description="DRAFT → PUBLISHED: the agreement's suppliers may bid until the deadline."
    )
    async def publish_mini_competition(self, info: Info, id: strawberry.ID) -> MiniCompetition:
        published = await mini_competitions.publish(
            info.context.scope, str(id), selected_names(info)
        )
        return MiniCompetition.from_disclosed(published)

    @mutation(
        description="A supplier on the agreement bids before the deadline (again: replaces "
        "its bid). Sealed: nobody else sees it; the buyer only after the deadline."
    )
    async def submit_bid(
        self, info: Info, mini_competition_id: strawberry.ID, price: float, proposal: str
    ) -> Bid:
        bid = await mini_competitions.submit_bid(
            info.context.scope, str(mini_competition_id), price, proposal, selected_names(info)
        )
        return Bid.from_disclosed(bid)

    @mutation(description="The buyer's points (0-10) per criterion, after the deadline.")
    async def score_bid(
        self, info: Info, bid_id: strawberry.ID, scores: list[CriterionScoreInput]
    ) -> Bid:
        points: dict[str, float] = {}
        for score in scores:
            points[score.criterion] = score.points
        bid = await mini_competitions.score_bid(
            info.context.scope, str(bid_id), points, selected_names(info)
        )
        return Bid.from_disclosed(bid)

    @mutation(
        description="CLOSED → AWARDED to the supplier with the best total; records why. "
        "The competition becomes a template for the agreement's participants."
    )
    async def award_mini_competition(
        self, info: Info, id: strawberry.ID, supplier_id: strawberry.ID
    ) -> MiniCompetition:
        awarded = await mini_competitions.award(
            info.context.scope, str(id), str(supplier_id), selected_names(info)
        )
        return MiniCompetition.from_disclosed(awarded)

    @mutation(description="Cancels the competition with a reason; it becomes a template.")
    async def cancel_mini_competition(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> MiniCompetition:
        cancelled = await mini_competitions.cancel(
            info.context.scope, str(id), reason, selected_names(info)
        )
        return MiniCompetition.from_disclosed(cancelled)

    @mutation(
        description="A new DRAFT from a shared template: requirements and criteria, never "
        "bids or prices. The deadline defaults to as long a period as the template had."
    )
    async def clone_mini_competition(
        self, info: Info, id: strawberry.ID, deadline: dt.datetime | None = None
    ) -> MiniCompetition:
        cloned = await mini_competitions.clone(
            info.context.scope, str(id), deadline, selected_names(info)
        )
        return MiniCompetition.from_disclosed(cloned)

    @mutation(description="The agreement's lead records a ranked supplier's price list.")
    async def set_price_list(
        self,
        info: Info,
        network_id: strawberry.ID,
        supplier_id: strawberry.ID,
        currency: str,
        items: list[PriceItemInput],
    ) -> PriceList:
        saved = await price_lists.set_price_list(
            info.context.scope,
            str(network_id),
            str(supplier_id),
            currency,
            [item.to_value() for item in items],
            selected_names(info),
        )
        return PriceList.from_disclosed(saved)
