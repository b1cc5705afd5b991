"""`kjede serve` starts one worker per core the process may run on."""

from __future__ import annotations

import os

import pytest

from api import cli


def test_the_default_is_one_worker_per_core_of_the_affinity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 3, 5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert cli.default_workers() == 3


def test_without_an_affinity_every_core_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert cli.default_workers() == 4
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert cli.default_workers() == 1
