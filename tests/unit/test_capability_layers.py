"""The capability packages keep their layers: schema packages hold no ORM (they
wrap the plain values services return), and those values are frozen."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from services.facilities import FacilityView
from services.focus_areas import FocusAreaView
from services.networks import NetworkTerms, NetworkView, RankedSupplierView
from services.organizations import OrganizationView
from services.viewer import UserView, ViewerView

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("organizations", "viewer", "networks", "contracts", "facilities", "focus_areas")
ORM = ("storage", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("package", PACKAGES)
def test_schema_package_holds_no_orm(package: str) -> None:
    files = sorted((ROOT / "schema" / package).glob("*.py"))
    assert files, f"schema/{package}/ is a package"
    for path in files:
        orm = {m for m in imported_modules(path) if m.split(".")[0] in ORM}
        assert not orm, f"{path.relative_to(ROOT)} imports {sorted(orm)}"


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
    ],
)
def test_service_values_are_frozen(view: type) -> None:
    assert dataclasses.is_dataclass(view)
    assert view.__dataclass_params__.frozen  # type: ignore[attr-defined]
