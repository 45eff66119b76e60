"""Aggregation on rows with known answers: percentiles, RU totals, rates, failures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.rundata import load_run, summarize, write_summary
from bench.rundata.series import time_series

from .run_dirs import STARTED_AT, make_run, requests_frame, spread


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    rng = np.random.default_rng(0)
    reads = requests_frame(
        1000,
        operation="point_read",
        latency_ms=rng.permutation(np.arange(1, 1001, dtype=float)),
        ru=2.5,
        timestamp=spread(1000),
    )
    outcome = np.array(["ok"] * 100, dtype=object)
    status = np.full(100, 200)
    outcome[0:3], status[0:3] = "throttled", 429
    outcome[10:15], status[10:15] = "error", 503
    outcome[15:17], status[15:17] = "error", 0
    outcome[17], status[17] = "conflict", 412
    queries = requests_frame(
        100,
        operation="query_by_price",
        kind="query",
        latency_ms=10.0,
        ru=np.arange(1, 101) / 10,
        throttled=np.where(np.arange(100) < 10, 2, 0),
        outcome=outcome,
        status=status,
        partitions=4,
        attempts=np.where(np.arange(100) < 50, 6, 7),
        retrieved_docs=400.0,
        output_docs=10.0,
        index_hit_ratio=0.25,
        timestamp=spread(100),
    )
    run_dir = make_run(tmp_path_factory.mktemp("known") / "run", [reads, queries])
    return write_summary(run_dir)


def test_latency_percentiles_are_exact(summary):
    latency = summary["operations"]["point_read"]["latency_ms"]
    # Linear interpolation over 1..1000: the q-quantile is 1 + 999 q.
    assert latency["p50"] == pytest.approx(500.5)
    assert latency["p90"] == pytest.approx(900.1)
    assert latency["p95"] == pytest.approx(950.05)
    assert latency["p99"] == pytest.approx(990.01)
    assert latency["p99.9"] == pytest.approx(999.001)
    assert latency["max"] == 1000.0
    assert latency["mean"] == pytest.approx(500.5)


def test_ru_figures_and_totals(summary):
    ops = summary["operations"]
    assert ops["point_read"]["ru"]["total"] == pytest.approx(2500.0)
    charge = ops["query_by_price"]["ru"]
    assert charge["total"] == pytest.approx(505.0)
    assert charge["mean"] == pytest.approx(5.05)
    assert charge["p50"] == pytest.approx(5.05)
    assert charge["p95"] == pytest.approx(9.505)
    assert (charge["min"], charge["max"]) == (pytest.approx(0.1), pytest.approx(10.0))
    totals = summary["totals"]
    assert totals["count"] == 1100
    assert totals["ru"]["total"] == pytest.approx(3005.0)
    assert ops["point_read"]["ru_share"] == pytest.approx(2500 / 3005)
    assert totals["ru_per_s"] == pytest.approx(3005 / 60)
    assert ops["point_read"]["rate_per_s"] == pytest.approx(1000 / 60)
    assert "kind" not in totals


def test_throttling_and_errors_by_status(summary):
    query = summary["operations"]["query_by_price"]
    assert query["throttle_rate"] == pytest.approx(0.10)
    assert query["throttled_attempts"] == 20
    assert query["final_throttle_rate"] == pytest.approx(0.03)
    assert query["error_rate"] == pytest.approx(0.10)  # 3 final 429s + 5 503s + 2 no response
    assert query["errors_by_status"] == {
        "0": {"count": 2, "rate": 0.02},
        "429": {"count": 3, "rate": 0.03},
        "503": {"count": 5, "rate": 0.05},
    }
    assert query["outcomes"] == {"ok": 89, "throttled": 3, "error": 7, "conflict": 1}
    assert summary["operations"]["point_read"]["error_rate"] == 0.0


def test_query_figures(summary):
    query = summary["operations"]["query_by_price"]
    assert query["partitions_touched"] == {"mean": 4.0, "max": 4}
    assert query["requests_per_call"] == pytest.approx(6.5)
    assert query["query"] == {
        "retrieved_docs_mean": 400.0,
        "output_docs_mean": 10.0,
        "index_hit_ratio_mean": 0.25,
    }
    assert summary["operations"]["point_read"]["query"]["index_hit_ratio_mean"] is None


def test_summary_json_is_strict_json(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(3, timestamp=spread(3))])
    write_summary(run_dir)
    text = (run_dir / "summary.json").read_text()
    assert "NaN" not in text
    assert json.loads(text)["operations"]["point_read"]["count"] == 3


def test_peak_second_and_warm_up_exclusion(tmp_path):
    frame = requests_frame(
        5,
        timestamp=STARTED_AT + np.array([0.5, 11.1, 11.2, 11.3, 30.0]),
        ru=[100.0, 5.0, 5.0, 5.0, 2.0],
    )
    run = load_run(make_run(tmp_path / "run", [frame], warmup_s=10))
    summary = summarize(run)
    assert summary["window"]["warmup_rows_excluded"] == 1
    assert summary["totals"]["count"] == 4
    assert summary["totals"]["peak_ru_per_s"] == pytest.approx(15.0)
    assert summary["totals"]["ru_per_s"] == pytest.approx(17.0 / 50)


def test_partitions_from_the_emulator_ledger(tmp_path):
    ledger = {
        "container": "dbs/rubench/colls/products",
        "request_charge": 40.0,
        "requests": 30,
        "throttled": 3,
        "partitions": {
            "10": {"request_charge": 30.0, "requests": 20, "throttled": 3},
            "2": {"request_charge": 10.0, "requests": 10, "throttled": 0},
            "": {"request_charge": 2.0, "requests": 2, "throttled": 0},  # not partition-scoped
        },
    }
    frame = requests_frame(2, pk_range=["2", "10"], partition_key=["k1", "hot"])
    summary = summarize(load_run(make_run(tmp_path / "run", [frame], ledger=ledger)))
    assert summary["partitions"]["source"] == "ledger"
    assert summary["partitions"]["rows"] == [
        {"partition": "2", "ru": 10.0, "requests": 10.0, "throttled": 0.0, "hot_key": "k1"},
        {"partition": "10", "ru": 30.0, "requests": 20.0, "throttled": 3.0, "hot_key": "hot"},
    ]


def test_partitions_estimated_from_responses_split_fan_out(tmp_path):
    frame = requests_frame(5, pk_range=["0", "0", "0", "0", "0,1"], ru=[1, 1, 1, 1, 10.0])
    summary = summarize(load_run(make_run(tmp_path / "run", [frame])))
    assert summary["partitions"]["source"] == "responses"
    rows = {r["partition"]: r for r in summary["partitions"]["rows"]}
    assert rows["0"]["ru"] == pytest.approx(9.0)
    assert rows["0"]["requests"] == 5
    assert rows["1"]["ru"] == pytest.approx(5.0)
    assert rows["1"]["requests"] == 1


def test_an_empty_run_summarizes_to_zero(tmp_path):
    summary = summarize(load_run(make_run(tmp_path / "run", [])))
    assert summary["operations"] == {}
    assert summary["totals"]["count"] == 0


def test_time_series_rates_use_each_buckets_real_length(tmp_path):
    # 2.6 s window: buckets of 1 s, 1 s and the last 0.6 s.
    frame = requests_frame(4, timestamp=STARTED_AT + np.array([0.1, 1.5, 2.1, 2.2]), ru=3.0)
    run = load_run(make_run(tmp_path / "run", [frame], ended_at=STARTED_AT + 2.6))
    series = time_series(run.requests, run.window, 1.0)
    assert list(series["t"]) == [0.0, 1.0, 2.0]
    assert list(series["requests_per_s"]) == pytest.approx([1.0, 1.0, 2 / 0.6])
    assert list(series["ru_per_s"]) == pytest.approx([3.0, 3.0, 6 / 0.6])
