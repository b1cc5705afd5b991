"""Focus areas (e.g. surgical gloves): a coordinator's follow-up theme in a network."""

from schema.focus_areas.types import FocusArea

__all__ = ["FocusArea"]
