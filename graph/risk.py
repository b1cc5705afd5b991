"""Risk score of a supply-chain node: country risk * product-category risk.

The reference tables (graph/data/reference, see its SOURCES.md) are parsed
here from their CSV text; reading the files is the caller's job, so this
module does no I/O. docs/supply-chain.md explains the formula:

    risk = country_factor(country) * category_factor(category, country)

- country_factor: from the ITUC Global Rights Index 2025 rating:
  1 → 0.2, 2 → 0.4, 3 → 0.6, 4 → 0.8, 5 → 0.9, 5+ → 1.0. An unrated or
  missing country is *unknown*, not low: it counts as UNRATED_COUNTRY_FACTOR
  (as rating 4, "systematic violations") and the score is marked not known.
- category_factor: 1.0 when the US DOL list names the good for that
  country (child or forced labour); 0.7 when the category is on DFØ's or the
  Swedish regions' high-risk list; 0.3 for a named category on neither list.
  A missing category is unknown: 0.7, and marked not known.

A node that supplies several categories takes the highest score among them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

ITUC_FACTORS: Mapping[str, float] = MappingProxyType(
    {"1": 0.2, "2": 0.4, "3": 0.6, "4": 0.8, "5": 0.9, "5+": 1.0}
)
UNRATED_COUNTRY_FACTOR = ITUC_FACTORS["4"]
"""An unrated country is presumed to have systematic violations until rated."""

DOL_LISTED_FACTOR = 1.0
HIGH_RISK_CATEGORY_FACTOR = 0.7
OTHER_CATEGORY_FACTOR = 0.3
UNKNOWN_CATEGORY_FACTOR = HIGH_RISK_CATEGORY_FACTOR
"""A missing category is presumed high-risk until named."""

REFERENCE_FILES = (
    "country_risk.csv",
    "high_risk_categories.csv",
    "dol_goods.csv",
    "dol_goods_categories.csv",
    "category_aliases.csv",
)
"""The files a reference folder holds; each is required."""


@dataclass(frozen=True)
class RiskScore:
    score: float
    known: bool  # False when the country is unrated or the category unknown


@dataclass(frozen=True)
class RiskTables:
    """The reference data, parsed. Empty tables rate nothing (every score unknown)."""

    country_ratings: Mapping[str, str] = field(default_factory=dict)  # ISO alpha-2 -> ITUC
    high_risk_categories: frozenset[str] = frozenset()  # category codes
    dol_listed: frozenset[tuple[str, str]] = frozenset()  # (category code, country)
    aliases: Mapping[str, str] = field(default_factory=dict)  # name -> category code

    def category_code(self, category: str | None) -> str | None:
        """The high-risk code a product-category name stands for, or None when it is
        on neither list (or missing)."""
        if not category:
            return None
        name = category.strip().lower().replace("_", "-")
        for candidate in (name, name.removesuffix("-raw")):
            code = candidate.replace("-", "_")
            if code in self.high_risk_categories:
                return code
            alias = self.aliases.get(candidate)
            if alias is not None:
                return alias
        return None

    def country_factor(self, country: str | None) -> tuple[float, bool]:
        rating = self.country_ratings.get((country or "").strip().upper())
        if rating is None:
            return UNRATED_COUNTRY_FACTOR, False
        return ITUC_FACTORS[rating], True

    def category_factor(self, category: str | None, country: str | None) -> tuple[float, bool]:
        if not category or not category.strip():
            return UNKNOWN_CATEGORY_FACTOR, False
        code = self.category_code(category)
        if code is None:
            return OTHER_CATEGORY_FACTOR, True
        if (code, (country or "").strip().upper()) in self.dol_listed:
            return DOL_LISTED_FACTOR, True
        return HIGH_RISK_CATEGORY_FACTOR, True

    def score(self, country: str | None, categories: Iterable[str | None]) -> RiskScore:
        """The node's score: the highest over the categories it supplies (none: unknown)."""
        country_factor, country_known = self.country_factor(country)
        best: RiskScore | None = None
        for category in tuple(categories) or (None,):
            factor, known = self.category_factor(category, country)
            candidate = RiskScore(round(country_factor * factor, 6), known and country_known)
            if best is None or (candidate.score, candidate.known) > (best.score, best.known):
                best = candidate
        if best is None:
            factor, _known = self.category_factor(None, country)
            best = RiskScore(round(country_factor * factor, 6), False)
        return best


def parse_reference(texts: Mapping[str, str]) -> RiskTables:
    """Parse the reference files (name -> CSV text, see REFERENCE_FILES).

    Raises ValueError naming the file, line and what is wrong, so a coordinator
    loading a new edition learns what to fix and nothing half-loaded is used.
    """
    missing = [name for name in REFERENCE_FILES if name not in texts]
    if missing:
        raise ValueError(f"missing reference files: {', '.join(missing)}")
    ratings: dict[str, str] = {}
    for line, row in _rows(texts, "country_risk.csv", ("country", "ituc_rating")):
        country, rating = row["country"].strip().upper(), row["ituc_rating"].strip()
        if len(country) != 2 or not country.isalpha():
            raise ValueError(f"country_risk.csv line {line}: {country!r} is not ISO 3166-1 alpha-2")
        if rating not in ITUC_FACTORS:
            raise ValueError(
                f"country_risk.csv line {line}: rating {rating!r} is not one of "
                f"{', '.join(ITUC_FACTORS)}"
            )
        ratings[country] = rating
    categories = {
        row["code"].strip()
        for _line, row in _rows(texts, "high_risk_categories.csv", ("code",))
        if row["code"].strip()
    }
    goods: dict[str, str] = {}
    for line, row in _rows(texts, "dol_goods_categories.csv", ("good", "category")):
        if row["category"].strip() not in categories:
            raise ValueError(
                f"dol_goods_categories.csv line {line}: unknown category {row['category']!r}"
            )
        goods[row["good"].strip()] = row["category"].strip()
    dol: set[tuple[str, str]] = set()
    for line, row in _rows(
        texts, "dol_goods.csv", ("good", "country", "child_labor", "forced_labor")
    ):
        good = row["good"].strip()
        if good not in goods:
            raise ValueError(f"dol_goods.csv line {line}: no category for good {good!r}")
        if "Y" in (row["child_labor"].strip().upper(), row["forced_labor"].strip().upper()):
            dol.add((goods[good], row["country"].strip().upper()))
    aliases: dict[str, str] = {}
    for line, row in _rows(texts, "category_aliases.csv", ("alias", "category")):
        if row["category"].strip() not in categories:
            raise ValueError(
                f"category_aliases.csv line {line}: unknown category {row['category']!r}"
            )
        aliases[row["alias"].strip().lower().replace("_", "-")] = row["category"].strip()
    return RiskTables(
        country_ratings=MappingProxyType(ratings),
        high_risk_categories=frozenset(categories),
        dol_listed=frozenset(dol),
        aliases=MappingProxyType(aliases),
    )


def _rows(
    texts: Mapping[str, str], name: str, columns: tuple[str, ...]
) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(texts[name]))
    absent = [column for column in columns if column not in (reader.fieldnames or ())]
    if absent:
        raise ValueError(f"{name}: missing columns {', '.join(absent)}")
    for line, row in enumerate(reader, start=2):
        yield line, {key: value or "" for key, value in row.items() if key is not None}
