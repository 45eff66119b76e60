"""The streamed summary equals numpy on the same rows: exact percentiles, counts, totals.

Each figure is recomputed here the plain way, from every row in memory
(`load_requests`), so a change in the engine that alters what users see fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.perf.synthetic_run import requests_frame, spread, write_synthetic_run
from bench.rundata import load_requests, read_run_info, summarize, write_run_info
from bench.rundata.figures import LATENCY_QUANTILES, RU_QUANTILES, OperationStats
from bench.rundata.outcome import FAILED_OUTCOMES
from bench.rundata.reading import part_rows
from bench.rundata.schema import METADATA_KIND, PARTITION_KEY_COLUMN, REQUEST_SCHEMA

SUMS = {"rel": 1e-12}  # sums in another order differ in the last bits only


def assert_summary_matches_rows(run_dir) -> None:
    summary = summarize(run_dir)
    info = read_run_info(run_dir)
    frame = load_requests(run_dir, since=summary.window.start)
    is_metadata = (frame["kind"] == METADATA_KIND).to_numpy()
    calls, metadata = frame[~is_metadata], frame[is_metadata]

    assert summary.rows.operations == len(calls)
    assert summary.rows.metadata == len(metadata)
    assert summary.rows.warmup == part_rows(run_dir) - len(frame)
    assert summary.metadata.count == len(metadata)
    assert summary.metadata.ru_total == pytest.approx(metadata["ru"].sum(), **SUMS)
    names = sorted(calls["operation"].unique())
    assert sorted(summary.operations) == names
    for name in names:
        _assert_stats(summary.operations[name], calls[calls["operation"] == name])
    _assert_stats(summary.totals, calls)
    _assert_time_figures(summary, calls)
    assert info.warmup_s == summary.window.warmup_s


def _assert_stats(stats: OperationStats, rows: pd.DataFrame) -> None:
    latency = rows["latency_ms"].to_numpy()
    ru = rows["ru"].to_numpy()
    assert stats.count == len(rows)
    for name, q in LATENCY_QUANTILES.items():
        assert stats.latency_ms.quantile(name) == np.quantile(latency, q), name
    for name, q in RU_QUANTILES.items():
        assert getattr(stats.ru, name) == np.quantile(ru, q), name
    assert stats.latency_ms.max == latency.max()
    assert stats.latency_ms.mean == pytest.approx(latency.mean(), **SUMS)
    assert (stats.ru.min, stats.ru.max) == (ru.min(), ru.max())
    assert stats.ru.total == pytest.approx(ru.sum(), **SUMS)
    outcomes = rows["outcome"].astype(str).value_counts()
    assert {str(o): n for o, n in stats.outcomes.items()} == outcomes[outcomes > 0].to_dict()
    failed = rows[rows["outcome"].astype(str).isin([o.value for o in FAILED_OUTCOMES])]
    assert stats.failures_by_status == failed["status"].value_counts().sort_index().to_dict()
    throttled = rows["throttled"].to_numpy()
    assert stats.throttled_calls == np.count_nonzero(throttled)
    assert stats.throttled_attempts == throttled.sum()
    known = rows["partitions"].to_numpy()
    known = known[known > 0]
    assert stats.partitions_touched_mean == (
        pytest.approx(known.mean(), **SUMS) if len(known) else None
    )
    assert stats.requests_per_call == pytest.approx(rows["attempts"].mean(), **SUMS)
    assert stats.items_mean == pytest.approx(rows["item_count"].mean(), **SUMS)
    assert stats.bytes_mean == pytest.approx(rows["bytes"].mean(), **SUMS)
    for metric in ("retrieved_docs", "output_docs", "index_hit_ratio"):
        values = rows[metric].to_numpy()
        values = values[~np.isnan(values)]
        expected = pytest.approx(values.mean(), **SUMS) if len(values) else None
        assert getattr(stats.query, f"{metric}_mean") == expected, metric


def _assert_time_figures(summary, calls: pd.DataFrame) -> None:
    window = summary.window
    offsets = calls["timestamp"].to_numpy() - window.start
    seconds = np.floor(offsets).astype(np.int64)
    inside = seconds < int(window.duration_s)  # whole seconds (the peak ignores slivers)
    per_second = np.bincount(seconds[inside])
    assert summary.peaks.requests_per_s == per_second.max()
    ru_per_second = np.bincount(seconds[inside], weights=calls["ru"].to_numpy()[inside])
    assert summary.peaks.ru_per_s == pytest.approx(ru_per_second.max(), **SUMS)
    width = summary.series.width_s
    buckets = np.bincount((offsets // width).astype(np.int64), minlength=len(summary.series.t))
    whole = len(summary.series.t) - 1  # the last bucket may be shorter
    assert summary.series.requests_per_s[:whole] == pytest.approx(buckets[:whole] / width)
    latency = calls["latency_ms"].to_numpy()
    early = offsets < window.duration_s / 10
    assert summary.cold_start.first_p50_ms == np.median(latency[early])
    assert summary.cold_start.rest_p50_ms == np.median(latency[~early])


def test_a_synthetic_run_with_warm_up_metadata_and_nan_metrics(tmp_path):
    run_dir = write_synthetic_run(
        tmp_path / "run", samples=120_000, seed=3, duration_s=600, part_rows=25_000
    )
    write_run_info(run_dir, read_run_info(run_dir).updated(warmup_s=30.0))
    metadata = requests_frame(
        40,
        timestamp=spread(40, 600.0),
        kind=METADATA_KIND,
        operation="metadata: query plan",
        ru=np.linspace(0.5, 2.0, 40),
    )
    # another writer's parts: NaN (not null) where there are no query metrics, no keys
    other = requests_frame(500, timestamp=spread(500, 600.0), latency_ms=np.arange(500.0))
    for number, frame in ((90, metadata), (91, other)):
        table = pa.Table.from_pandas(frame[REQUEST_SCHEMA.names], schema=REQUEST_SCHEMA)
        table = table.set_column(
            table.schema.get_field_index("retrieved_docs"),
            "retrieved_docs",
            pa.array(frame["retrieved_docs"].to_numpy(), from_pandas=False),
        )
        pq.write_table(table, run_dir / "requests" / f"part-{number:06d}.parquet")
    assert PARTITION_KEY_COLUMN not in pq.read_schema(run_dir / "requests" / "part-000091.parquet")

    assert_summary_matches_rows(run_dir)
