"""summary.json: every figure of a run, computed once by streaming over its parquet parts.

The figures (`RunSummary`, bench/rundata/figures.py) come from a few DuckDB scans
(bench/rundata/engine.py), none holding the rows:

1. tallies per operation, window side and whole second: counts, sums, minima and
   maxima, from which every count, total, mean, series and peak is added up here;
2. each operation's kind, and its calls that did not end "ok" by outcome and status;
3. exact percentiles: latency per operation, latency over all calls, and RU per
   (operation, charge) count (bench/rundata/quantiles.py);
4. the median latency of the window's first tenth against the rest (cold start);
5. the busiest partition key per key range, and (without a ledger) RU per range;
6. the index metrics of the sampled query calls (bench/rundata/indexes.py).

Example::

    summary = load_summary("reports/20261123-101500-catalog")  # computed once, then read
    summary.operations["point_read"].latency_ms.p99
"""

from __future__ import annotations

import math
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd

from bench import __version__
from bench.errors import RubenchError
from bench.rundata.engine import FAILED_SQL, Rows, open_rows
from bench.rundata.figures import (
    LATENCY_QUANTILES,
    RU_QUANTILES,
    Charges,
    ColdStart,
    Latency,
    MetadataCharge,
    MetadataStats,
    OperationStats,
    QueryIndexes,
    QueryMetrics,
    RowCounts,
    RunSummary,
    Window,
    read_summary_file,
    write_summary_file,
)
from bench.rundata.indexes import query_indexes
from bench.rundata.info import RunInfo, read_run_info
from bench.rundata.ledger import read_ledger
from bench.rundata.outcome import Outcome
from bench.rundata.partitions import partition_figures
from bench.rundata.quantiles import LatencyFigures, charge_quantiles, latency_figures
from bench.rundata.reading import part_files, part_rows, run_directory
from bench.rundata.schema import METADATA_KIND
from bench.rundata.series import series_and_peaks

SUMMARY_FILE = "summary.json"
QUERY_METRICS = ("retrieved_docs", "output_docs", "index_hit_ratio")
COLD_START_MIN_CALLS = 200  # fewer calls in the window: no cold-start figure
COLD_START_MIN_SIDE = 20  # calls needed on each side of the first tenth
_SUMS = ("n", "latency_sum", "ru_sum", "throttled_calls", "throttled_attempts",
         "partitions_known", "partitions_sum", "attempts_sum", "items_sum", "bytes_sum", "failed",
         *(f"{m}_{a}" for m in QUERY_METRICS for a in ("n", "sum")))  # fmt: skip
_KINDS = "SELECT DISTINCT operation, kind FROM requests"
# Calls that did not end "ok" are few: counting only them skips hashing every row.
_NOT_OK = (
    "SELECT operation, outcome, status, count(*) AS n FROM calls "
    f"WHERE outcome <> '{Outcome.OK.value}' GROUP BY ALL"
)


def summarize(run_dir: str | Path) -> RunSummary:
    """Every figure of the run, from its parts, run.json and partitions.json."""
    directory = run_directory(run_dir)
    info = read_run_info(directory)
    with open_rows(directory, window_start=info.window_start) as rows:
        window = _window(rows, info)
        kinds = dict(rows.query(_KINDS))
        metadata_ops = {op for op, kind in kinds.items() if kind == METADATA_KIND}
        tallies = _tallies(rows, window.start)
        in_window = tallies[tallies["in_window"]]
        is_metadata = in_window["operation"].isin(metadata_ops)
        calls = in_window[~is_metadata]
        outcomes = rows.arrow(_NOT_OK).to_pandas()
        latency = latency_figures(rows, LATENCY_QUANTILES, _first_tenth_end(window))
        operations, totals = _operation_stats(rows, calls, outcomes, kinds, latency, window)
        series, peaks = series_and_peaks(calls, window)
        partitions = partition_figures(rows, read_ledger(directory))
    return RunSummary(
        rubench_version=__version__,
        name=info.name,
        status=info.status,
        window=window,
        rows=RowCounts(
            operations=int(calls["n"].sum()),
            metadata=int(in_window.loc[is_metadata, "n"].sum()),
            warmup=int(tallies.loc[~tallies["in_window"], "n"].sum()),
        ),
        provisioned_rus=info.provisioned_rus,
        operations=operations,
        totals=totals,
        peaks=peaks,
        partitions=partitions,
        metadata=_metadata_stats(in_window[is_metadata]),
        series=series,
        cold_start=_cold_start(latency, window),
    )


def write_summary(run_dir: str | Path) -> RunSummary:
    """Compute the summary and write summary.json (atomically); returns it."""
    summary = summarize(run_dir)
    write_summary_file(Path(run_dir) / SUMMARY_FILE, summary)
    return summary


def load_summary(run_dir: str | Path) -> RunSummary:
    """summary.json when it is current (this schema, newer than run.json, partitions.json
    and every part, and counting the rows the parts hold now); otherwise computed again
    and written (when the folder is writable)."""
    directory = run_directory(run_dir)
    path = directory / SUMMARY_FILE
    if _is_current(path, directory):
        try:
            kept = read_summary_file(path)
        except RubenchError:  # another schema, or damaged: the rows still hold the truth
            kept = None
        if kept is not None and kept.rows.total == part_rows(directory):
            return kept  # (a part deleted since would leave every file time unchanged)
    summary = summarize(directory)
    with suppress(OSError):  # a read-only copy of a run: the figures are right, only not kept
        write_summary_file(path, summary)
    return summary


def _is_current(path: Path, directory: Path) -> bool:
    if not path.exists():
        return False
    written = path.stat().st_mtime
    sources = [directory / "run.json", directory / "partitions.json", *part_files(directory)]
    return all(not p.exists() or p.stat().st_mtime <= written for p in sources)


def _window(rows: Rows, info: RunInfo) -> Window:
    """started_at + warm-up to ended_at; from the calls when run.json lacks the times."""
    start, end = info.window_start, info.ended_at
    if start is None or end is None:
        first, last = rows.query(
            "SELECT min(timestamp), max(timestamp + latency_ms / 1000.0) FROM calls"
        )[0]
        start = start if start is not None else (first or 0.0)
        end = end if end is not None else (last if last is not None else start)
    return Window(start=start, end=end, warmup_s=info.warmup_s)


def _tallies(rows: Rows, start: float) -> pd.DataFrame:
    """Per operation, window side and whole second (from the window start): every count,
    sum, minimum and maximum of the summary, in one scan."""
    tallies = rows.arrow(_tallies_sql(start, "")).to_pandas()
    if not np.isfinite(tallies[["latency_sum", "ru_sum"]].to_numpy(float)).all():
        rows.check_finite()
    metric_sums = tallies[[f"{m}_sum" for m in QUERY_METRICS]].to_numpy(float)
    if pd.isna(metric_sums).any():  # NaN in a metric column: count and sum around it
        tallies = rows.arrow(_tallies_sql(start, " FILTER (WHERE NOT isnan({m}))")).to_pandas()
    return tallies


def _tallies_sql(start: float, metric_filter: str) -> str:
    """The recorder writes null where a call has no query metrics (plain sums skip it);
    NaN from another writer needs `metric_filter`, which costs a third of the scan."""
    metrics = ", ".join(
        f"count({m}){metric_filter.format(m=m)} AS {m}_n, "
        f"coalesce(sum({m}){metric_filter.format(m=m)}, 0.0) AS {m}_sum"
        for m in QUERY_METRICS
    )
    return f"""
SELECT operation, in_window, floor(timestamp - {start!r})::BIGINT AS second,
    count(*) AS n,
    sum(latency_ms) AS latency_sum, max(latency_ms) AS latency_max,
    sum(ru) AS ru_sum, min(ru) AS ru_min, max(ru) AS ru_max,
    count(*) FILTER (WHERE throttled > 0) AS throttled_calls,
    sum(throttled)::BIGINT AS throttled_attempts,
    count(*) FILTER (WHERE partitions > 0) AS partitions_known,
    coalesce(sum(partitions) FILTER (WHERE partitions > 0), 0)::BIGINT AS partitions_sum,
    max(partitions) FILTER (WHERE partitions > 0) AS partitions_max,
    sum(attempts)::BIGINT AS attempts_sum,
    sum(item_count)::BIGINT AS items_sum,
    sum(bytes)::DOUBLE AS bytes_sum,
    count(*) FILTER (WHERE {FAILED_SQL}) AS failed,
    {metrics}
FROM requests GROUP BY ALL
"""


def _operation_stats(
    rows: Rows,
    calls: pd.DataFrame,
    outcomes: pd.DataFrame,
    kinds: dict[str, str],
    latency: LatencyFigures,
    window: Window,
) -> tuple[dict[str, OperationStats], OperationStats | None]:
    """Per operation and over all calls, from the tallies, not-ok counts and quantiles."""
    if latency.total is None:
        return {}, None
    charges = charge_quantiles(rows, RU_QUANTILES)
    indexes = query_indexes(rows)
    not_ok = dict(list(outcomes.groupby("operation")))
    duration_s = window.duration_s
    operations = {
        str(name): _stats(
            group,
            not_ok.get(name, outcomes.iloc[:0]),
            kinds[name],
            duration_s,
            latency.operations[name],
            charges[name],
            indexes.get(name),
        )
        for name, group in calls.groupby("operation", sort=True)
    }
    totals = _stats(calls, outcomes, "", duration_s, latency.total, charges[None], None)
    return operations, totals


def _stats(
    tallies: pd.DataFrame,
    not_ok: pd.DataFrame,
    kind: str,
    duration_s: float,
    latency: dict[str, float],
    charges: dict[str, float],
    indexes: QueryIndexes | None,
) -> OperationStats:
    """One operation's (or all calls') figures from its tallies, the counts of its calls
    that did not end "ok" (by outcome and status), its percentiles and index metrics."""
    total = tallies[list(_SUMS)].sum()
    count = int(total["n"])
    outcomes = {Outcome(str(o)): int(n) for o, n in not_ok.groupby("outcome")["n"].sum().items()}
    outcomes[Outcome.OK] = count - sum(outcomes.values())
    failed = not_ok[not_ok["outcome"].isin([o.value for o in Outcome if o.failed])]
    known = int(total["partitions_known"])
    return OperationStats(
        kind=kind,
        count=count,
        duration_s=duration_s,
        latency_ms=Latency(
            **{name.replace(".", "_"): value for name, value in latency.items()},
            max=float(tallies["latency_max"].max()),
            mean=float(total["latency_sum"]) / count,
        ),
        ru=Charges(
            **charges,
            total=float(total["ru_sum"]),
            mean=float(total["ru_sum"]) / count,
            min=float(tallies["ru_min"].min()),
            max=float(tallies["ru_max"].max()),
        ),
        outcomes={outcome: n for outcome, n in outcomes.items() if n},
        failures_by_status={
            int(s): int(n) for s, n in failed.groupby("status")["n"].sum().sort_index().items()
        },
        throttled_calls=int(total["throttled_calls"]),
        throttled_attempts=int(total["throttled_attempts"]),
        partitions_touched_mean=float(total["partitions_sum"]) / known if known else None,
        partitions_touched_max=int(tallies["partitions_max"].max()) if known else None,
        requests_per_call=float(total["attempts_sum"]) / count,
        items_mean=float(total["items_sum"]) / count,
        bytes_mean=float(total["bytes_sum"]) / count,
        query=QueryMetrics(
            **{f"{m}_mean": _mean(total, m) for m in QUERY_METRICS}, indexes=indexes
        ),
    )


def _mean(total: pd.Series, metric: str) -> float | None:
    """The mean over the calls that have the metric; None when none has it."""
    count = total[f"{metric}_n"]
    if not count:
        return None
    value = float(total[f"{metric}_sum"]) / count
    return value if math.isfinite(value) else None


def _metadata_stats(metadata: pd.DataFrame) -> MetadataStats:
    """Count and RU of the SDK's own requests, in all and by what they were for."""
    by_operation = metadata.groupby("operation", sort=True)[["n", "ru_sum"]].sum()
    return MetadataStats(
        count=int(metadata["n"].sum()),
        ru_total=float(metadata["ru_sum"].sum()),
        operations={
            str(name): MetadataCharge(count=int(row["n"]), ru_total=float(row["ru_sum"]))
            for name, row in by_operation.iterrows()
        },
    )


def _first_tenth_end(window: Window) -> float:
    return window.start + window.duration_s / 10


def _cold_start(latency: LatencyFigures, window: Window) -> ColdStart | None:
    """Median latency of the window's first tenth and of the rest (None: too few calls)."""
    if window.duration_s <= 0 or latency.first_tenth is None or latency.rest is None:
        return None
    (first_count, first), (rest_count, rest) = latency.first_tenth, latency.rest
    if (
        first_count + rest_count < COLD_START_MIN_CALLS
        or min(first_count, rest_count) < COLD_START_MIN_SIDE
    ):
        return None
    return ColdStart(
        first_p50_ms=first, rest_p50_ms=rest, first_count=first_count, rest_count=rest_count
    )
