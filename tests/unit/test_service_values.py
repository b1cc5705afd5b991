"""What services return is plain and frozen: a resolver cannot change it, nor
reach a database through it. (The schema layer's ban on the ORM is an
import-linter contract in pyproject.toml, run by test_layers.py.)"""

from __future__ import annotations

import dataclasses

import pytest

from services.documents import DocumentView
from services.engagements import EngagementView
from services.facilities import FacilityView
from services.focus_areas import FocusAreaView
from services.networks import NetworkTerms, NetworkView, RankedSupplierView
from services.organizations import OrganizationView
from services.viewer import UserView, ViewerView


@pytest.mark.parametrize(
    "view",
    [
        OrganizationView,
        UserView,
        ViewerView,
        NetworkView,
        RankedSupplierView,
        NetworkTerms,
        FacilityView,
        FocusAreaView,
        DocumentView,
        EngagementView,
    ],
)
def test_service_values_are_frozen(view: type) -> None:
    assert dataclasses.is_dataclass(view)
    assert view.__dataclass_params__.frozen  # type: ignore[attr-defined]
