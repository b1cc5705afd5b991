"""The suite runs in pytest's default import mode with no `__init__.py` in the
test folders, so two test modules with one basename stop the whole run at
collection. Catch that here, in seconds, instead of in CI."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_basename() -> None:
    folders: dict[str, list[str]] = defaultdict(list)
    for module in TESTS.rglob("test_*.py"):
        if "node_modules" not in module.parts:
            folders[module.name].append(str(module.parent.relative_to(TESTS)))
    clashes = {name: where for name, where in folders.items() if len(where) > 1}
    assert not clashes, f"rename one of each: {clashes}"
