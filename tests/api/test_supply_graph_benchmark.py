"""The supply-graph benchmark at a tiny size: the same generator, both engines,
answers compared. Nothing here is timed."""

from __future__ import annotations

import pytest

pytest.importorskip("rustworkx")

from benchmarks import supply_graph


def test_tiny_world_answers_agree_with_rustworkx(capsys: pytest.CaptureFixture[str]) -> None:
    assert supply_graph.main(["--max-edges", "1500", "--sizes", "1", "--queries", "15"]) == 0
    table = capsys.readouterr().out
    assert "| yes |" in table
