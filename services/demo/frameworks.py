"""The demo framework agreement at work: price lists for its ranked consultancies,
call-offs (direct, declined and passed down, an exception above the threshold),
and mini-competitions in every state: one awarded (its bids scored, the reason
recorded, shared as a template), one open for bids, one drafted from the template.

The rules are the domain's (`domain.call_offs`, `domain.mini_competitions`), so
the seeded reasons and scores are the ones the API would have written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from domain import call_offs, mini_competitions
from domain.call_offs import ExceptionGround, Ranked
from domain.enums import MiniCompetitionStatus
from domain.mini_competitions import Criterion, ScoredBid
from services.demo.dates import utc_at
from services.demo.organizations import RANKED_CONSULTANCIES
from storage.models import (
    Bid,
    CallOff,
    CallOffDecline,
    MiniCompetition,
    Network,
    Organization,
    PriceList,
)

THRESHOLD = 250
CRITERIA = (
    Criterion("Price", 0.4, price=True),
    Criterion("Method and competence", 0.3),
    Criterion("Climate and environment", 0.3, environmental=True),
)
AWARDED_TITLE = "Supplier meetings and system audits, textiles 2026"
OPEN_TITLE = "Self-report review, ICT equipment"
REQUIREMENTS = (
    "Plan and run supplier meetings and system audits for four textile suppliers, "
    "report findings against the ILO core conventions and follow up corrective actions. "
    "Estimated 320 consultant hours."
)
# (rank index, hourly price in NOK, method points, climate points)
AWARDED_BIDS = ((0, 1390.0, 8.0, 6.0), (1, 1250.0, 7.0, 8.0), (2, 1480.0, 9.0, 7.0))


def add_frameworks(
    session: Session, organization_ids: dict[str, str], framework_id: str, today: dt.date
) -> None:
    network = session.get_one(Network, framework_id)
    consultancies = [organization_ids[key] for key in RANKED_CONSULTANCIES]
    ranked = [Ranked(rank, supplier) for rank, supplier in enumerate(consultancies, start=1)]
    for rank, supplier in enumerate(consultancies, start=1):
        session.add(
            PriceList(
                network_id=network.id,
                supplier_id=supplier,
                currency="NOK",
                items=[
                    {"item": "Senior auditor", "unit": "hour", "price": 1300.0 + 40 * rank},
                    {"item": "Auditor", "unit": "hour", "price": 1050.0 + 35 * rank},
                    {"item": "Travel day abroad", "unit": "day", "price": 4200.0 + 100 * rank},
                ],
            )
        )
    _call_offs(session, organization_ids, network, ranked, today)
    _mini_competitions(session, organization_ids, network, consultancies, today)
    session.flush()


def _call_offs(
    session: Session,
    organization_ids: dict[str, str],
    network: Network,
    ranked: list[Ranked],
    today: dt.date,
) -> None:
    direct = call_offs.plan_call_off(estimated_hours=120, threshold_hours=THRESHOLD, ranked=ranked)
    session.add(_call_off(network, organization_ids["bergen"], 120, direct, today, 20))
    declined_plan = call_offs.plan_call_off(
        estimated_hours=200,
        threshold_hours=THRESHOLD,
        ranked=ranked,
        declined={ranked[0].supplier_id},
    )
    declined = _call_off(network, organization_ids["stavanger"], 200, declined_plan, today, 10)
    session.add(declined)
    session.flush()
    session.add(
        CallOffDecline(
            call_off_id=declined.id,
            supplier_id=ranked[0].supplier_id,
            reason="No auditors free before the end of the quarter",
            declined_at=utc_at(today - dt.timedelta(days=9), 11),
        )
    )
    exception = call_offs.claim_exception(
        "Unforeseen outage at the hospital laundry's supplier: services critical to health "
        "must be audited before the contract can be extended next week.",
        ExceptionGround.LIFE_OR_HEALTH,
    )
    excepted = call_offs.plan_call_off(
        estimated_hours=300, threshold_hours=THRESHOLD, ranked=ranked, exception=exception
    )
    session.add(_call_off(network, organization_ids["trondheim"], 300, excepted, today, 3))


def _call_off(
    network: Network,
    buyer_id: str,
    hours: int,
    plan: call_offs.CallOffPlan,
    today: dt.date,
    days_ago: int,
) -> CallOff:
    return CallOff(
        network_id=network.id,
        buyer_id=buyer_id,
        lead_id=network.lead_id,
        estimated_hours=hours,
        route=plan.route,
        supplier_id=plan.supplier_id,
        reason=plan.reason,
        exception_justification=plan.exception.justification if plan.exception else None,
        exception_ground=plan.exception.ground.value if plan.exception else None,
        created_at=utc_at(today - dt.timedelta(days=days_ago), 9),
    )


def _mini_competitions(
    session: Session,
    organization_ids: dict[str, str],
    network: Network,
    consultancies: list[str],
    today: dt.date,
) -> None:
    criteria = [criterion.as_json() for criterion in CRITERIA]
    published = utc_at(today - dt.timedelta(days=40), 9)
    deadline = utc_at(today - dt.timedelta(days=26), 12)
    awarded = MiniCompetition(
        network_id=network.id,
        buyer_id=organization_ids["oslo"],
        title=AWARDED_TITLE,
        status=MiniCompetitionStatus.AWARDED,
        estimated_hours=320,
        requirements=REQUIREMENTS,
        criteria=criteria,
        deadline=deadline,
        published_at=published,
    )
    session.add(awarded)
    session.flush()
    lowest = min(price for _, price, _, _ in AWARDED_BIDS)
    scored: list[ScoredBid] = []
    for index, price, method, climate in AWARDED_BIDS:
        points = {"Method and competence": method, "Climate and environment": climate}
        total = mini_competitions.total_score(list(CRITERIA), points, price, lowest)
        submitted = deadline - dt.timedelta(days=2, hours=index)
        session.add(
            Bid(
                mini_competition_id=awarded.id,
                supplier_id=consultancies[index],
                price=price,
                proposal=f"Team of two auditors, method {index + 1}; textile experience.",
                points=points,
                score=total,
                submitted_at=submitted,
            )
        )
        name = session.get_one(Organization, consultancies[index]).name
        scored.append(ScoredBid(consultancies[index], name, total, submitted))
    best = max(scored, key=lambda bid: bid.total or 0.0)
    decided = deadline + dt.timedelta(days=3)
    awarded.winner_id = best.supplier_id
    awarded.award_reason = mini_competitions.choose_winner(scored, best.supplier_id)
    awarded.awarded_at = decided
    awarded.template_at = decided
    open_competition = MiniCompetition(
        network_id=network.id,
        buyer_id=organization_ids["bergen"],
        title=OPEN_TITLE,
        status=MiniCompetitionStatus.PUBLISHED,
        estimated_hours=280,
        requirements="Review self-reports of three ICT suppliers and their sub-suppliers.",
        criteria=criteria,
        deadline=utc_at(today + dt.timedelta(days=14), 12),
        published_at=utc_at(today - dt.timedelta(days=2), 9),
    )
    session.add(open_competition)
    session.flush()
    session.add(
        Bid(
            mini_competition_id=open_competition.id,
            supplier_id=consultancies[1],
            price=1210.0,
            proposal="Desk review with two site visits.",
            points={},
            submitted_at=utc_at(today - dt.timedelta(days=1), 15),
        )
    )
    session.add(
        MiniCompetition(
            network_id=network.id,
            buyer_id=organization_ids["stavanger"],
            title=AWARDED_TITLE,
            status=MiniCompetitionStatus.DRAFT,
            estimated_hours=320,
            requirements=REQUIREMENTS,
            criteria=criteria,
            deadline=utc_at(today + dt.timedelta(days=21), 12),
            cloned_from_id=awarded.id,
        )
    )
