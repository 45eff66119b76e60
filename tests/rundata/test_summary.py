"""Aggregation on rows with known answers: percentiles, RU totals, rates, failures."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from bench.perf.synthetic_run import STARTED_AT, make_run, requests_frame, spread
from bench.rundata import Outcome, RunSummary, load_summary, summarize, write_summary


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
    latency = summary.operations["point_read"].latency_ms
    # Linear interpolation over 1..1000: the q-quantile is 1 + 999 q.
    assert latency.p50 == pytest.approx(500.5)
    assert latency.p90 == pytest.approx(900.1)
    assert latency.p95 == pytest.approx(950.05)
    assert latency.p99 == pytest.approx(990.01)
    assert latency.quantile("p99.9") == pytest.approx(999.001)
    assert latency.max == 1000.0
    assert latency.mean == pytest.approx(500.5)


def test_ru_figures_and_totals(summary):
    ops = summary.operations
    assert ops["point_read"].ru.total == pytest.approx(2500.0)
    charge = ops["query_by_price"].ru
    assert charge.total == pytest.approx(505.0)
    assert charge.mean == pytest.approx(5.05)
    assert charge.p50 == pytest.approx(5.05)
    assert charge.p95 == pytest.approx(9.505)
    assert charge.p5 == pytest.approx(0.595)
    assert (charge.min, charge.max) == (pytest.approx(0.1), pytest.approx(10.0))
    totals = summary.totals
    assert totals.count == 1100
    assert totals.kind == ""
    assert totals.ru.total == pytest.approx(3005.0)
    assert totals.ru_per_s == pytest.approx(3005 / 60)
    assert ops["point_read"].rate_per_s == pytest.approx(1000 / 60)
    assert summary.rows.operations == 1100


def test_throttling_and_errors_by_status(summary):
    query = summary.operations["query_by_price"]
    assert query.throttle_rate == pytest.approx(0.10)
    assert query.throttled_attempts == 20
    assert query.final_throttle_rate == pytest.approx(0.03)
    assert query.error_rate == pytest.approx(0.10)  # 3 final 429s + 5 503s + 2 no response
    assert query.failures_by_status == {0: 2, 429: 3, 503: 5}
    assert query.outcomes == {
        Outcome.OK: 89,
        Outcome.THROTTLED: 3,
        Outcome.ERROR: 7,
        Outcome.CONFLICT: 1,
    }
    assert summary.operations["point_read"].error_rate == 0.0


def test_query_figures(summary):
    query = summary.operations["query_by_price"]
    assert (query.partitions_touched_mean, query.partitions_touched_max) == (4.0, 4)
    assert query.requests_per_call == pytest.approx(6.5)
    assert query.query.retrieved_docs_mean == 400.0
    assert query.query.output_docs_mean == 10.0
    assert query.query.index_hit_ratio_mean == 0.25
    assert summary.operations["point_read"].query.index_hit_ratio_mean is None


def test_summary_json_is_strict_json_and_reads_back(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(3, timestamp=spread(3))])
    written = write_summary(run_dir)
    text = (run_dir / "summary.json").read_text()
    assert "NaN" not in text
    assert json.loads(text)["operations"]["point_read"]["count"] == 3
    assert load_summary(run_dir) == written


def test_a_stale_summary_is_computed_again(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(3, timestamp=spread(3))])
    write_summary(run_dir)
    frame = requests_frame(2, timestamp=spread(2), operation="query_x", kind="query")
    make_run(tmp_path / "run", [requests_frame(3, timestamp=spread(3)), frame])
    assert load_summary(run_dir).rows.operations == 5


def test_a_summary_is_computed_again_when_a_part_was_deleted(tmp_path):
    # deleting a part changes no remaining file's time: only the row count tells
    frames = [requests_frame(3, timestamp=spread(3)), requests_frame(2, timestamp=spread(2))]
    run_dir = make_run(tmp_path / "run", frames)
    assert write_summary(run_dir).rows.operations == 5
    sorted((run_dir / "requests").glob("part-*.parquet"))[-1].unlink()
    assert load_summary(run_dir).rows.operations == 3


def test_a_summary_of_another_schema_is_computed_again(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(3, timestamp=spread(3))])
    (run_dir / "summary.json").write_text('{"schema": 1, "operations": {}}')
    assert load_summary(run_dir).rows.operations == 3


def test_peak_second_and_warm_up_exclusion(tmp_path):
    frame = requests_frame(
        5,
        timestamp=STARTED_AT + np.array([0.5, 11.1, 11.2, 11.3, 30.0]),
        ru=[100.0, 5.0, 5.0, 5.0, 2.0],
    )
    summary = summarize(make_run(tmp_path / "run", [frame], warmup_s=10))
    assert summary.rows.warmup == 1
    assert summary.totals.count == 4
    assert summary.peaks.ru_per_s == pytest.approx(15.0)
    assert summary.peaks.requests_per_s == pytest.approx(3.0)
    assert summary.totals.ru_per_s == pytest.approx(17.0 / 50)


def test_metadata_rows_are_counted_apart(tmp_path):
    calls = requests_frame(4, timestamp=spread(4), ru=2.0)
    metadata = requests_frame(
        3, timestamp=spread(3), kind="metadata", operation="metadata: partition key ranges"
    )
    summary = summarize(make_run(tmp_path / "run", [calls, metadata]))
    assert list(summary.operations) == ["point_read"]
    assert (summary.metadata.count, summary.metadata.ru_total) == (3, 3.0)
    assert summary.metadata.operations["metadata: partition key ranges"].count == 3
    assert summary.charged_ru_total == pytest.approx(11.0)
    assert summary.rows.metadata == 3


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
    frame = requests_frame(2, pk_range=["2", "10"], partition_key=['"k1"', "hot"])
    partitions = summarize(make_run(tmp_path / "run", [frame], ledger=ledger)).partitions
    assert partitions.source == "ledger"
    assert [row.model_dump() for row in partitions.rows] == [
        {"partition": "2", "ru": 10.0, "requests": 10, "throttled": 0.0, "hot_key": "k1"},
        {"partition": "10", "ru": 30.0, "requests": 20, "throttled": 3.0, "hot_key": "hot"},
    ]


def test_partitions_estimated_from_responses_split_fan_out(tmp_path):
    frame = requests_frame(
        5, pk_range=["0", "0", "0", "0", "0,1"], ru=[1, 1, 1, 1, 10.0], throttled=[0, 0, 0, 0, 2]
    )
    partitions = summarize(make_run(tmp_path / "run", [frame])).partitions
    assert partitions.source == "responses"
    rows = {r.partition: r for r in partitions.rows}
    assert rows["0"].ru == pytest.approx(9.0)
    assert rows["0"].requests == 5
    assert rows["1"].ru == pytest.approx(5.0)
    assert (rows["1"].requests, rows["1"].throttled) == (1, 1.0)


def test_an_empty_run_summarizes_to_zero(tmp_path):
    summary = summarize(make_run(tmp_path / "run", []))
    assert summary.operations == {}
    assert summary.totals is None
    assert summary.rows.total == 0
    assert summary.peaks.requests_per_s == 0.0


def test_time_series_rates_use_each_buckets_real_length(tmp_path):
    # 2.6 s window: buckets of 1 s, 1 s and the last 0.6 s.
    frame = requests_frame(4, timestamp=STARTED_AT + np.array([0.1, 1.5, 2.1, 2.2]), ru=3.0)
    series = summarize(make_run(tmp_path / "run", [frame], ended_at=STARTED_AT + 2.6)).series
    assert series.t == (0.0, 1.0, 2.0)
    assert series.requests_per_s == pytest.approx([1.0, 1.0, 2 / 0.6])
    assert series.ru_per_s == pytest.approx([3.0, 3.0, 6 / 0.6])
    assert series.operations["point_read"] == pytest.approx([1.0, 1.0, 2 / 0.6])


def test_series_buckets_are_whole_seconds_sized_for_about_300_points(tmp_path):
    frame = requests_frame(3, timestamp=STARTED_AT + np.array([0.5, 1.5, 899.0]))
    series = summarize(make_run(tmp_path / "run", [frame], ended_at=STARTED_AT + 900)).series
    assert series.width_s == 3.0
    assert len(series.t) == 300
    assert series.requests_per_s[0] == pytest.approx(2 / 3)
    assert series.requests_per_s[-1] == pytest.approx(1 / 3)


def test_cold_start_compares_the_first_tenth_with_the_rest(tmp_path):
    latency = np.where(np.arange(1000) < 100, 30.0, 10.0)
    frame = requests_frame(1000, timestamp=spread(1000), latency_ms=latency)
    cold = summarize(make_run(tmp_path / "run", [frame])).cold_start
    assert (cold.first_p50_ms, cold.rest_p50_ms) == (30.0, 10.0)
    assert (cold.first_count, cold.rest_count) == (100, 900)
    few = requests_frame(100, timestamp=spread(100))
    assert summarize(make_run(tmp_path / "few", [few])).cold_start is None


def _field_names(model: type[BaseModel]) -> set[str]:
    """Every key a model and the models inside it write, computed ones included."""
    names = set(model.model_computed_fields)
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        pending = [field.annotation]
        while pending:
            annotation = pending.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                names |= _field_names(annotation)
            pending.extend(typing.get_args(annotation))
    return names


def test_the_documented_layout_names_every_field():
    doc = (Path(__file__).parents[2] / "docs" / "run-directory.md").read_text()
    block = doc.split("## `summary.json` (schema 2)")[1].split("```json")[1].split("```")[0]
    assert _field_names(RunSummary) <= set(re.findall(r'"([^"]*)"', block))
