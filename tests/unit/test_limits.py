"""The lists the API returns whole have maximums that writes keep to, and the
query-cost analysis counts them at exactly those sizes."""

from __future__ import annotations

import pytest

from domain import limits
from domain.enums import NetworkKind, OrganizationKind
from domain.errors import Conflict, InvalidInput
from domain.networks import check_supplier_rank
from schema.cost import LIST_SIZES


def test_room_runs_out_at_the_maximum() -> None:
    limits.check_room("findings", "report", 49, 50)
    with pytest.raises(Conflict, match="a report holds at most 50 findings; it has 50"):
        limits.check_room("findings", "report", 50, 50)


def test_at_most_names_the_field() -> None:
    limits.check_at_most("facilityIds", "facilities", 20, 20)
    with pytest.raises(InvalidInput) as refused:
        limits.check_at_most("facilityIds", "facilities", 21, 20)
    assert refused.value.field == "facilityIds"


def test_ranks_stop_at_the_maximum() -> None:
    args = (NetworkKind.FRAMEWORK_AGREEMENT, OrganizationKind.SUPPLIER)
    check_supplier_rank(*args, limits.MAX_RANKED_SUPPLIERS, None, "s1")
    for rank in (0, limits.MAX_RANKED_SUPPLIERS + 1):
        with pytest.raises(InvalidInput) as refused:
            check_supplier_rank(*args, rank, None, "s1")
        assert refused.value.field == "rank"


def test_the_cost_analysis_counts_the_enforced_maximums() -> None:
    assert LIST_SIZES["AuditReport.findings"] == limits.MAX_FINDINGS_PER_REPORT
    assert LIST_SIZES["AuditReport.documents"] == limits.MAX_DOCUMENTS_PER_REPORT
    assert LIST_SIZES["AuditReport.facilities"] == limits.MAX_FACILITIES_PER_REPORT
    assert LIST_SIZES["Network.suppliers"] == limits.MAX_RANKED_SUPPLIERS
    assert LIST_SIZES["Network.participants"] == limits.MAX_NETWORK_PARTICIPANTS
    assert limits.MAX_ORIGINALS_PER_REPORT + limits.MAX_RENDITIONS_PER_REPORT == (
        limits.MAX_DOCUMENTS_PER_REPORT
    )
