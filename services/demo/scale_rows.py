"""The rows of the synthetic national-scale world, generated in memory as plain
dicts per model, and the primitives that make them: organisations with valid,
unused numbers, users, facilities and supply edges."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.enums import OrganizationKind, Role
from domain.orgnumbers import NORWAY, SWEDEN
from services.demo.facilities import facility_dedup_key
from services.demo.numbering import org_numbers
from services.demo.scale_tables import COORDINATES
from storage.ids import new_id
from storage.models import (
    AuditReport,
    AuditReportFacility,
    Base,
    Contract,
    CorrectiveAction,
    Facility,
    Finding,
    Membership,
    Network,
    NetworkParticipant,
    NetworkSupplier,
    Organization,
    SupplyEdge,
    User,
    utcnow,
)

T = TypeVar("T")

Row = dict[str, Any]

# Parents before children, the order in which the rows are inserted.
INSERT_ORDER: tuple[type[Base], ...] = (
    Organization,
    User,
    Membership,
    Network,
    NetworkParticipant,
    NetworkSupplier,
    Contract,
    Facility,
    SupplyEdge,
    AuditReport,
    AuditReportFacility,
    Finding,
    CorrectiveAction,
)

SCALE_EPOCH = dt.date(2025, 1, 1)  # dates are fixed so a seed always gives the same world


@dataclass(frozen=True)
class TakenValues:
    """Unique values already in the database, read once so generated rows avoid them."""

    numbers: dict[str, frozenset[str]]
    emails: frozenset[str]
    dedup_keys: frozenset[str]
    os_ids: frozenset[str]

    @classmethod
    def load(cls, session: Session) -> TakenValues:
        numbers: dict[str, set[str]] = {}
        for country, number in session.execute(
            select(Organization.country, Organization.org_number)
        ):
            numbers.setdefault(country, set()).add(number)
        return cls(
            numbers={country: frozenset(values) for country, values in numbers.items()},
            emails=frozenset(session.scalars(select(User.email))),
            dedup_keys=frozenset(session.scalars(select(Facility.dedup_key))),
            os_ids=frozenset(os_id for os_id in session.scalars(select(Facility.os_id)) if os_id),
        )


class ScaleRows:
    """The rows generated so far, per model, and the random source that draws them."""

    def __init__(self, rng: random.Random, seed: int, taken: TakenValues) -> None:
        self.rng = rng
        self.taken = taken
        self.now = utcnow()
        self.rows: dict[type[Base], list[Row]] = {model: [] for model in INSERT_ORDER}
        self._digit = str(seed % 10)
        self._numbers: dict[tuple[str, bool], Iterator[str]] = {}
        self._edges: set[tuple[str, str, str]] = set()
        self._facility_count = 0

    def add(self, model: type[Base], **values: Any) -> str:
        """Append a row (with a fresh id and creation time unless given); its id."""
        values.setdefault("id", new_id())
        if "created_at" in model.__table__.columns:
            values.setdefault("created_at", self.now)
        self.rows[model].append(values)
        return str(values["id"])

    def organization(self, name: str, kind: OrganizationKind, country: str) -> tuple[str, str]:
        """Add an organisation with the next free number; (id, number)."""
        public = kind in (OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR)
        numbers = self._numbers.get((country, public))
        if numbers is None:
            # One number range per seed, country and sector, so worlds of different
            # seeds look alike but never collide.
            d = self._digit
            prefix = {
                (NORWAY, True): f"8{d}0",
                (NORWAY, False): f"8{d}5",
                (SWEDEN, True): f"212{d}",
                (SWEDEN, False): f"559{d}",
            }.get((country, public), f"7{d}")
            numbers = org_numbers(country, prefix, self.taken.numbers.get(country, frozenset()))
            self._numbers[(country, public)] = numbers
        number = next(numbers)
        org_id = self.add(Organization, name=name, kind=kind, country=country, org_number=number)
        return org_id, number

    def user(self, local: str, number: str, org_id: str, *roles: Role) -> None:
        """Add `local`@`number`.bench.kjede.example with `roles` in the organisation,
        unless that address is taken."""
        email = f"{local}@{number}.bench.kjede.example"
        if email in self.taken.emails:
            return
        user_id = self.add(User, email=email, name=None)
        for role in roles:
            self.add(Membership, user_id=user_id, organization_id=org_id, role=role)

    def facility(self, name: str, country: str) -> str:
        """Add a facility somewhere in `country`, most with an Open Supply Hub id."""
        self._facility_count += 1
        lat, lon = COORDINATES.get(country, (0.0, 0.0))
        address = f"Industrial zone {self.rng.randint(1, 40)}, plot {self._facility_count}"
        dedup_key = facility_dedup_key(country, name, address)
        while dedup_key in self.taken.dedup_keys:
            address += " B"
            dedup_key = facility_dedup_key(country, name, address)
        os_id: str | None = None
        if self.rng.random() < 0.6:
            os_id = f"{country}{2019 + self.rng.randint(0, 6)}{self._facility_count:07d}X"
            if os_id in self.taken.os_ids:
                os_id = None
        return self.add(
            Facility,
            name=name,
            country=country,
            address=address,
            latitude=round(lat + self.rng.uniform(-1.5, 1.5), 5),
            longitude=round(lon + self.rng.uniform(-1.5, 1.5), 5),
            os_id=os_id,
            dedup_key=dedup_key,
        )

    def edge(
        self, source: str, source_kind: str, target: str, target_kind: str, category: str, by: str
    ) -> None:
        """Add "source supplies target" for `category`, disclosed by `by`, once."""
        if (source, target, category) in self._edges:
            return
        self._edges.add((source, target, category))
        self.add(
            SupplyEdge,
            source_id=source,
            source_kind=source_kind,
            target_id=target,
            target_kind=target_kind,
            product_category=category,
            disclosed_by_id=by,
            self_report_id=None,
        )

    def weighted(self, weights: Sequence[tuple[T, int]]) -> T:
        """One value drawn by its weight."""
        return self.rng.choices([v for v, _ in weights], [w for _, w in weights])[0]

    def date(self, spread_days: int) -> dt.date:
        """A day within `spread_days` of the epoch."""
        return SCALE_EPOCH + dt.timedelta(days=self.rng.randint(-spread_days, spread_days))
