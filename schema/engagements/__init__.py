"""Auditor engagements: a public body engages an auditor firm, which then writes
audit reports for it (services/engagements.py)."""

from __future__ import annotations

from schema.engagements.mutations import EngagementMutations
from schema.engagements.queries import EngagementQueries
from schema.engagements.types import AuditorEngagement

__all__ = ["AuditorEngagement", "EngagementMutations", "EngagementQueries"]
