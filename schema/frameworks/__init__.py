"""Framework agreements: call-offs, mini-competitions with sealed bids, price lists."""

from schema.frameworks.mutations import FrameworkMutations
from schema.frameworks.queries import FrameworkQueries
from schema.frameworks.types import Bid, CallOffDecision, MiniCompetition, PriceList

__all__ = [
    "Bid",
    "CallOffDecision",
    "FrameworkMutations",
    "FrameworkQueries",
    "MiniCompetition",
    "PriceList",
]
