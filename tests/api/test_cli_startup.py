"""`kjede --help` and the CLI module load none of the heavy libraries.

A fresh interpreter imports api.cli, renders `kjede --help` and each group's
help, and reports which heavy modules ended up in sys.modules. Timing belongs
in benchmarks/startup.py; this test only checks what is loaded, so it cannot
flake on a busy machine. The same probe run on api.app shows it detects them.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Libraries a command loads when it runs, never for --help.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pydantic_settings",
    "fpdf",
    "pypdf",
    "pikepdf",
    "matplotlib",
    "minio",
    "openpyxl",
    "networkx",
    "casbin",
    "strawberry",
    "graphql",
    "starlette",
    "uvicorn",
    "schema.app_schema",
    "services",
    "storage",
    "authz.enforcer",
)

PROBE = """
import contextlib, io, json, sys
import {module}
from api.cli import app
for args in (["--help"], ["db", "--help"], ["policy", "--help"], ["serve", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        app(args)
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def loaded_heavy_modules(module: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return loaded


def test_help_loads_no_heavy_module() -> None:
    assert loaded_heavy_modules("api.cli") == []


def test_the_probe_sees_heavy_modules_when_they_are_imported() -> None:
    loaded = loaded_heavy_modules("api.app")
    assert {"sqlalchemy", "strawberry", "casbin", "minio"} <= set(loaded), loaded
