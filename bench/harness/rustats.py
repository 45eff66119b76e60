"""Live request-unit statistics per operation, mergeable across processes and machines.

Locust aggregates latency; this does the same for RU. Each process feeds a `RuStats`
from its request events; workers `drain()` the change since their last report into
`report_to_master`, and the master `merge()`s it, so totals and percentiles are exact
in every mode (HdrHistograms merge losslessly)::

    stats = RuStats()
    stats.add(record)
    master_stats.merge(stats.drain())
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from bench.harness.calls import CallRecord
from bench.rundata.outcome import Outcome

SCALE = 100  # RU are recorded in hundredths: 0.01 RU resolution
HIGHEST = 100_000_000  # 1,000,000 RU


def _histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST, 3)


@dataclass
class RuEntry:
    kind: str = ""
    count: int = 0
    total: float = 0.0
    maximum: float = 0.0
    throttled: int = 0  # 429 attempts, including the ones the SDK retried
    conflicts: int = 0
    errors: int = 0
    histogram: HdrHistogram = field(default_factory=_histogram)

    def add(self, record: CallRecord) -> None:
        self.kind = record.kind
        self.count += 1
        self.total += record.ru
        self.maximum = max(self.maximum, record.ru)
        self.throttled += record.throttled
        self.conflicts += record.outcome == Outcome.CONFLICT
        self.errors += record.outcome.failed
        self.histogram.record_value(min(HIGHEST, max(1, round(record.ru * SCALE))))

    def serialize(self) -> dict[str, Any]:
        """msgpack-safe: lists and bytes only."""
        return {
            "kind": self.kind,
            "count": self.count,
            "total": self.total,
            "maximum": self.maximum,
            "throttled": self.throttled,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "histogram": self.histogram.encode(),
        }

    def merge(self, data: dict[str, Any]) -> None:
        self.kind = data["kind"] or self.kind
        self.count += data["count"]
        self.total += data["total"]
        self.maximum = max(self.maximum, data["maximum"])
        self.throttled += data["throttled"]
        self.conflicts += data["conflicts"]
        self.errors += data["errors"]
        self.histogram.decode_and_add(data["histogram"])

    def percentile(self, percent: float) -> float:
        if not self.count:
            return 0.0
        # an HdrHistogram reports a bucket's upper edge: never show more than the maximum
        return min(self.histogram.get_value_at_percentile(percent) / SCALE, self.maximum)


class RuStats:
    """Per-operation RU aggregates of one process (or, on the master, of all workers)."""

    def __init__(self) -> None:
        self.entries: dict[str, RuEntry] = {}
        self.started = time.time()

    def reset(self) -> None:
        self.entries = {}
        self.started = time.time()

    def add(self, record: CallRecord) -> None:
        self._entry(record.operation).add(record)

    def drain(self) -> dict[str, Any]:
        """Everything since the last drain, then start afresh (worker side)."""
        payload = {name: entry.serialize() for name, entry in self.entries.items()}
        self.entries = {}
        return payload

    def merge(self, payload: dict[str, Any]) -> None:
        for name, data in payload.items():
            self._entry(name).merge(data)

    def _entry(self, name: str) -> RuEntry:
        entry = self.entries.get(name)  # not setdefault: a new histogram is costly
        if entry is None:
            entry = self.entries[name] = RuEntry()
        return entry

    def rows(self) -> list[dict[str, Any]]:
        """One dict per operation plus a total row, for the console and the web UI."""
        elapsed = max(time.time() - self.started, 1e-9)
        rows = [self._row(name, entry, elapsed) for name, entry in sorted(self.entries.items())]
        if rows:
            total = sum(entry.total for entry in self.entries.values())
            rows.append(
                {
                    "name": "Aggregated",
                    "kind": "",
                    "count": sum(e.count for e in self.entries.values()),
                    "ru_mean": total / max(1, sum(e.count for e in self.entries.values())),
                    "ru_p95": None,
                    "ru_max": max(e.maximum for e in self.entries.values()),
                    "ru_total": total,
                    "ru_per_s": total / elapsed,
                    "calls_per_s": sum(e.count for e in self.entries.values()) / elapsed,
                    "throttled": sum(e.throttled for e in self.entries.values()),
                    "conflicts": sum(e.conflicts for e in self.entries.values()),
                    "errors": sum(e.errors for e in self.entries.values()),
                }
            )
        return rows

    @staticmethod
    def _row(name: str, entry: RuEntry, elapsed: float) -> dict[str, Any]:
        return {
            "name": name,
            "kind": entry.kind,
            "count": entry.count,
            "ru_mean": entry.total / max(1, entry.count),
            "ru_p95": entry.percentile(95),
            "ru_max": entry.maximum,
            "ru_total": entry.total,
            "ru_per_s": entry.total / elapsed,
            "calls_per_s": entry.count / elapsed,
            "throttled": entry.throttled,
            "conflicts": entry.conflicts,
            "errors": entry.errors,
        }


def format_table(rows: list[dict[str, Any]]) -> list[str]:
    """Console lines in the style of Locust's own stats table."""
    header = (
        f"{'Kind':<12} {'Name':<28} {'# reqs':>7} | {'RU avg':>8} {'RU p95':>8} {'RU max':>8}"
        f" | {'RU total':>10} {'RU/s':>8} | {'429s':>6} {'412s':>6} {'fails':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["name"] == "Aggregated":
            lines.append("-" * len(header))
        p95 = "" if row["ru_p95"] is None else f"{row['ru_p95']:.2f}"
        lines.append(
            f"{row['kind']:<12} {row['name'][:28]:<28} {row['count']:>7} | {row['ru_mean']:>8.2f}"
            f" {p95:>8} {row['ru_max']:>8.2f} | {row['ru_total']:>10.1f} {row['ru_per_s']:>8.1f}"
            f" | {row['throttled']:>6} {row['conflicts']:>6} {row['errors']:>6}"
        )
    return lines
