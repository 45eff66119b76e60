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

from bench.errors import RubenchError
from bench.files import write_output
from bench.formatting import duration, number
from bench.pages import render_page
from bench.report import charts
from bench.report.charts import ChartRun, operation_order
from bench.report.comparison import FIGURES, compare_runs
from bench.report.findings import changed_findings, run_findings
from bench.report.trust import tail_is_thin, trust_warnings
from bench.rundata import Run, load_run
from bench.rundata.summary import LATENCY_QUANTILES, SUMMARY_SCHEMA, save_summary, summarize

REPORT_NAME = "report.html"
SECRET_FIELDS = ("key", "token", "secret", "password", "signature", "connection_string")


def write_run_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the run report (default `RUN_DIR/report.html`) and return its path."""
    item = chart_run(load_run(run_dir), 0)
    path = Path(out) if out else item.run.directory / REPORT_NAME
    return write_output(path, render_page("run.html.j2", **run_context(item)))


def write_comparison_report(run_dirs: Sequence[str | Path], out: str | Path) -> Path:
    """Write a comparison of runs (the first is the baseline) to `out`."""
    if len(run_dirs) < 2:
        raise RubenchError("a comparison needs at least two run directories")
    items = [chart_run(load_run(d), i) for i, d in enumerate(run_dirs)]
    html = render_page("comparison.html.j2", **comparison_context(items))
    return write_output(Path(out), html)


def chart_run(run: Run, index: int) -> ChartRun:
    """A run with its summary: summary.json when it is current, else computed and saved
    (so `rubench report` also refreshes a missing or stale summary.json)."""
    summary = _current_summary(run)
    if summary is None:
        summary = summarize(run)
        save_summary(run.directory, summary)
    return ChartRun(run.label, run, summary, index)


def run_context(item: ChartRun) -> dict[str, Any]:
    run, summary = item.run, item.summary
    order = operation_order([item])
    return {
        "title": f"rubench report: {run.name}",
        "run": run,
        "summary": summary,
        "description": describe_run(run),
        "mix": operation_mix(run, summary),
        "warnings": trust_warnings(run, summary),
        "findings": run_findings(summary),
        "rows": [operation_row(name, summary["operations"][name]) for name in order],
        "totals": operation_row("all operations", summary["totals"]),
        "partition_rows": summary["partitions"]["rows"],
        "partition_source": _partition_source(summary),
        "charts": _charts([item]),
        "workload_text": run.workload_text,
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
        "warnings": {item.label: trust_warnings(item.run, item.summary) for item in items},
        "changes": changes,
        "charts": _charts(items),
    }


def describe_run(run: Run) -> list[tuple[str, str]]:
    """What ran, as label/value pairs; never a key or token."""
    info = run.info
    target = info.get("target") or {}
    container = info.get("container") or {}
    key = container.get("partition_key") or {}
    throughput = container.get("throughput") or {}
    started = info.get("started_at")
    users = (
        f"{info.get('users', '?')} (spawn rate {info.get('spawn_rate', '?')}/s, "
        f"{info.get('processes', 1)} process(es))"
    )
    endpoint = (
        f"{target.get('kind', 'unknown')} at {safe_host(str(target.get('host', '')))} "
        f"(auth: {target.get('auth', 'unknown')})"
    )
    versions = {"rubench": info.get("rubench_version", "?"), **(info.get("versions") or {})}
    return [
        ("workload", run.name),
        ("status", str(info.get("status", "unknown"))),
        ("started", _utc(started) if isinstance(started, int | float) else "unknown"),
        ("duration", duration(info.get("duration_s"))),
        ("warm-up left out", duration(run.warmup_s)),
        ("users", users),
        ("target", endpoint),
        # Reads and queries cost 2x at Strong/BoundedStaleness; known when rubench set it (local).
        ("account consistency", str(target.get("consistency") or "unknown")),
        ("container", f"{container.get('database', '?')}/{container.get('container', '?')}"),
        ("partition key", f"{', '.join(key.get('paths') or []) or '?'} ({key.get('kind', '?')})"),
        ("indexing policy", _indexing_policy(container.get("indexing_policy"))),
        ("throughput", _throughput(throughput)),
        ("physical partitions", str(container.get("physical_partitions") or "unknown")),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items())),
    ]


def operation_mix(run: Run, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The declared operations with their weight share and the details (query text...)."""
    declared = run.info.get("operations") or {}
    total_weight = sum(float(op.get("weight") or 0) for op in declared.values()) or 1.0
    total_calls = (summary.get("totals") or {}).get("count") or 0
    mix = []
    for name, op in declared.items():
        calls = (summary["operations"].get(name) or {}).get("count", 0)
        details = {k: v for k, v in redact(op).items() if k not in ("kind", "weight")}
        mix.append(
            {
                "name": name,
                "kind": op.get("kind", ""),
                "weight": op.get("weight", ""),
                "weight_share": float(op.get("weight") or 0) / total_weight,
                "call_share": calls / total_calls if total_calls else 0.0,
                "details": [
                    (k, v if isinstance(v, str) else json.dumps(v)) for k, v in details.items()
                ],
            }
        )
    return mix


# Non-2xx answers the workload expects (docs/run-directory.md): not errors, but worth seeing.
EXPECTED_OUTCOMES = {"conflict": "If-Match conflicts (412)", "not_found": "expected misses (404)"}


def operation_row(name: str, stats: dict[str, Any]) -> dict[str, Any]:
    """A per-operation table row; percentiles with a thin tail are flagged."""
    count = stats.get("count") or 0
    return {
        "name": name,
        "stats": stats,
        "thin": {q for q, value in LATENCY_QUANTILES.items() if tail_is_thin(count, value)},
        "errors": [
            (("no response" if status == "0" else status), figures["rate"])
            for status, figures in (stats.get("errors_by_status") or {}).items()
        ],
        "expected": [
            (label, (stats.get("outcomes") or {}).get(outcome))
            for outcome, label in EXPECTED_OUTCOMES.items()
            if (stats.get("outcomes") or {}).get(outcome)
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


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop fields whose names say they hold a credential."""
    return {
        k: v
        for k, v in values.items()
        if not any(s in k.lower() for s in SECRET_FIELDS) or k == "partition_key"
    }


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


def _partition_source(summary: dict[str, Any]) -> str:
    if summary["partitions"]["source"] == "ledger":
        return "the emulator's ledger (partitions.json)"
    return "estimated from the partition key range of each response"


def _indexing_policy(policy: Any) -> str:
    """The policy as sent; none sent means the service default, which indexes every path."""
    if not policy:
        return "service default (every path indexed)"
    return json.dumps(policy, sort_keys=True)


def _throughput(throughput: dict[str, Any]) -> str:
    mode = throughput.get("mode", "unknown")
    if mode == "serverless" or not throughput.get("rus"):
        return str(mode)
    return f"{mode}, {number(throughput['rus'])} RU/s"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _current_summary(run: Run) -> dict[str, Any] | None:
    """summary.json if it is at least as new as run.json and every part, else None."""
    path = run.directory / "summary.json"
    if not path.exists():
        return None
    inputs = [run.directory / "run.json", *run.directory.glob("requests/part-*.parquet")]
    if any(p.stat().st_mtime > path.stat().st_mtime for p in inputs if p.exists()):
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return summary if summary.get("schema") == SUMMARY_SCHEMA else None
