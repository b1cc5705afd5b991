"""Finding or creating facilities without duplicates (`domain.facilities`): for a
self-report's production sites and for a CSV import alike.

A `FacilityIndex` holds the stored facilities that could match a batch (the same
OS IDs, or the same countries) and the ones the batch creates, so a batch that
names one site twice creates it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select

from domain.facilities import Known, Site, dedup_key, find_match
from storage import models


@dataclass
class FacilityIndex:
    threshold: float
    by_country: dict[str, list[Known]] = field(default_factory=lambda: defaultdict(list))
    by_os_id: dict[str, Known] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def add(self, known: Known, key: str | None = None) -> None:
        self.by_country[known.country].append(known)
        if known.os_id:
            self.by_os_id[known.os_id] = known
        self.keys.add(key or dedup_key(known.country, known.name, known.address))

    def find(self, site: Site) -> Known | None:
        if site.os_id and site.os_id in self.by_os_id:
            return self.by_os_id[site.os_id]
        return find_match(site, self.by_country.get(site.country, ()), self.threshold)

    def new_row(self, site: Site) -> models.Facility:
        """A facility row for a site that matched none (added to the index once
        it has an id, by `created`)."""
        key = dedup_key(site.country, site.name, site.address)
        if key in self.keys:  # same words, another OS ID: another site
            key = f"{key}|{site.os_id or len(self.keys)}"
        return models.Facility(
            name=site.name,
            country=site.country,
            address=site.address,
            os_id=site.os_id,
            dedup_key=key,
        )

    def created(self, row: models.Facility) -> Known:
        known = known_of(row)
        self.add(known, row.dedup_key)
        return known

    def enrich(self, known: Known, site: Site, row: models.Facility) -> Known:
        """A matched facility without an OS ID takes the site's."""
        if site.os_id and not known.os_id:
            row.os_id = site.os_id
            known = Known(known.id, known.name, known.country, known.address, site.os_id)
            self.by_os_id[site.os_id] = known
        return known


def known_of(row: models.Facility) -> Known:
    return Known(row.id, row.name, row.country, row.address, row.os_id)


def candidates(sites: Iterable[Site]) -> Select[Any]:
    """The stored facilities any of `sites` could match: their OS IDs and countries."""
    sites = list(sites)
    countries = sorted({site.country for site in sites})
    os_ids = sorted({site.os_id for site in sites if site.os_id})
    facility = models.Facility
    stmt: Select[Any] = select(  # type: ignore[assignment]
        facility.id,
        facility.name,
        facility.country,
        facility.address,
        facility.os_id,
        facility.dedup_key,
    ).where(or_(facility.country.in_(countries), facility.os_id.in_(os_ids)))
    return stmt


def index_of(rows: Iterable[Any], threshold: float) -> FacilityIndex:
    index = FacilityIndex(threshold)
    for row in rows:
        index.add(Known(row.id, row.name, row.country, row.address, row.os_id), row.dedup_key)
    return index
