"""The import layers hold: `lint-imports` checks the contracts in pyproject.toml's
[tool.importlinter] (api > schema > services > authz > storage > domain > settings,
and graph never importing api, schema or services). A copy of the same contracts
on a small fake tree must fail when a lower layer imports a higher one, so the
check cannot pass vacuously."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the pyproject.toml in `cwd`, importing packages from `cwd` only."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def importlinter_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]
    return config


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"unexpected value in [tool.importlinter]: {value!r}")


def config_toml(config: dict[str, Any]) -> str:
    """The [tool.importlinter] table (scalars, lists, [[contracts]]) as TOML text."""
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config.get("contracts", []):
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in contract.items()]
    return "\n".join(lines) + "\n"


def test_the_code_keeps_its_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_name_every_root_package() -> None:
    config = importlinter_config()
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    assert set(layers) | {"graph"} == set(config["root_packages"])


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        (None, "", None),
        ("domain/rules.py", "import api\n", "layers"),
        ("storage/models.py", "from services import scope\n", "layers"),
        ("settings/base.py", "from domain import rules\n", "layers"),
        ("graph/supply.py", "from schema import types\n", "forbidden"),
        ("schema/types.py", "from storage import models\n", "forbidden"),
    ],
    ids=[
        "clean",
        "domain->api",
        "storage->services",
        "settings->domain",
        "graph->schema",
        "schema->storage",
    ],
)
def test_an_upward_import_breaks_the_contracts(
    tmp_path: Path, module: str | None, source: str, broken: str | None
) -> None:
    config = importlinter_config()
    for package in config["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for leaf in ("domain/rules.py", "services/scope.py", "schema/types.py", "storage/models.py"):
        (tmp_path / leaf).write_text("")
    if module is not None:
        (tmp_path / module).write_text(source)
    (tmp_path / "pyproject.toml").write_text(config_toml(config))

    result = lint_imports(tmp_path)

    output = result.stdout + result.stderr
    if broken is None:
        assert result.returncode == 0, output
        return
    assert result.returncode == 1, output
    top = module.split("/")[0] if module else ""
    names = [
        c["name"]
        for c in config["contracts"]
        if c["type"] == broken and top in c.get("source_modules", [top])
    ]
    assert all(f"{name} BROKEN" in output for name in names), output
    assert module is not None
    assert module.removesuffix(".py").replace("/", ".") in output, output
