"""benchmarks/http.py keeps running as the code moves (`kjede serve` and the plain
Starlette baseline, a second of load each): its shape only, no timing asserted."""

from __future__ import annotations

import os
import re

import pytest

from benchmarks import http

pytestmark = pytest.mark.http


def test_http_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    tiny = ["--workers", "1", "--connections", "4", "--duration", "1", "--rounds", "1"]
    code = http.main([*tiny, "--warmup", "0.5", "--load", "python"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "answers agree: yes" in output
    assert "response cache off, prepared queries on" in output
    for path in ("baseline", "me", "listing"):
        assert re.search(rf"^\| {path} \| [\d.]+ \|", output, re.M), output
    assert "RATIO me/baseline throughput:" in output
    assert "me p99 at 4 clients:" in output
    assert "requests/s per core" in output
    if os.path.isdir("/proc"):
        assert "RATIO me/baseline by server CPU per request:" in output, output


def test_server_cpu_is_read_for_a_process_group() -> None:
    if not os.path.isdir("/proc"):
        pytest.skip("no /proc")
    own = http.group_cpu_seconds(os.getpgrp())
    assert own is not None and own > 0
    assert http.group_cpu_seconds(2**22 + 12345) == 0
