"""Facilities (production sites), shared reference data for every signed-in body."""

from schema.facilities.queries import FacilityQueries
from schema.facilities.types import Facility

__all__ = ["Facility", "FacilityQueries"]
