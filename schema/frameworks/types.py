"""Mini-competitions, sealed bids, call-offs and price lists, each built from what
the viewer may read of it (`Disclosed`); withheld fields read null or empty and
are named in `redactedFields`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import strawberry

from authz.disclosure import Disclosed, Policy
from authz.records import BID, CALL_OFF, MINI_COMPETITION, PRICE_LIST
from domain.call_offs import ExceptionGround as DomainExceptionGround
from domain.enums import CallOffRoute, MiniCompetitionStatus
from domain.mini_competitions import Criterion, as_utc
from schema.context import Info, selected_names
from schema.fields import field
from schema.networks import Network, load_network
from schema.organizations import Organization, load_organization
from services import mini_competitions
from services.mini_competitions import NewMiniCompetition
from services.price_lists import PriceItem as PriceItemValue

ExceptionGround = DomainExceptionGround
strawberry.enum(
    DomainExceptionGround,
    description="What an exception from a mandatory mini-competition rests on.",
)


def classified(policy: Policy, name: str) -> Any:
    """A field whose description starts with its classification, from the policy."""
    return strawberry.field(description=policy.fields[name].level.value)


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    return as_utc(moment) if moment is not None else None


REDACTED = "Paths withheld from this viewer by the record's policy."


@strawberry.type
class AwardCriterion:
    name: str
    weight: float
    environmental: bool = strawberry.field(
        description="Counts towards the agreement's minimum environmental weight."
    )
    price: bool = strawberry.field(description="Scored by the lowest-price ratio, not points.")

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self:
        criterion = Criterion.from_json(value)
        return cls(
            name=criterion.name,
            weight=criterion.weight,
            environmental=criterion.environmental,
            price=criterion.price,
        )


@strawberry.type
class CriterionScore:
    criterion: str
    points: float


@strawberry.type
class Bid:
    id: strawberry.ID
    submitted_at: dt.datetime
    price: float | None = classified(BID, "price")
    proposal: str | None = classified(BID, "proposal")
    score: float | None = classified(BID, "score")
    points: list[CriterionScore] = classified(BID, "points")
    redacted_fields: list[str] = strawberry.field(description=REDACTED)
    supplier_id: strawberry.Private[str]

    @classmethod
    def from_disclosed(cls, bid: Disclosed) -> Self:
        points = bid["points"] or {}
        return cls(
            id=strawberry.ID(bid["id"]),
            submitted_at=as_utc(bid["submitted_at"]),
            price=bid["price"],
            proposal=bid["proposal"],
            score=bid["score"],
            points=[CriterionScore(criterion=name, points=value) for name, value in points.items()],
            redacted_fields=bid.all_withheld(),
            supplier_id=bid["supplier_id"],
        )

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)


@strawberry.federation.type(keys=["id"])
class MiniCompetition:
    id: strawberry.ID
    title: str
    status: MiniCompetitionStatus = strawberry.field(
        description="CLOSED once the deadline is reached (by the clock)."
    )
    estimated_hours: int | None
    deadline: dt.datetime
    published_at: dt.datetime | None
    awarded_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    template_at: dt.datetime | None = strawberry.field(
        description="Since when it is shared with the agreement's participants as a template."
    )
    requirements: str | None = classified(MINI_COMPETITION, "requirements")
    criteria: list[AwardCriterion] = classified(MINI_COMPETITION, "criteria")
    cancel_reason: str | None = classified(MINI_COMPETITION, "cancel_reason")
    cloned_from_id: strawberry.ID | None = classified(MINI_COMPETITION, "cloned_from_id")
    award_reason: str | None = classified(MINI_COMPETITION, "award_reason")
    redacted_fields: list[str] = strawberry.field(description=REDACTED)
    network_id: strawberry.Private[str]
    buyer_id: strawberry.Private[str]
    winner_id: strawberry.Private[str | None]

    @classmethod
    def from_disclosed(cls, competition: Disclosed) -> Self:
        cloned_from = competition["cloned_from_id"]
        return cls(
            id=strawberry.ID(competition["id"]),
            title=competition["title"],
            status=competition["status"],
            estimated_hours=competition["estimated_hours"],
            deadline=as_utc(competition["deadline"]),
            published_at=utc(competition["published_at"]),
            awarded_at=utc(competition["awarded_at"]),
            cancelled_at=utc(competition["cancelled_at"]),
            template_at=utc(competition["template_at"]),
            requirements=competition["requirements"],
            criteria=[AwardCriterion.from_json(value) for value in competition["criteria"] or ()],
            cancel_reason=competition["cancel_reason"],
            cloned_from_id=strawberry.ID(cloned_from) if cloned_from else None,
            award_reason=competition["award_reason"],
            redacted_fields=competition.all_withheld(),
            network_id=competition["network_id"],
            buyer_id=competition["buyer_id"],
            winner_id=competition["winner_id"],
        )

    @strawberry.field
    async def network(self, info: Info) -> Network:
        return await load_network(info, self.network_id)

    @strawberry.field
    async def buyer(self, info: Info) -> Organization:
        return await load_organization(info, self.buyer_id)

    @strawberry.field
    async def winner(self, info: Info) -> Organization | None:
        return await load_organization(info, self.winner_id) if self.winner_id else None

    @field(
        description="RESTRICTED, each bid on its own: a bidder sees only its own; the "
        "buyer sees them all once the deadline is reached; nobody else sees any."
    )
    async def bids(self, info: Info) -> list[Bid]:
        found = await mini_competitions.bids_of(
            info.context.scope, str(self.id), selected_names(info)
        )
        return [Bid.from_disclosed(bid) for bid in found]


@strawberry.type
class CallOffDecline:
    reason: str
    declined_at: dt.datetime
    supplier_id: strawberry.Private[str]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)


@strawberry.type(description="A planned call-off: its route, the supplier asked and why.")
class CallOffDecision:
    id: strawberry.ID
    route: CallOffRoute
    estimated_hours: int
    created_at: dt.datetime
    reason: str = classified(CALL_OFF, "reason")
    exception_justification: str | None = classified(CALL_OFF, "exception_justification")
    exception_ground: ExceptionGround | None = classified(CALL_OFF, "exception_ground")
    declines: list[CallOffDecline] = classified(CALL_OFF, "declines")
    redacted_fields: list[str] = strawberry.field(description=REDACTED)
    supplier_id: strawberry.Private[str | None]
    network_id: strawberry.Private[str]
    buyer_id: strawberry.Private[str]

    @classmethod
    def from_disclosed(cls, call_off: Disclosed) -> Self:
        ground = call_off["exception_ground"]
        return cls(
            id=strawberry.ID(call_off["id"]),
            route=call_off["route"],
            estimated_hours=call_off["estimated_hours"],
            created_at=as_utc(call_off["created_at"]),
            reason=call_off["reason"] or "",
            exception_justification=call_off["exception_justification"],
            exception_ground=DomainExceptionGround(ground) if ground else None,
            declines=[
                CallOffDecline(
                    reason=str(entry["reason"]),
                    declined_at=as_utc(entry["declined_at"]),
                    supplier_id=str(entry["supplier_id"]),
                )
                for entry in call_off["declines"] or ()
            ],
            redacted_fields=call_off.all_withheld(),
            supplier_id=call_off["supplier_id"],
            network_id=call_off["network_id"],
            buyer_id=call_off["buyer_id"],
        )

    @strawberry.field
    async def supplier(self, info: Info) -> Organization | None:
        return await load_organization(info, self.supplier_id) if self.supplier_id else None

    @strawberry.field
    async def network(self, info: Info) -> Network:
        return await load_network(info, self.network_id)

    @strawberry.field
    async def buyer(self, info: Info) -> Organization:
        return await load_organization(info, self.buyer_id)


@strawberry.type
class PriceItem:
    item: str
    unit: str
    price: float


@strawberry.type(
    description="RESTRICTED: exempt from public access; the agreement's "
    "participants and the supplier read it."
)
class PriceList:
    id: strawberry.ID
    currency: str | None = classified(PRICE_LIST, "currency")
    items: list[PriceItem] = classified(PRICE_LIST, "items")
    updated_at: dt.datetime | None = classified(PRICE_LIST, "updated_at")
    redacted_fields: list[str] = strawberry.field(description=REDACTED)
    supplier_id: strawberry.Private[str]
    network_id: strawberry.Private[str]

    @classmethod
    def from_disclosed(cls, price_list: Disclosed) -> Self:
        return cls(
            id=strawberry.ID(price_list["id"]),
            currency=price_list["currency"],
            items=[
                PriceItem(item=str(e["item"]), unit=str(e["unit"]), price=float(e["price"]))
                for e in price_list["items"] or ()
            ],
            updated_at=utc(price_list["updated_at"]),
            redacted_fields=price_list.all_withheld(),
            supplier_id=price_list["supplier_id"],
            network_id=price_list["network_id"],
        )

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)

    @strawberry.field
    async def network(self, info: Info) -> Network:
        return await load_network(info, self.network_id)


# --- inputs -----------------------------------------------------------------------------


@strawberry.input
class AwardCriterionInput:
    name: str
    weight: float
    environmental: bool | None = False
    price: bool | None = strawberry.field(
        default=False, description="The price criterion: scored by the lowest-price ratio."
    )

    def to_criterion(self) -> Criterion:
        return Criterion(self.name, self.weight, bool(self.environmental), bool(self.price))


@strawberry.input
class CriterionScoreInput:
    criterion: str
    points: float = strawberry.field(description="0 to 10.")


@strawberry.input
class MiniCompetitionInput:
    network_id: strawberry.ID
    title: str
    deadline: dt.datetime
    criteria: list[AwardCriterionInput]
    estimated_hours: int | None = None
    requirements: str | None = None

    def to_new(self) -> NewMiniCompetition:
        return NewMiniCompetition(
            network_id=str(self.network_id),
            title=self.title,
            deadline=self.deadline,
            criteria=[criterion.to_criterion() for criterion in self.criteria],
            estimated_hours=self.estimated_hours,
            requirements=self.requirements,
        )


@strawberry.input
class PriceItemInput:
    item: str
    unit: str
    price: float

    def to_value(self) -> PriceItemValue:
        return PriceItemValue(self.item, self.unit, self.price)
