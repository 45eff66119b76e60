"""summary.json: every figure of a run, computed once by streaming over its parquet parts.

The figures (`RunSummary`, bench/rundata/figures.py) come from a handful of DuckDB
scans (bench/rundata/engine.py), none holding the rows:

1. one grouped scan by operation, kind, outcome, status, range and window: counts,
   sums, minima and maxima, from which every count, total and mean is added up here;
2. exact quantiles of latency, then of RU, per operation and over all calls (one
   column and one grouping per scan, so one scan holds at most one column's values);
3. per operation and second: requests, RU, 429s and failures, for the series and peaks;
4. the median latency of the window's first tenth against the rest (cold start);
5. the busiest partition key per key range (hot keys).

Example::

    summary = load_summary("reports/20261123-101500-catalog")  # computed once, then read
    summary.operations["point_read"].latency_ms.p99
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench import __version__
from bench.errors import RubenchError
from bench.rundata.engine import Rows, open_rows
from bench.rundata.figures import (
    LATENCY_QUANTILES,
    RU_QUANTILES,
    Charges,
    ColdStart,
    Latency,
    MetadataCharge,
    MetadataStats,
    OperationStats,
    QueryMetrics,
    RowCounts,
    RunSummary,
    Window,
    read_summary_file,
    write_summary_file,
)
from bench.rundata.info import RunInfo, read_run_info
from bench.rundata.ledger import read_ledger
from bench.rundata.outcome import Outcome
from bench.rundata.partitions import partition_figures
from bench.rundata.reading import part_files, run_directory
from bench.rundata.schema import METADATA_KIND
from bench.rundata.series import series_and_peaks

SUMMARY_FILE = "summary.json"
QUERY_METRICS = ("retrieved_docs", "output_docs", "index_hit_ratio")
COLD_START_MIN_CALLS = 200  # fewer calls in the window: no cold-start figure
COLD_START_MIN_SIDE = 20  # calls needed on each side of the first tenth

_FACTS = f"""
SELECT operation, kind, in_window, outcome, status, pk_range,
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
    {
    ", ".join(
        f"count({m}) FILTER (WHERE NOT isnan({m})) AS {m}_n, "
        f"coalesce(sum({m}) FILTER (WHERE NOT isnan({m})), 0.0) AS {m}_sum"
        for m in QUERY_METRICS
    )
}
FROM requests GROUP BY ALL
"""


def summarize(run_dir: str | Path) -> RunSummary:
    """Every figure of the run, from its parts, run.json and partitions.json."""
    directory = run_directory(run_dir)
    info = read_run_info(directory)
    with open_rows(directory, window_start=info.window_start) as rows:
        facts = rows.arrow(_FACTS).to_pandas()
        window = _window(rows, info)
        in_window = facts[facts["in_window"]]
        is_metadata = in_window["kind"] == METADATA_KIND
        calls, metadata = in_window[~is_metadata], in_window[is_metadata]
        operations, totals = _operation_stats(rows, calls, window.duration_s)
        series, peaks = series_and_peaks(rows, window)
        partitions = partition_figures(rows, calls, read_ledger(directory))
        cold_start = _cold_start(rows, window)
    return RunSummary(
        rubench_version=__version__,
        name=info.name,
        status=info.status,
        window=window,
        rows=RowCounts(
            operations=int(calls["n"].sum()),
            metadata=int(metadata["n"].sum()),
            warmup=int(facts.loc[~facts["in_window"], "n"].sum()),
        ),
        provisioned_rus=info.provisioned_rus,
        operations=operations,
        totals=totals,
        peaks=peaks,
        partitions=partitions,
        metadata=_metadata_stats(metadata),
        series=series,
        cold_start=cold_start,
    )


def write_summary(run_dir: str | Path) -> RunSummary:
    """Compute the summary and write summary.json (atomically); returns it."""
    summary = summarize(run_dir)
    write_summary_file(Path(run_dir) / SUMMARY_FILE, summary)
    return summary


def load_summary(run_dir: str | Path) -> RunSummary:
    """summary.json when it is current (this schema, newer than run.json, partitions.json
    and every part); otherwise computed again and written."""
    directory = run_directory(run_dir)
    path = directory / SUMMARY_FILE
    if _is_current(path, directory):
        try:
            return read_summary_file(path)
        except RubenchError:  # another schema, or damaged: the rows still hold the truth
            pass
    return write_summary(directory)


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


def _operation_stats(
    rows: Rows, calls: pd.DataFrame, duration_s: float
) -> tuple[dict[str, OperationStats], OperationStats | None]:
    """Per operation and over all calls; quantiles from one scan per column and grouping."""
    if not len(calls):
        return {}, None
    latency = _quantiles(rows, "latency_ms", LATENCY_QUANTILES)
    charges = _quantiles(rows, "ru", RU_QUANTILES)
    operations = {
        str(name): _stats(group, str(group["kind"].iloc[0]), duration_s, latency, charges, name)
        for name, group in calls.groupby("operation", sort=True)
    }
    return operations, _stats(calls, "", duration_s, latency, charges, None)


def _quantiles(
    rows: Rows, column: str, quantiles: dict[str, float]
) -> dict[str | None, dict[str, float]]:
    """{operation: {name: exact quantile}}, the key None holding those over all calls."""
    wanted = "[" + ", ".join(repr(q) for q in quantiles.values()) + "]"
    result: dict[str | None, dict[str, float]] = {}
    scans = [
        f"SELECT operation, quantile_cont({column}, {wanted}) FROM calls GROUP BY operation",
        f"SELECT NULL, quantile_cont({column}, {wanted}) FROM calls",
    ]
    for sql in scans:
        for operation, values in rows.query(sql):
            result[operation] = dict(zip(quantiles, values, strict=True))
    return result


def _stats(
    facts: pd.DataFrame,
    kind: str,
    duration_s: float,
    latency: dict[str | None, dict[str, float]],
    charges: dict[str | None, dict[str, float]],
    operation: str | None,
) -> OperationStats:
    """One operation's (or all calls') figures from its grouped facts and quantiles."""
    count = int(facts["n"].sum())
    total = facts.sum(numeric_only=True)
    outcomes = facts.groupby("outcome")["n"].sum()
    failed = facts[facts["outcome"].isin([o.value for o in Outcome if o.failed])]
    known_partitions = int(total["partitions_known"])
    return OperationStats(
        kind=kind,
        count=count,
        duration_s=duration_s,
        latency_ms=Latency(
            **{k.replace(".", "_"): v for k, v in latency[operation].items()},
            max=float(facts["latency_max"].max()),
            mean=float(total["latency_sum"]) / count,
        ),
        ru=Charges(
            **charges[operation],
            total=float(total["ru_sum"]),
            mean=float(total["ru_sum"]) / count,
            min=float(facts["ru_min"].min()),
            max=float(facts["ru_max"].max()),
        ),
        outcomes={Outcome(str(o)): int(n) for o, n in outcomes.items() if n},
        failures_by_status={
            int(s): int(n) for s, n in failed.groupby("status")["n"].sum().sort_index().items()
        },
        throttled_calls=int(total["throttled_calls"]),
        throttled_attempts=int(total["throttled_attempts"]),
        partitions_touched_mean=(
            float(total["partitions_sum"]) / known_partitions if known_partitions else None
        ),
        partitions_touched_max=(int(facts["partitions_max"].max()) if known_partitions else None),
        requests_per_call=float(total["attempts_sum"]) / count,
        items_mean=float(total["items_sum"]) / count,
        bytes_mean=float(total["bytes_sum"]) / count,
        query=QueryMetrics(
            **{
                f"{m}_mean": float(total[f"{m}_sum"]) / total[f"{m}_n"] if total[f"{m}_n"] else None
                for m in QUERY_METRICS
            }
        ),
    )


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


def _cold_start(rows: Rows, window: Window) -> ColdStart | None:
    """Median latency of the window's first tenth and of the rest (None: too few calls)."""
    if window.duration_s <= 0:
        return None
    cut = window.start + window.duration_s / 10
    sides = dict.fromkeys((True, False), (0, 0.0))
    sql = (
        f"SELECT timestamp < {cut!r}, count(*), quantile_cont(latency_ms, 0.5) "
        "FROM calls GROUP BY 1"
    )
    for early, count, median in rows.query(sql):
        sides[bool(early)] = (int(count), float(median))
    (first_count, first), (rest_count, rest) = sides[True], sides[False]
    if (
        first_count + rest_count < COLD_START_MIN_CALLS
        or min(first_count, rest_count) < COLD_START_MIN_SIDE
    ):
        return None
    return ColdStart(
        first_p50_ms=first, rest_p50_ms=rest, first_count=first_count, rest_count=rest_count
    )
