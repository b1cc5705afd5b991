"""Facilities (production sites): input rules and deduplication, without I/O.

Two descriptions are the same site when
1. they carry the same Open Supply Hub OS ID; or
2. neither carries an OS ID that tells them apart, they are in the same country,
   their names are close (rapidfuzz token-sort ratio at least the threshold, legal
   forms such as "Sdn Bhd" or "Co., Ltd." left out,
   `Settings.facility_match_threshold`) with the same numbers in them ("Plant 2"
   is not "Plant 3"), and their addresses are close (token-set ratio at least
   the threshold; when either address is missing the name alone decides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from domain.errors import InvalidInput
from domain.orgnumbers import normalize_country
from domain.text import optional_text, require_text

# An OS ID: the country code, the year and day of registration, six check characters
# (e.g. CN2019303BQ3FZP).
OS_ID = re.compile(r"[A-Z]{2}\d{7}[A-Z0-9]{6}")
ADDRESS_LIMIT = 500
DEDUP_KEY_LIMIT = 700


@dataclass(frozen=True)
class Site:
    """A facility as described by a discloser or a CSV row, validated."""

    name: str
    country: str  # ISO 3166-1 alpha-2
    address: str | None = None
    os_id: str | None = None


@dataclass(frozen=True)
class Known:
    """A stored facility, as matching needs it."""

    id: str
    name: str
    country: str
    address: str | None
    os_id: str | None


def validate_os_id(field: str, value: str | None) -> str | None:
    """An OS ID upper-cased, None when blank, or InvalidInput naming its shape."""
    if value is None or not value.strip():
        return None
    os_id = value.strip().upper()
    if not OS_ID.fullmatch(os_id):
        raise InvalidInput(
            field,
            f"{field} {value.strip()!r} is not an Open Supply Hub OS ID: two letters, "
            "seven digits and six letters or digits, e.g. CN2019303BQ3FZP",
        )
    return os_id


def validate_site(
    prefix: str, name: str, country: str, address: str | None, os_id: str | None
) -> Site:
    """A site from input; errors name the field, e.g. productionSites.0.osId."""
    try:
        code = normalize_country(country)
    except InvalidInput as exc:
        raise InvalidInput(f"{prefix}.country", f"{prefix}.country: {exc.message}") from exc
    return Site(
        name=require_text(f"{prefix}.name", name),
        country=code,
        address=optional_text(f"{prefix}.address", address, ADDRESS_LIMIT),
        os_id=validate_os_id(f"{prefix}.osId", os_id),
    )


def dedup_key(country: str, name: str, address: str | None) -> str:
    """The stored uniqueness key: one row per country, name and address."""
    return f"{country}|{name.lower()}|{(address or '').lower()}"[:DEDUP_KEY_LIMIT]


# Legal forms say nothing about which site it is: "Songkhla Latex Works Co., Ltd."
# is "Songkhla Latex Works".
LEGAL_FORMS = frozenset(
    {"co", "ltd", "limited", "inc", "llc", "corp", "corporation", "company", "sdn", "bhd"}
    | {"gmbh", "ag", "as", "asa", "ab", "oy", "plc", "pvt", "pte", "srl", "sa", "spa", "bv"}
    | {"nv", "jsc", "pt", "tbk", "cv", "sarl", "kg"}
)


def comparable_name(name: str) -> str:
    """Lower case, punctuation as spaces, legal forms dropped."""
    words = default_process(name).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+", text))


def same_site(site: Site, known: Known, threshold: float) -> bool:
    """Is `site` the stored facility `known`? (the rule in the module docstring)"""
    if site.os_id and known.os_id:
        return site.os_id == known.os_id
    if site.country != known.country:
        return False
    name, other = comparable_name(site.name), comparable_name(known.name)
    if _numbers(name) != _numbers(other) or fuzz.token_sort_ratio(name, other) < threshold:
        return False
    if not site.address or not known.address:
        return True
    score = fuzz.token_set_ratio(default_process(site.address), default_process(known.address))
    return score >= threshold


def find_match(site: Site, candidates: Iterable[Known], threshold: float) -> Known | None:
    """The stored facility `site` is, if any: the same OS ID first, else the
    closest name among the sites that match."""
    best: tuple[float, Known] | None = None
    for known in candidates:
        if site.os_id and known.os_id == site.os_id:
            return known
        if same_site(site, known, threshold):
            score = fuzz.token_sort_ratio(comparable_name(site.name), comparable_name(known.name))
            if best is None or score > best[0]:
                best = (score, known)
    return best[1] if best else None
