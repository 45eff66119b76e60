"""Samples for the bootstrap: bounded, uniform over the window, the same every time."""

from __future__ import annotations

import numpy as np
import pytest

from bench.perf.synthetic_run import make_run, requests_frame, spread
from bench.rundata import operation_samples


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    reads = requests_frame(20_000, latency_ms=np.arange(20_000.0), timestamp=spread(20_000))
    rare = requests_frame(50, operation="query_x", kind="query", timestamp=spread(50))
    metadata = requests_frame(5, kind="metadata", operation="metadata: query plan")
    return make_run(tmp_path_factory.mktemp("samples") / "run", [reads, rare, metadata])


def test_each_operation_is_sampled_up_to_the_bound(run_dir):
    samples = operation_samples(run_dir, ["latency_ms"], size=2000)

    assert sorted(samples) == ["point_read", "query_x"]  # no metadata rows
    assert len(samples["point_read"]["latency_ms"]) == 2000
    assert len(samples["query_x"]["latency_ms"]) == 50  # fewer calls: all of them
    assert set(samples["point_read"]) == {"timestamp", "latency_ms"}


def test_the_sample_is_uniform_and_repeatable(run_dir):
    values = operation_samples(run_dir, ["latency_ms"], size=2000)["point_read"]["latency_ms"]

    assert len(np.unique(values)) == 2000  # distinct rows
    deciles = np.histogram(values, bins=10, range=(0, 20_000))[0]
    assert deciles.min() > 120 and deciles.max() < 280  # 200 expected in each tenth
    again = operation_samples(run_dir, ["latency_ms"], size=2000)["point_read"]["latency_ms"]
    assert np.array_equal(values, again)


def test_warm_up_rows_are_not_sampled(tmp_path):
    frame = requests_frame(100, timestamp=spread(100), latency_ms=np.arange(100.0))
    samples = operation_samples(make_run(tmp_path / "run", [frame], warmup_s=30), ["latency_ms"])
    assert samples["point_read"]["latency_ms"].min() == 50.0
