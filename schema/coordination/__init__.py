"""National coordination: focus areas (list, open, assign) and follow-up plans."""

from schema.coordination.mutations import CoordinationMutations
from schema.coordination.queries import CoordinationQueries

__all__ = ["CoordinationMutations", "CoordinationQueries"]
