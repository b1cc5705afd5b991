"""An OCDS 1.1 release package for one framework agreement (`kjede export ocds`).

The agreement is the first-stage process (`tender.techniques.hasFrameworkAgreement`,
from the OCDS techniques extension), its ranked suppliers the framework award.
Each mini-competition the public may see is a second-stage process linked to it
with `relatedProcesses[].relationship = ["framework"]`.

A package is public, so it is written from what the disclosure kernel gives an
anonymous viewer: mini-competitions pass MINI_COMPETITION's row filter and
`disclose()` at their PUBLIC clearance (decided ones, their outline only).
Bids and price lists have no public relation and are never read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from authz.disclosure import Disclosed, disclose, row_filter, row_values
from authz.records import MINI_COMPETITION
from authz.sql import model_columns
from authz.viewer import ANONYMOUS
from domain import networks as network_rules
from domain.enums import MiniCompetitionStatus, NetworkKind
from domain.errors import Conflict, NotFound
from domain.mini_competitions import as_utc
from storage import models

OCDS_VERSION = "1.1"
TECHNIQUES_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_techniques_extension/master/extension.json"
)
DEFAULT_OCID_PREFIX = "ocds-kjede"
# org-id.guide schemes of the national registers organisation numbers come from.
REGISTERS = {"NO": "NO-BRC", "SE": "SE-BLV"}
COLUMNS = model_columns(models.MiniCompetition)


def iso(moment: dt.datetime | dt.date) -> str:
    if isinstance(moment, dt.datetime):
        return as_utc(moment).isoformat().replace("+00:00", "Z")
    return dt.datetime.combine(moment, dt.time(0), tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def release_package(
    session: Session,
    network_id: str,
    *,
    now: dt.datetime | None = None,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    publisher: str = "kjede",
) -> dict[str, Any]:
    """The framework agreement and its public mini-competitions as a release package."""
    moment = now or dt.datetime.now(dt.UTC)
    network = session.get(models.Network, network_id)
    if network is None:
        raise NotFound(f"no network with id {network_id}")
    if network.kind is not NetworkKind.FRAMEWORK_AGREEMENT:
        raise Conflict("only framework agreements are exported as OCDS")
    framework_ocid = f"{ocid_prefix}-{network.id}"
    competitions = public_competitions(session, network.id, moment)
    releases = [framework_release(session, network, framework_ocid, moment)]
    releases += [
        competition_release(session, competition, network, framework_ocid, ocid_prefix, moment)
        for competition in competitions
    ]
    return {
        "uri": f"urn:kjede:ocds:{network.id}",
        "version": OCDS_VERSION,
        "extensions": [TECHNIQUES_EXTENSION],
        "publishedDate": iso(moment),
        "publisher": {"name": publisher},
        "releases": releases,
    }


def public_competitions(session: Session, network_id: str, now: dt.datetime) -> list[Disclosed]:
    """What an anonymous viewer may read of the agreement's mini-competitions."""
    facts = replace(ANONYMOUS, now=now)
    rows = session.scalars(
        select(models.MiniCompetition)
        .where(
            models.MiniCompetition.network_id == network_id,
            row_filter(MINI_COMPETITION, facts, COLUMNS),
        )
        .order_by(models.MiniCompetition.id)
    )
    disclosed = []
    for row in rows:
        cleared = MINI_COMPETITION.clearance(row, facts)
        if cleared is not None:
            disclosed.append(disclose(row_values(row), MINI_COMPETITION, cleared))
    return disclosed


def framework_release(
    session: Session, network: models.Network, ocid: str, now: dt.datetime
) -> dict[str, Any]:
    lead = session.get_one(models.Organization, network.lead_id)
    members = session.scalars(
        select(models.Organization)
        .join(
            models.NetworkParticipant,
            models.NetworkParticipant.organization_id == models.Organization.id,
        )
        .where(
            models.NetworkParticipant.network_id == network.id,
            models.NetworkParticipant.signed_at.is_not(None),
            models.Organization.id != network.lead_id,
        )
        .order_by(models.Organization.id)
    ).all()
    ranked = session.execute(
        select(models.NetworkSupplier.rank, models.Organization)
        .join(models.Organization, models.Organization.id == models.NetworkSupplier.supplier_id)
        .where(models.NetworkSupplier.network_id == network.id)
        .order_by(models.NetworkSupplier.rank)
    ).all()
    parties = [party(lead, ["buyer", "procuringEntity"])]
    parties += [party(member, ["buyer"]) for member in members]
    parties += [party(supplier, ["supplier"]) for _, supplier in ranked]
    tender: dict[str, Any] = {
        "id": network.id,
        "title": network.name,
        "status": "complete" if ranked else "active",
        "techniques": {"hasFrameworkAgreement": True},
    }
    if network.period_start and network.period_end:
        latest = network_rules.latest_end(network.period_end, network.options)
        tender["contractPeriod"] = {
            "startDate": iso(network.period_start),
            "endDate": iso(network.period_end),
            **({"maxExtentDate": iso(latest)} if latest and latest != network.period_end else {}),
        }
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{network.id}-{now:%Y%m%dT%H%M%SZ}",
        "date": iso(now),
        "tag": ["award"] if ranked else ["tender"],
        "initiationType": "tender",
        "parties": parties,
        "buyer": reference(lead),
        "tender": tender,
    }
    if ranked:
        release["awards"] = [
            {
                "id": f"{network.id}-framework",
                "title": "Framework agreement: parallel suppliers in priority order",
                "status": "active",
                "suppliers": [reference(supplier) for _, supplier in ranked],
            }
        ]
    return release


def competition_release(
    session: Session,
    competition: Disclosed,
    network: models.Network,
    framework_ocid: str,
    ocid_prefix: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """A second-stage process from what the public may read of it."""
    buyer = session.get_one(models.Organization, competition["buyer_id"])
    status = competition["status"]
    awarded = status is MiniCompetitionStatus.AWARDED
    winner = (
        session.get(models.Organization, competition["winner_id"])
        if awarded and competition["winner_id"]
        else None
    )
    decided_at = competition["awarded_at"] or competition["cancelled_at"] or now
    parties = [party(buyer, ["buyer", "procuringEntity"])]
    if winner is not None:
        parties.append(party(winner, ["supplier"]))
    release: dict[str, Any] = {
        "ocid": f"{ocid_prefix}-{competition['id']}",
        "id": f"{competition['id']}-{status.value.lower()}",
        "date": iso(decided_at),
        "tag": ["award"] if awarded else ["tenderCancellation"],
        "initiationType": "tender",
        "parties": parties,
        "buyer": reference(buyer),
        "tender": {
            "id": competition["id"],
            "title": competition["title"],
            "status": "complete" if awarded else "cancelled",
            "tenderPeriod": {"endDate": iso(competition["deadline"])},
        },
        "relatedProcesses": [
            {
                "id": "1",
                "relationship": ["framework"],
                "title": network.name,
                "scheme": "ocid",
                "identifier": framework_ocid,
            }
        ],
    }
    if winner is not None:
        release["awards"] = [
            {
                "id": f"{competition['id']}-award",
                "status": "active",
                "date": iso(decided_at),
                "suppliers": [reference(winner)],
            }
        ]
    return release


def party(organization: models.Organization, roles: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {
        **reference(organization),
        "roles": list(roles),
        "address": {"countryName": organization.country},
    }
    scheme = REGISTERS.get(organization.country)
    if scheme:
        found["identifier"] = {
            "scheme": scheme,
            "id": organization.org_number,
            "legalName": organization.name,
        }
    return found


def reference(organization: models.Organization) -> dict[str, str]:
    return {"id": organization.id, "name": organization.name}
