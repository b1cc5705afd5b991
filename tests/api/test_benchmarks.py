"""The benchmark keeps running (and its two paths keep agreeing) as the code moves."""

from __future__ import annotations

import pytest

from benchmarks import report_listing


def test_report_listing_benchmark_runs_and_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    code = report_listing.main(["--bodies", "20", "--repeat", "2", "--warmup", "1"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "answers agree: yes" in output
    assert "RATIO graphql/baseline" in output
