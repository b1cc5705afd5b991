"""Benchmarks: run as modules (`python -m benchmarks.<name>`), never collected by pytest.

Each prints its timings as ratios against a baseline measured in the same process,
so the numbers compare across machines; timing goals live here, not in unit tests.
"""
