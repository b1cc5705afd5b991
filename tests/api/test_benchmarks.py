"""The benchmark keeps running (and its paths keep agreeing) as the code moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report_listing


def test_report_listing_benchmark_runs_and_agrees(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = report_listing.main(
        [
            "--databases",
            "sqlite",
            "--bodies",
            "20",
            "--repeat",
            "2",
            "--warmup",
            "1",
            "--json",
            str(tmp_path / "listing.json"),
        ]
    )
    output = capsys.readouterr().out
    assert code == 0, output
    assert "answers agree: yes" in output
    assert "RATIO SQLite: compiled/baseline" in output
    assert "warm/baseline" in output
    (run,) = json.loads((tmp_path / "listing.json").read_text())
    assert run["agree"] and set(run["paths"]) == set(report_listing.PATHS)
    assert run["paths"]["baseline"]["ratio"] == 1.0
