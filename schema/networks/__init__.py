"""Networks: framework agreements and national networks, their members and ranked suppliers."""

from schema.networks.loaders import load_network
from schema.networks.mutations import NetworkMutations
from schema.networks.queries import NetworkQueries
from schema.networks.types import Network, NetworkInput, RankedSupplier
from schema.organizations import get_organization_row

__all__ = [
    "Network",
    "NetworkInput",
    "NetworkMutations",
    "NetworkQueries",
    "RankedSupplier",
    "get_organization_row",
    "load_network",
]
