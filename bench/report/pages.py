"""Building and writing the HTML pages: one run, or a comparison against a baseline.

The page is one self-contained file: inline CSS, inline SVG, no script, and a
Content-Security-Policy that forbids loading or running anything else.
Everything from run.json, the workload or the rows is escaped by jinja2's
autoescape (and by `bench.report.svg` inside charts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import bench.report.charts as charts
from bench.errors import RubenchError
from bench.files import write_output
from bench.formatting import duration, number
from bench.pages import render_page
from bench.report.charts import ChartRun, chart_runs, operation_order
from bench.report.comparison import FIGURES, compare_runs
from bench.report.findings import changed_findings, ru_shares, run_findings
from bench.report.indexes import INDEX_NOTE, index_rows
from bench.report.trust import client_warnings, tail_is_thin, trust_warnings
from bench.rundata import OperationStats, Outcome, Run, RunSummary, load_run
from bench.rundata.figures import LATENCY_QUANTILES
from bench.rundata.info import Throughput

REPORT_NAME = "report.html"


def write_run_report(run: str | Path | Run, out: str | Path | None = None) -> Path:
    """Write the run report (default `RUN_DIR/report.html`) and return its path. A loaded
    `Run` is used as it is; a directory is loaded (its summary.json computed if stale)."""
    run = run if isinstance(run, Run) else load_run(run)
    path = Path(out) if out else run.directory / REPORT_NAME
    return write_output(path, render_page("run.html.j2", **run_context(run)))


def write_comparison_report(runs: Sequence[str | Path | Run], out: str | Path) -> Path:
    """Write a comparison of runs (the first is the baseline) to `out`."""
    if len(runs) < 2:
        raise RubenchError("a comparison needs at least two run directories")
    loaded = [run if isinstance(run, Run) else load_run(run) for run in runs]
    html = render_page("comparison.html.j2", **comparison_context(chart_runs(loaded)))
    return write_output(Path(out), html)


def run_context(run: Run) -> dict[str, Any]:
    items = chart_runs([run])
    summary = run.summary
    shares = ru_shares(summary)
    totals = summary.totals
    return {
        "title": f"rubench report: {run.name}",
        "run": run,
        "summary": summary,
        "description": describe_run(run),
        "mix": operation_mix(run),
        "warnings": trust_warnings(run),
        "findings": run_findings(summary),
        "rows": [
            operation_row(name, summary.operations[name], shares[name])
            for name in operation_order(items)
        ],
        "totals": operation_row("all operations", totals, 1.0) if totals else None,
        "partition_rows": summary.partitions.rows,
        "partition_source": _partition_source(summary),
        "charts": _charts(items),
        "workload_text": run.workload_text,
        "index_rows": index_rows(run),
        "index_note": INDEX_NOTE,
    }


def comparison_context(items: Sequence[ChartRun]) -> dict[str, Any]:
    baseline, candidates = items[0], items[1:]
    order = operation_order(items)
    comparisons = {c.label: compare_runs(baseline.run, c.run) for c in candidates}
    base_findings = run_findings(baseline.summary)
    changes = {}
    for candidate in candidates:
        quiet = {
            op
            for op, comp in comparisons[candidate.label].items()
            if comp.verdict == "within noise"
        }
        changes[candidate.label] = changed_findings(
            base_findings, run_findings(candidate.summary), quiet
        )
    return {
        "title": f"rubench comparison: {baseline.run.name} vs "
        + ", ".join(c.run.name for c in candidates),
        "items": items,
        "baseline": baseline,
        "candidates": candidates,
        "order": order,
        "comparisons": comparisons,
        "figures": FIGURES,
        "units": {figure.label: figure.unit for figure in FIGURES},
        "design_rows": _design_rows(items),
        "warnings": {
            item.label: trust_warnings(item.run) + client_warnings(baseline.run, item.run)
            for item in items
        },
        "changes": changes,
        "charts": _charts(items),
        "index_rows": sorted(
            (row for item in items for row in index_rows(item.run)), key=lambda r: r.operation
        ),
        "index_note": INDEX_NOTE,
    }


def describe_run(run: Run) -> list[tuple[str, str]]:
    """What ran, as label/value pairs; never a key or token."""
    info = run.info
    target, container = info.target, info.container
    key = container.partition_key
    users = (
        f"{_known(info.users)} (spawn rate {_known(info.spawn_rate)}/s, "
        f"{info.processes} process(es))"
    )
    endpoint = f"{target.kind or 'unknown'} at {safe_host(target.host)} (auth: {target.auth})"
    versions = {"rubench": info.rubench_version, **info.versions}
    return [
        ("workload", run.name),
        ("status", info.status),
        ("started", _utc(info.started_at) if info.started_at is not None else "unknown"),
        ("duration", duration(info.duration_s)),
        ("warm-up left out", duration(info.warmup_s)),
        ("users", users),
        ("target", endpoint),
        ("client", f"figures by {info.client.describe()}"),
        # Reads and queries cost 2x at Strong/BoundedStaleness; known when rubench set it (local).
        ("account consistency", target.consistency or "unknown"),
        ("container", f"{container.database}/{container.container}"),
        ("partition key", f"{', '.join(key.paths) or '?'} ({key.kind})"),
        ("indexing policy", _indexing_policy(container.indexing_policy)),
        ("throughput", _throughput(container.throughput)),
        ("physical partitions", str(container.physical_partitions or "unknown")),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items())),
    ]


def operation_mix(run: Run) -> list[dict[str, Any]]:
    """The declared operations with their weight share and their share of the calls."""
    declared = run.info.operations
    operations = run.summary.operations
    total_weight = sum(op.weight for op in declared.values()) or 1.0
    total_calls = run.summary.rows.operations
    return [
        {
            "name": name,
            "kind": op.kind,
            "weight": op.weight,
            "weight_share": op.weight / total_weight,
            "call_share": operations[name].count / total_calls if name in operations else 0.0,
        }
        for name, op in declared.items()
    ]


# Non-2xx answers the workload expects (docs/run-directory.md): not errors, but worth seeing.
EXPECTED_OUTCOMES = {
    Outcome.CONFLICT: "If-Match conflicts (412)",
    Outcome.NOT_FOUND: "expected misses (404)",
}


def operation_row(name: str, stats: OperationStats, ru_share: float) -> dict[str, Any]:
    """A per-operation table row; percentiles with a thin tail are flagged."""
    return {
        "name": name,
        "stats": stats,
        "ru_share": ru_share,
        "thin": {q for q, value in LATENCY_QUANTILES.items() if tail_is_thin(stats.count, value)},
        "errors": [
            ("no response" if status == 0 else str(status), count / stats.count)
            for status, count in stats.failures_by_status.items()
        ],
        "expected": [
            (label, stats.outcomes[outcome])
            for outcome, label in EXPECTED_OUTCOMES.items()
            if stats.outcomes.get(outcome)
        ],
    }


def safe_host(host: str) -> str:
    """host[:port] only: no scheme, credentials, path or query string."""
    if "://" not in host:
        host = "//" + host
    parts = urlsplit(host)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "unknown") + (f":{port}" if port else "")


def _charts(items: Sequence[ChartRun]) -> dict[str, Any]:
    ru_per_partition, throttles_per_partition = charts.partition_charts(items)
    return {
        "latency": charts.latency_chart(items),
        "ru": charts.ru_chart(items),
        "throughput": charts.throughput_chart(items),
        "ru_rate": charts.ru_rate_chart(items),
        "failures": charts.failures_chart(items),
        "partition_ru": ru_per_partition,
        "partition_429": throttles_per_partition,
    }


def _design_rows(items: Sequence[ChartRun]) -> list[dict[str, Any]]:
    """The description of every run side by side; rows that differ are marked."""
    described = [dict(describe_run(item.run)) for item in items]
    rows = []
    for label in described[0]:
        values = [d.get(label, "") for d in described]
        rows.append({"label": label, "cells": values, "differs": len(set(values)) > 1})
    return rows


def _partition_source(summary: RunSummary) -> str:
    if summary.partitions.source == "ledger":
        return "the emulator's ledger (partitions.json)"
    return "estimated from the partition key range of each response"


def _indexing_policy(policy: Any) -> str:
    """The policy as sent; none sent means the service default, which indexes every path."""
    if not policy:
        return "service default (every path indexed)"
    return json.dumps(policy, sort_keys=True)


def _throughput(throughput: Throughput) -> str:
    if throughput.mode == "serverless" or not throughput.rus:
        return throughput.mode
    return f"{throughput.mode}, {number(throughput.rus)} RU/s"


def _known(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
