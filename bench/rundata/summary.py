"""Per-operation aggregates of a run, from the exact rows (no histograms): summary.json.

Percentiles use linear interpolation between the two nearest samples (numpy's
and pandas' default). Latency covers every call, failed ones included, as
Locust counts them; rows before started_at + warmup_s are left out.

summary.json (``"schema": 1``)::

    {"schema": 1, "rubench_version": "0.1.0",
     "run": {"name", "status"},
     "window": {"start", "end", "duration_s", "warmup_s", "warmup_rows_excluded"},
     "provisioned_rus": 4000.0 | null,
     "operations": {"point_read": {
         "kind", "count", "rate_per_s",
         "latency_ms": {"p50", "p90", "p95", "p99", "p99.9", "max", "mean"},
         "ru": {"mean", "p50", "p95", "min", "max", "total"}, "ru_per_s", "ru_share",
         "throttle_rate" (calls that met a 429), "throttled_attempts",
         "final_throttle_rate" (calls that ended in a 429), "error_rate" (error + throttled),
         "errors_by_status": {"503": {"count", "rate"}}, "outcomes": {"ok": n, ...},
         "partitions_touched": {"mean", "max"}, "requests_per_call", "items_mean", "bytes_mean",
         "query": {"retrieved_docs_mean", "output_docs_mean", "index_hit_ratio_mean"}}},
     "totals": {the same figures over all operations, without "kind",
                plus "peak_ru_per_s", "peak_requests_per_s" (busiest whole second)},
     "partitions": {"source": "ledger" | "responses",
                    "rows": [{"partition", "ru", "requests", "throttled", "hot_key"}]},
     "metadata": {"count", "ru_total", "operations": {"metadata: partition key ranges":
                  {"count", "ru_total"}}}}

`metadata` counts the requests the SDK made on its own (partition key ranges, container
reads): the target charged them, but they are no operation, so `operations` and `totals`
leave them out; `totals.charged_ru_total` (operations + metadata) is what the run cost.

Figures that do not apply are null (query metrics of point reads, rates of an
empty window).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench import __version__
from bench.rundata.groups import TOTAL_KEY, Groups
from bench.rundata.partitions import partition_table
from bench.rundata.run import Run, load_run
from bench.rundata.series import time_series

SUMMARY_SCHEMA = 1
LATENCY_QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p99.9": 0.999}
RU_QUANTILES = {"p50": 0.5, "p95": 0.95}
FAILED_OUTCOMES = ("error", "throttled")


def summarize(run: Run) -> dict[str, Any]:
    """The JSON-ready summary of a loaded run (see `write_summary`)."""
    frame = run.requests
    window = run.window
    duration = window.duration_s
    stats = group_stats(frame, Groups.of(frame["operation"]), duration)
    total = group_stats(frame, Groups.single(len(frame)), duration).get(TOTAL_KEY)
    total = total or {"count": 0, "rate_per_s": 0.0, "latency_ms": {}, "ru": {"total": 0.0}}
    total.pop("kind", None)  # a mix of kinds
    total_ru = total["ru"]["total"]
    for values in stats.values():
        values["ru_share"] = values["ru"]["total"] / total_ru if total_ru else 0.0
    per_second = time_series(frame, window, width_s=1.0)
    total["peak_ru_per_s"] = float(per_second["ru_per_s"].max())
    total["peak_requests_per_s"] = float(per_second["requests_per_s"].max())
    partitions, source = partition_table(run)
    metadata = metadata_stats(run.metadata)
    total["charged_ru_total"] = total_ru + metadata["ru_total"]
    return _json_clean(
        {
            "schema": SUMMARY_SCHEMA,
            "rubench_version": __version__,
            "run": {"name": run.name, "status": run.info.get("status")},
            "window": {
                "start": window.start,
                "end": window.end,
                "duration_s": duration,
                "warmup_s": run.warmup_s,
                "warmup_rows_excluded": run.warmup_rows,
            },
            "provisioned_rus": run.provisioned_rus,
            "operations": stats,
            "totals": total,
            "partitions": {"source": source, "rows": partitions.to_dict(orient="records")},
            "metadata": metadata,
        }
    )


def metadata_stats(frame: pd.DataFrame | None) -> dict[str, Any]:
    """Count and RU of the SDK's own requests, in all and by what they were for."""
    if frame is None or not len(frame):
        return {"count": 0, "ru_total": 0.0, "operations": {}}
    by_operation = frame.groupby("operation", observed=True)["ru"].agg(["count", "sum"])
    return {
        "count": len(frame),
        "ru_total": float(frame["ru"].sum()),
        "operations": {
            str(name): {"count": int(row["count"]), "ru_total": float(row["sum"])}
            for name, row in by_operation.iterrows()
        },
    }


def write_summary(run_dir: str | Path) -> dict[str, Any]:
    """Aggregate a run directory and write its summary.json; returns what was written."""
    run = load_run(run_dir)
    summary = summarize(run)
    save_summary(run.directory, summary)
    return summary


def save_summary(run_dir: Path, summary: dict[str, Any]) -> Path:
    """Write summary.json atomically (a reader never sees half a file)."""
    path = Path(run_dir) / "summary.json"
    temporary = path.with_name(".summary.json.tmp")
    temporary.write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def group_stats(frame: pd.DataFrame, groups: Groups, duration_s: float) -> dict[str, Any]:
    """Every figure of the summary for each non-empty group."""
    if not len(frame):
        return {}
    counts = np.diff(groups.bounds)
    latency = _column_figures(groups, frame["latency_ms"], LATENCY_QUANTILES)
    ru = _column_figures(groups, frame["ru"].fillna(0.0), RU_QUANTILES)
    throttled = groups.slices(frame["throttled"].to_numpy())
    partitions = groups.slices(frame["partitions"].to_numpy())
    attempts = groups.slices(frame["attempts"].to_numpy())
    items = [s.mean() if len(s) else None for s in groups.slices(frame["item_count"].to_numpy())]
    sizes = [s.mean() if len(s) else None for s in groups.slices(frame["bytes"].to_numpy())]
    query = {
        f"{name}_mean": [_nanmean(s) for s in groups.slices(frame[name].to_numpy())]
        for name in ("retrieved_docs", "output_docs", "index_hit_ratio")
    }
    kind = frame["kind"].astype("category")
    kinds = [
        kind.cat.categories[s[0]] if len(s) else ""
        for s in groups.slices(kind.cat.codes.to_numpy())
    ]
    outcome = frame["outcome"].astype("category")
    outcome_counts = groups.counts_by(outcome.cat.codes.to_numpy(), len(outcome.cat.categories))
    by_status = _failures_by_status(frame, groups)

    result: dict[str, Any] = {}
    for g, name in enumerate(groups.names):
        n = int(counts[g])
        if not n:
            continue
        outcomes = {
            str(o): int(c)
            for o, c in zip(outcome.cat.categories, outcome_counts[g], strict=True)
            if c
        }
        n_failed = sum(outcomes.get(o, 0) for o in FAILED_OUTCOMES)
        result[str(name)] = {
            "kind": str(kinds[g]),
            "count": n,
            "rate_per_s": n / duration_s if duration_s else None,
            "latency_ms": {
                **{q: latency[g][q] for q in LATENCY_QUANTILES},
                "max": latency[g]["max"],
                "mean": latency[g]["mean"],
            },
            "ru": {
                "mean": ru[g]["mean"],
                **{q: ru[g][q] for q in RU_QUANTILES},
                "min": ru[g]["min"],
                "max": ru[g]["max"],
                "total": ru[g]["total"],
            },
            "ru_per_s": ru[g]["total"] / duration_s if duration_s else None,
            "throttle_rate": int(np.count_nonzero(throttled[g])) / n,
            "throttled_attempts": int(throttled[g].sum()),
            "final_throttle_rate": outcomes.get("throttled", 0) / n,
            "error_rate": n_failed / n,
            "errors_by_status": {
                str(status): {"count": c, "rate": c / n}
                for status, c in sorted(by_status.get(g, {}).items())
            },
            "outcomes": outcomes,
            "partitions_touched": {"mean": partitions[g].mean(), "max": partitions[g].max()},
            # HTTP requests per call: retries, query pages, a fan-out's 1004 and plan request
            "requests_per_call": attempts[g].mean(),
            "items_mean": items[g],
            "bytes_mean": sizes[g],
            "query": {key: values[g] for key, values in query.items()},
        }
    return result


def _column_figures(
    groups: Groups, column: pd.Series, quantiles: dict[str, float]
) -> list[dict[str, float]]:
    """Exact quantiles (np.quantile partitions, no full sort), min, max, mean, total."""
    figures = []
    for values in groups.slices(column.to_numpy(dtype=float)):
        if not len(values):
            figures.append({})
            continue
        qs = np.quantile(values, list(quantiles.values()))
        figures.append(
            {
                **dict(zip(quantiles, qs, strict=True)),
                "min": values.min(),
                "max": values.max(),
                "mean": values.mean(),
                "total": values.sum(),
            }
        )
    return figures


def _failures_by_status(frame: pd.DataFrame, groups: Groups) -> dict[int, dict[int, int]]:
    """{group: {status: count}} over final errors and final 429s (few rows)."""
    failed = frame["outcome"].isin(FAILED_OUTCOMES).to_numpy()
    pairs = np.stack([groups.codes[failed], frame["status"].to_numpy()[failed]], axis=1)
    result: dict[int, dict[int, int]] = {}
    for (group, status), count in zip(*np.unique(pairs, axis=0, return_counts=True), strict=True):
        result.setdefault(int(group), {})[int(status)] = int(count)
    return result


def _nanmean(values: np.ndarray) -> float | None:
    """Mean of the non-NaN values (query metrics exist only for queries); None if none."""
    present = values[~np.isnan(values)]
    return float(present.mean()) if len(present) else None


def _json_clean(value: Any) -> Any:
    """numpy scalars to Python, NaN to None: summary.json must be strict JSON."""
    if isinstance(value, dict):
        return {str(k): _json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
