"""Mini-competitions under a framework agreement and their sealed bids.

The rules are `domain.mini_competitions`; who reads what is `authz.records`
(MINI_COMPETITION and BID). A competition is CLOSED once the request's clock
(`ViewerFacts.now`) reaches its deadline: the same instant BID's row rule lets
the buyer see the bids, so nothing has to run to seal or open them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from authz.disclosure import Disclosed, Relation, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.principal import Principal
from authz.records import BID, MINI_COMPETITION
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain import mini_competitions as rules
from domain.enums import MiniCompetitionStatus, NetworkKind, OrganizationKind
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.mini_competitions import Criterion
from domain.text import optional_text, require_text
from services.framework_loaders import bid_statement, bid_values
from services.organizations import load_organizations
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import models

Status = MiniCompetitionStatus
COLUMNS = model_columns(models.MiniCompetition)
PROPOSAL_LIMIT = 20_000
DEFAULT_CLONE_PERIOD = dt.timedelta(days=14)


@dataclass(frozen=True)
class NewMiniCompetition:
    """What `create` is given; the caller's organisation is the buyer."""

    network_id: str
    title: str
    deadline: dt.datetime
    criteria: Sequence[Criterion]
    estimated_hours: int | None = None
    requirements: str | None = None


# --- reads ------------------------------------------------------------------------------


async def list_mini_competitions(
    scope: Scope,
    *,
    network_id: str | None,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    """Competitions the caller may see (as buyer, bidder, participant reading a
    template, or anyone once decided), oldest first."""
    scope.require(Action.READ, Resource.MINI_COMPETITION)
    facts = await scope.facts()
    stmt = select(models.MiniCompetition).where(row_filter(MINI_COMPETITION, facts, COLUMNS))
    if network_id is not None:
        stmt = stmt.where(models.MiniCompetition.network_id == network_id)

    async def to_items(rows: list[models.MiniCompetition]) -> list[Disclosed]:
        return disclose_competitions(scope, facts, rows, selected)

    return await fetch_page(
        scope,
        stmt,
        models.MiniCompetition.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=lambda competition: str(competition["id"]),
    )


async def get_mini_competition(
    scope: Scope, competition_id: str, selected: frozenset[str]
) -> Disclosed | None:
    """One competition, when the caller may see it (the same row filter and
    disclosure as the list); None otherwise."""
    scope.require(Action.READ, Resource.MINI_COMPETITION)
    facts = await scope.facts()
    stmt = select(models.MiniCompetition).where(
        models.MiniCompetition.id == competition_id,
        row_filter(MINI_COMPETITION, facts, COLUMNS),
    )
    row = (await scope.session.execute(stmt)).scalar_one_or_none()
    found = disclose_competitions(scope, facts, [row] if row is not None else [], selected)
    return found[0] if found else None


async def bids_of(scope: Scope, competition_id: str, selected: frozenset[str]) -> list[Disclosed]:
    """The bids of one competition the caller may see: its own as a bidder, all of
    them as the buyer once the deadline is reached, none otherwise."""
    facts = await scope.facts()
    rows = await scope.loaders.frameworks.bids(facts).load(competition_id)
    return disclose_bids(scope, facts, rows, selected)


def disclose_competitions(
    scope: Scope,
    facts: ViewerFacts,
    rows: Sequence[models.MiniCompetition],
    selected: frozenset[str],
) -> list[Disclosed]:
    scope.not_reusable("a competition closes at its deadline, to the second")
    disclosed: list[Disclosed] = []
    for row in rows:
        cleared = MINI_COMPETITION.clearance(row, facts)
        if cleared is None:  # the SQL filter already excludes these
            continue
        values = row_values(row)
        values["status"] = rules.effective_status(row.status, row.deadline, facts.now)
        values["bids"] = ()  # disclosed by BID on their own (`bids_of`)
        disclosed.append(disclose(values, MINI_COMPETITION, cleared))
    scope.reads.record_disclosed(disclosed, selected)
    return disclosed


def disclose_bids(
    scope: Scope, facts: ViewerFacts, rows: Sequence[Mapping[str, Any]], selected: frozenset[str]
) -> list[Disclosed]:
    scope.not_reusable("bids open to the buyer at the deadline, to the second")
    disclosed: list[Disclosed] = []
    for values in rows:
        cleared = BID.clearance(values, facts)
        if cleared is None:
            continue
        disclosed.append(disclose(values, BID, cleared))
    scope.reads.record_disclosed(disclosed, selected)
    return disclosed


# --- the buyer's changes ----------------------------------------------------------------


async def create(scope: Scope, new: NewMiniCompetition, selected: frozenset[str]) -> Disclosed:
    """A participant of a framework agreement drafts a competition among its suppliers."""
    principal = scope.require(Action.CREATE, Resource.MINI_COMPETITION)
    network = await participant_network(scope, principal, new.network_id)
    criteria = rules.check_criteria(new.criteria, network.min_environmental_weight)
    rules.check_deadline(new.deadline, await scope.now())
    if new.estimated_hours is not None and new.estimated_hours <= 0:
        raise InvalidInput("estimatedHours", "must be a positive number of consultant hours")
    row = models.MiniCompetition(
        network_id=network.id,
        buyer_id=principal.organization_id,
        title=require_text("title", new.title),
        status=Status.DRAFT,
        estimated_hours=new.estimated_hours,
        requirements=optional_text("requirements", new.requirements),
        criteria=[criterion.as_json() for criterion in criteria],
        deadline=rules.as_utc(new.deadline),
    )
    scope.session.add(row)
    await scope.commit()
    return await _read_back(scope, row, selected)


async def publish(scope: Scope, competition_id: str, selected: frozenset[str]) -> Disclosed:
    """DRAFT → PUBLISHED: the agreement's suppliers see it and may bid until the deadline."""
    scope.require(Action.PUBLISH, Resource.MINI_COMPETITION)
    row = await _buyer_row(scope, competition_id)
    now = await scope.now()
    rules.check_can_publish(rules.effective_status(row.status, row.deadline, now))
    if rules.as_utc(row.deadline) <= now:
        raise Conflict("the deadline has passed; clone the competition with a new deadline")
    row.status = Status.PUBLISHED
    row.published_at = now
    await scope.commit()
    return await _read_back(scope, row, selected)


async def score_bid(
    scope: Scope, bid_id: str, points: Mapping[str, float], selected: frozenset[str]
) -> Disclosed:
    """The buyer's points for a bid's non-price criteria, after the deadline; the
    total follows (price by the lowest-price ratio) once every criterion has points."""
    scope.require(Action.AWARD, Resource.MINI_COMPETITION)
    facts = await scope.facts()
    found = (
        await scope.session.execute(bid_statement(facts).where(models.Bid.id == bid_id))
    ).first()
    if found is None:
        raise NotFound(f"no bid with id {bid_id} that you may see")
    bid, buyer_id, deadline = found
    if BID.relation(bid_values(bid, buyer_id, deadline), facts) is not Relation.PARTY:
        raise Forbidden("only the buyer scores bids")
    competition = await _buyer_row(scope, bid.mini_competition_id)
    rules.check_closed(
        rules.effective_status(competition.status, competition.deadline, facts.now),
        "bids are scored",
    )
    criteria = [Criterion.from_json(value) for value in competition.criteria]
    if not points:
        raise InvalidInput("scores", "give points for at least one criterion")
    scored = {**bid.points, **rules.check_points(criteria, points)}
    lowest = await scope.session.scalar(
        select(func.min(models.Bid.price)).where(models.Bid.mini_competition_id == competition.id)
    )
    bid.points = scored
    bid.score = rules.total_score(criteria, scored, bid.price, float(lowest or bid.price))
    await scope.commit()
    rows = await scope.session.execute(bid_statement(facts).where(models.Bid.id == bid.id))
    bid_row, buyer_id, deadline = rows.one()
    return disclose_bids(scope, facts, [bid_values(bid_row, buyer_id, deadline)], selected)[0]


async def award(
    scope: Scope, competition_id: str, supplier_id: str, selected: frozenset[str]
) -> Disclosed:
    """CLOSED → AWARDED to the best total, recording why; the competition becomes
    a template for the agreement's participants."""
    scope.require(Action.AWARD, Resource.MINI_COMPETITION)
    row = await _buyer_row(scope, competition_id, for_update=True)
    now = await scope.now()
    rules.check_closed(rules.effective_status(row.status, row.deadline, now), "it is awarded")
    bids = list(
        (
            await scope.session.scalars(
                select(models.Bid).where(models.Bid.mini_competition_id == row.id)
            )
        ).all()
    )
    organizations = await load_organizations(scope, [bid.supplier_id for bid in bids])
    names = {org.id: org.name for org in organizations if org is not None}
    reason = rules.choose_winner(
        [
            rules.ScoredBid(
                bid.supplier_id, names.get(bid.supplier_id, "?"), bid.score, bid.submitted_at
            )
            for bid in bids
        ],
        supplier_id,
    )
    row.status = Status.AWARDED
    row.winner_id = supplier_id
    row.award_reason = reason
    row.awarded_at = now
    row.template_at = now
    await scope.commit()
    return await _read_back(scope, row, selected)


async def cancel(
    scope: Scope, competition_id: str, reason: str, selected: frozenset[str]
) -> Disclosed:
    """Any state but AWARDED → CANCELLED, with the reason; it becomes a template."""
    scope.require(Action.PUBLISH, Resource.MINI_COMPETITION)
    text = require_text("reason", reason, 2000)
    row = await _buyer_row(scope, competition_id, for_update=True)
    now = await scope.now()
    rules.check_can_cancel(rules.effective_status(row.status, row.deadline, now))
    row.status = Status.CANCELLED
    row.cancel_reason = text
    row.cancelled_at = now
    row.template_at = now
    await scope.commit()
    return await _read_back(scope, row, selected)


async def clone(
    scope: Scope,
    competition_id: str,
    deadline: dt.datetime | None,
    selected: frozenset[str],
) -> Disclosed:
    """A new DRAFT from a shared template (title, requirements, criteria, hours),
    with the caller as buyer; no bid, price or winner comes along."""
    principal = scope.require(Action.CREATE, Resource.MINI_COMPETITION)
    facts = await scope.facts()
    template = await scope.session.scalar(
        select(models.MiniCompetition).where(
            models.MiniCompetition.id == competition_id,
            row_filter(MINI_COMPETITION, facts, COLUMNS),
        )
    )
    cleared = MINI_COMPETITION.clearance(template, facts) if template else None
    if template is None or cleared is None or cleared.relation is Relation.PUBLIC:
        raise NotFound(f"no mini-competition template with id {competition_id} that you may see")
    if template.template_at is None:
        raise Conflict("only an awarded or cancelled competition is a template")
    network = await participant_network(scope, principal, template.network_id)
    criteria = rules.check_criteria(
        [Criterion.from_json(value) for value in template.criteria],
        network.min_environmental_weight,
    )
    now = facts.now
    if deadline is None:  # as long a bidding period as the template had
        period = rules.as_utc(template.deadline) - rules.as_utc(
            template.published_at or template.created_at
        )
        deadline = now + (period if period >= dt.timedelta(days=1) else DEFAULT_CLONE_PERIOD)
    rules.check_deadline(deadline, now)
    row = models.MiniCompetition(
        network_id=template.network_id,
        buyer_id=principal.organization_id,
        title=template.title,
        status=Status.DRAFT,
        estimated_hours=template.estimated_hours,
        requirements=template.requirements,
        criteria=[criterion.as_json() for criterion in criteria],
        deadline=rules.as_utc(deadline),
        cloned_from_id=template.id,
    )
    scope.session.add(row)
    await scope.commit()
    return await _read_back(scope, row, selected)


# --- the suppliers' bids ----------------------------------------------------------------


async def submit_bid(
    scope: Scope, competition_id: str, price: float, proposal: str, selected: frozenset[str]
) -> Disclosed:
    """A supplier on the agreement bids before the deadline; bidding again before
    the deadline replaces its bid. Late bids and other organisations are refused."""
    principal = scope.require(Action.SUBMIT, Resource.BID)
    facts = await scope.facts()
    row = await scope.session.scalar(
        select(models.MiniCompetition).where(
            models.MiniCompetition.id == competition_id,
            row_filter(MINI_COMPETITION, facts, COLUMNS),
        )
    )
    if row is None:
        raise NotFound(
            f"no mini-competition with id {competition_id} open to your bids: only the "
            "framework agreement's suppliers bid"
        )
    if principal.organization_kind is not OrganizationKind.SUPPLIER or (
        row.network_id not in facts.supplier_network_ids
    ):
        raise Forbidden("only the framework agreement's suppliers bid")
    rules.check_can_bid(rules.effective_status(row.status, row.deadline, facts.now))
    rules.check_bid(price)
    text = require_text("proposal", proposal, PROPOSAL_LIMIT)
    bid = await scope.session.scalar(
        select(models.Bid).where(
            models.Bid.mini_competition_id == row.id,
            models.Bid.supplier_id == principal.organization_id,
        )
    )
    if bid is None:
        bid = models.Bid(
            mini_competition_id=row.id,
            supplier_id=principal.organization_id,
            price=price,
            proposal=text,
            points={},
            submitted_at=facts.now,
        )
        scope.session.add(bid)
    else:
        bid.price, bid.proposal, bid.submitted_at = price, text, facts.now
    await scope.commit()
    values = bid_values(bid, row.buyer_id, row.deadline)
    return disclose_bids(scope, facts, [values], selected)[0]


# --- helpers ----------------------------------------------------------------------------


async def participant_network(
    scope: Scope, principal: Principal, network_id: str
) -> models.Network:
    """A framework agreement the caller's organisation is a participant of."""
    network = await scope.loaders.network.load(network_id)
    if network is None:
        raise NotFound(f"no network with id {network_id}")
    if network.kind is not NetworkKind.FRAMEWORK_AGREEMENT:
        raise Conflict("mini-competitions run under framework agreements only")
    if network.id not in (await scope.facts()).network_ids:
        raise Forbidden("only the agreement's participants call off; accede first with joinNetwork")
    return network


async def _buyer_row(
    scope: Scope, competition_id: str, *, for_update: bool = False
) -> models.MiniCompetition:
    """The caller's own competition (as buyer), else NOT_FOUND or FORBIDDEN."""
    facts = await scope.facts()
    stmt = select(models.MiniCompetition).where(
        models.MiniCompetition.id == competition_id,
        row_filter(MINI_COMPETITION, facts, COLUMNS),
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = await scope.session.scalar(stmt)
    if row is None:
        raise NotFound(f"no mini-competition with id {competition_id} that you may see")
    if MINI_COMPETITION.relation(row, facts) is not Relation.PARTY:
        raise Forbidden("only the buyer that runs the competition may change it")
    return row


async def _read_back(
    scope: Scope, row: models.MiniCompetition, selected: frozenset[str]
) -> Disclosed:
    facts = await scope.facts()
    disclosed = disclose_competitions(scope, facts, [row], selected)
    if not disclosed:  # the buyer is a party: unreachable unless the policy changes
        raise LookupError(f"mini-competition {row.id} is not visible to its buyer")
    return disclosed[0]
