"""The streamed summary of a real run (Locust driving the SDK against the emulator) equals
numpy on its rows: metadata rows, real latencies, nulls where the SDK gave nothing."""

from __future__ import annotations

from pathlib import Path

from bench.harness.run import RunSettings, run_workload
from bench.harness.workload import load_workload

from .test_equivalence import assert_summary_matches_rows

WORKLOADS = Path(__file__).parents[2] / "workloads"


def test_a_real_run_summarises_as_numpy_does(tmp_path, local_target):
    settings = RunSettings(
        out=tmp_path / "run", users=4, spawn_rate=50, duration_s=4, quiet=True,
        seed_progress=False, warmup_s=1,
    )  # fmt: skip
    run_dir = run_workload(load_workload(WORKLOADS / "smoke.toml"), local_target, settings)

    assert_summary_matches_rows(run_dir)
