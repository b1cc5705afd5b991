"""Contracts: a public body buys from a supplier. Visible to its two parties only."""

from schema.contracts.mutations import ContractMutations
from schema.contracts.queries import ContractQueries
from schema.contracts.types import Contract, ContractInput

__all__ = ["Contract", "ContractInput", "ContractMutations", "ContractQueries"]
