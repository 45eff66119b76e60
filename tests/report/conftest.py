"""Run directories with known answers for the report tests (the headless Chromium is
the root conftest's `browser`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.perf.synthetic_run import write_synthetic_run


@pytest.fixture(scope="session")
def synthetic_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A baseline and a candidate whose latencies are 30% higher and has no hot partition."""
    root = tmp_path_factory.mktemp("synthetic")
    baseline = write_synthetic_run(root / "baseline", samples=40_000, seed=1, name="baseline")
    candidate = write_synthetic_run(
        root / "candidate", samples=40_000, seed=2, name="candidate", latency_scale=1.3,
        hot_partition=None,
    )  # fmt: skip
    return baseline, candidate
