"""Country risk for labour rights: the one table the supply-chain risk rule starts from.

The numbers are a deliberately coarse, illustrative policy, not an assessment:
replace the table with a maintained index (for example the ITUC Global Rights
Index or DFØ's guidance) when one is chosen. Keeping it here, apart from the
graph code, lets that change happen without touching the traversal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

HIGH_RISK = 0.9
ELEVATED_RISK = 0.7
LOW_RISK = 0.1
UNKNOWN_COUNTRY_RISK = 0.5
"""A missing or unlisted country is neither trusted nor condemned."""

TIER_DISCOUNT = 0.8
"""A supplier one tier further away weighs this much less (tier k: TIER_DISCOUNT ** k)."""

COUNTRY_RISK: Mapping[str, float] = MappingProxyType(
    {
        # Production countries with documented forced or child labour in
        # categories on DFØ's high-risk list (gloves, textiles, instruments).
        "BD": HIGH_RISK,
        "CN": HIGH_RISK,
        "MM": HIGH_RISK,
        "PK": HIGH_RISK,
        "IN": ELEVATED_RISK,
        "MY": ELEVATED_RISK,
        "TH": ELEVATED_RISK,
        "TR": ELEVATED_RISK,
        "VN": ELEVATED_RISK,
        # Strong labour inspection and collective bargaining.
        "DK": LOW_RISK,
        "FI": LOW_RISK,
        "IS": LOW_RISK,
        "NO": LOW_RISK,
        "SE": LOW_RISK,
    }
)


def country_risk(country: str | None) -> float:
    """Base labour-rights risk of an ISO 3166-1 alpha-2 country, in [0, 1]."""
    if not country:
        return UNKNOWN_COUNTRY_RISK
    return COUNTRY_RISK.get(country.strip().upper(), UNKNOWN_COUNTRY_RISK)


def own_risk(country: str | None, base_risk: float = 0.0) -> float:
    """A node's risk before its suppliers count: the worse of its country and
    what is known about the node itself (e.g. open critical findings)."""
    return min(1.0, max(0.0, country_risk(country), base_risk))
