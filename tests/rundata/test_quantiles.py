"""Percentiles from bucket counts and a few read buckets equal numpy's on all the rows."""

from __future__ import annotations

import numpy as np
import pytest

from bench.perf.synthetic_run import make_run, requests_frame, spread
from bench.rundata import summarize
from bench.rundata.figures import LATENCY_QUANTILES, RU_QUANTILES

RNG = np.random.default_rng(11)
CASES = {
    "one call": np.array([3.25]),
    "two calls": np.array([1.0, 2.0]),
    "zeros and one constant": np.concatenate([np.zeros(7), np.full(500, 7.0)]),
    "ties inside buckets": np.round(RNG.lognormal(1.0, 0.5, 5000), 3),
    "distinct, heavy tail": np.concatenate([RNG.lognormal(0.5, 0.2, 20_000), [9e4, 1e5]]),
}


@pytest.mark.parametrize("latency", CASES.values(), ids=CASES.keys())
def test_latency_and_charge_percentiles_equal_numpy(tmp_path, latency):
    charges = np.round(RNG.choice([1.0, 2.38, 5.71, 10.0], len(latency)), 2)
    frame = requests_frame(
        len(latency), latency_ms=latency, ru=charges, timestamp=spread(len(latency))
    )
    stats = summarize(make_run(tmp_path / "run", [frame])).operations["point_read"]
    for name, q in LATENCY_QUANTILES.items():
        assert stats.latency_ms.quantile(name) == np.quantile(latency, q), name
    for name, q in RU_QUANTILES.items():
        assert getattr(stats.ru, name) == np.quantile(charges, q), name
