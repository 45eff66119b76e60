"""Synthetic run directories in the documented format (docs/run-directory.md).

The report tests and the report benchmark need runs of any size without a
load test: this writes parquet parts, run.json, workload.toml and
partitions.json with plausible Cosmos DB figures (constant 1 RU point reads,
fan-out queries, a hot partition that gets throttled).

Example::

    write_synthetic_run(tmp_path / "run", samples=100_000, seed=1)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.rundata.info import RunInfo, write_run_info
from bench.rundata.ledger import PartitionLedger, PartitionTally, write_ledger
from bench.rundata.schema import INDEX_METRICS_COLUMN, PARTITION_KEY_COLUMN, REQUEST_SCHEMA

PART_ROWS = 2_000_000  # rows per parquet part (the recorder writes smaller ones)
STARTED_AT = 1_763_900_000.0


@dataclass(frozen=True)
class SyntheticOperation:
    """One operation of the synthetic workload and the shape of its figures."""

    name: str
    kind: str
    weight: float
    ru: float  # mean charge; point reads use exactly this
    ru_spread: float  # relative standard deviation of the charge (0 = constant)
    latency_ms: float  # median latency
    fan_out: bool = False  # touches every physical partition
    query: str | None = None


DEFAULT_OPERATIONS = (
    SyntheticOperation("point_read", "read", 10, 1.0, 0.0, 3.0),
    SyntheticOperation("upsert_product", "upsert", 3, 6.29, 0.02, 6.0),
    SyntheticOperation(
        "query_by_price",
        "query",
        2,
        10.8,
        0.15,
        12.0,
        fan_out=True,
        query="SELECT * FROM c WHERE c.price < @max",
    ),
    SyntheticOperation(
        "query_by_category",
        "query",
        2,
        3.4,
        0.05,
        5.0,
        query="SELECT * FROM c WHERE c.categoryId = @cat",
    ),
)


DEFAULTS: dict[str, Any] = {
    "timestamp": STARTED_AT,
    "operation": "point_read",
    "kind": "read",
    "latency_ms": 1.0,
    "ru": 1.0,
    "status": 200,
    "substatus": 0,
    "outcome": "ok",
    "bytes": 500,
    "item_count": 1,
    "pk_range": "0",
    "partitions": 1,
    "attempts": 1,
    "throttled": 0,
    "throttle_wait_ms": 0.0,
    "retrieved_docs": np.nan,
    "output_docs": np.nan,
    "index_hit_ratio": np.nan,
    "worker": "test:1",
}


def requests_frame(rows: int, **columns: Any) -> pd.DataFrame:
    """`rows` request rows: the given columns (scalars or arrays), defaults for the rest.

    Example: ``requests_frame(3, latency_ms=[1.0, 2.0, 3.0], operation="query_x")``.
    """
    values = {**DEFAULTS, **columns}
    return pd.DataFrame({name: np.broadcast_to(value, rows) for name, value in values.items()})


def write_run_directory(
    directory: str | Path,
    info: RunInfo,
    parts: Iterator[pd.DataFrame] | Sequence[pd.DataFrame],
    *,
    ledger: PartitionLedger | None = None,
    workload_text: str | None = None,
) -> Path:
    """Write run.json, each frame as one `requests/part-NNNNNN.parquet`, and the optional
    partitions.json and workload.toml: the same layout `rubench run` leaves."""
    directory = Path(directory)
    (directory / "requests").mkdir(parents=True, exist_ok=True)
    write_run_info(directory, info)
    for number, frame in enumerate(parts):
        schema = REQUEST_SCHEMA
        for optional in (PARTITION_KEY_COLUMN, INDEX_METRICS_COLUMN):
            if optional in frame.columns:
                schema = schema.append(pa.field(optional, pa.string()))
        table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
        pq.write_table(table, directory / "requests" / f"part-{number:06d}.parquet")
    if ledger is not None:
        write_ledger(directory, ledger)
    if workload_text is not None:
        (directory / "workload.toml").write_text(workload_text, encoding="utf-8")
    return directory


def make_run(
    directory: str | Path,
    parts: Sequence[pd.DataFrame],
    *,
    ledger: PartitionLedger | dict[str, Any] | None = None,
    **info: Any,
) -> Path:
    """A run directory of the given frames (one part each), for tests with known answers:
    run.json says 60 s, no warm-up, 4,000 RU/s unless `info` changes its fields."""
    document = run_info(
        "known", DEFAULT_OPERATIONS, duration_s=60.0, physical_partitions=1, provisioned_rus=4000
    )
    if isinstance(ledger, dict):
        ledger = PartitionLedger.model_validate(ledger)
    return write_run_directory(directory, document.updated(**info), parts, ledger=ledger)


def spread(rows: int, seconds: float = 60.0) -> np.ndarray:
    """Timestamps spread evenly over the first `seconds` of a synthetic run."""
    return STARTED_AT + np.arange(rows) * (seconds / rows)


def run_info(
    name: str,
    operations: Sequence[SyntheticOperation],
    *,
    duration_s: float,
    physical_partitions: int,
    provisioned_rus: float,
    warmup_s: float = 0.0,
) -> RunInfo:
    """A run.json as the harness writes it for a completed run on the local emulator."""
    throughput = {"mode": "manual", "rus": provisioned_rus}
    return RunInfo.model_validate(
        {
            "name": name,
            "rubench_version": "0.1.0",
            "versions": {"azure-cosmos": "4.17.1", "locust": "2.47.0", "python": "3.11.7"},
            "created_at": STARTED_AT - 1.0,
            "started_at": STARTED_AT,
            "ended_at": STARTED_AT + duration_s,
            "status": "completed",
            "users": 20,
            "spawn_rate": 10,
            "duration_s": duration_s,
            "target": {"kind": "local", "host": "127.0.0.1:8081", "auth": "key"},
            "container": {
                "database": "rubench",
                "container": "products",
                "partition_key": {"paths": ["/categoryId"], "kind": "Hash"},
                "indexing_policy": {"indexingMode": "consistent", "automatic": True},
                "throughput": {**throughput, "source": "target"},
                "workload_throughput": throughput,
                "physical_partitions": physical_partitions,
            },
            "operations": {op.name: {"kind": op.kind, "weight": op.weight} for op in operations},
            "warmup_s": warmup_s,
            "phases": [{"started_at": STARTED_AT, "ended_at": STARTED_AT + duration_s}],
        }
    )


def write_synthetic_run(
    directory: str | Path,
    *,
    samples: int,
    seed: int = 0,
    name: str = "synthetic",
    operations: Sequence[SyntheticOperation] = DEFAULT_OPERATIONS,
    duration_s: float = 60.0,
    physical_partitions: int = 4,
    provisioned_rus: float = 4000.0,
    hot_partition: int | None = 2,
    latency_scale: float = 1.0,
    part_rows: int = PART_ROWS,
) -> Path:
    """A complete run directory with `samples` request rows, generated part by part (text
    columns as dictionary codes, never strings per row) so 100 million rows take minutes
    and never sit in memory at once."""
    rng = np.random.default_rng(seed)
    shape = _Shape(operations, physical_partitions, hot_partition, latency_scale)
    info = run_info(
        name,
        operations,
        duration_s=duration_s,
        physical_partitions=physical_partitions,
        provisioned_rus=provisioned_rus,
    )
    directory = write_run_directory(directory, info, [], workload_text=_workload_toml(operations))
    ledger_totals = np.zeros((physical_partitions, 3))  # ru, requests, 429s
    for number, start in enumerate(range(0, samples, part_rows)):
        size = min(part_rows, samples - start)
        timestamps = STARTED_AT + (start + np.arange(size)) * (duration_s / samples)
        table = shape.part(rng, timestamps, ledger_totals)
        pq.write_table(table, directory / "requests" / f"part-{number:06d}.parquet")
    write_ledger(directory, _ledger(info, ledger_totals))
    return directory


def _ledger(info: RunInfo, totals: np.ndarray) -> PartitionLedger:
    partitions = {
        str(pid): PartitionTally(
            request_charge=float(ru), requests=int(requests), throttled=round(throttled)
        )
        for pid, (ru, requests, throttled) in enumerate(totals)
    }
    return PartitionLedger(
        container=info.container.link,
        request_charge=float(totals[:, 0].sum()),
        requests=int(totals[:, 1].sum()),
        throttled=sum(p.throttled for p in partitions.values()),
        partitions=partitions,
    )


class _Shape:
    """The synthetic workload as arrays indexed by operation, and the text columns'
    dictionaries: a part is a few numpy draws and index lookups."""

    KEYS = 40  # distinct partition key values

    def __init__(
        self,
        operations: Sequence[SyntheticOperation],
        physical_partitions: int,
        hot_partition: int | None,
        latency_scale: float,
    ) -> None:
        weights = np.array([op.weight for op in operations], dtype=float)
        self.op_cumulative = np.cumsum(weights / weights.sum())
        self.ru = np.array([op.ru for op in operations])
        self.ru_spread = np.array([op.ru_spread for op in operations])
        self.latency = np.array([op.latency_ms for op in operations]) * latency_scale
        self.fan_out = np.array([op.fan_out for op in operations])
        self.is_query = np.array([op.kind == "query" for op in operations])
        self.names = pa.array([op.name for op in operations])
        self.kinds = pa.array([op.kind for op in operations])
        self.partitions = physical_partitions
        self.hot = hot_partition
        partition_weights = np.ones(physical_partitions)
        if hot_partition is not None:
            partition_weights[hot_partition] = 3.0
        self.partition_cumulative = np.cumsum(partition_weights / partition_weights.sum())
        self.throttle_p = np.full(physical_partitions, 0.002)
        if hot_partition is not None:
            self.throttle_p[hot_partition] = 0.12
        every_range = ",".join(str(p) for p in range(physical_partitions))
        self.ranges = pa.array([*(str(p) for p in range(physical_partitions)), every_range])
        self.keys = pa.array([*(f"cat-{k}" for k in range(self.KEYS)), ""])
        self.outcomes = pa.array(["ok", "error", "throttled"])

    def part(
        self, rng: np.random.Generator, timestamps: np.ndarray, ledger_totals: np.ndarray
    ) -> pa.Table:
        """One part's rows; adds each partition's RU, requests and 429s to `ledger_totals`
        (a fan-out call charged evenly to every range)."""
        size = len(timestamps)
        op = np.searchsorted(self.op_cumulative, rng.random(size), side="right")
        op = np.minimum(op, len(self.ru) - 1)
        partition = np.minimum(
            np.searchsorted(self.partition_cumulative, rng.random(size), side="right"),
            self.partitions - 1,
        )
        fan_out, is_query = self.fan_out[op], self.is_query[op]
        throttled = (rng.random(size) < self.throttle_p[partition]).astype(np.int32)
        final_429 = throttled.astype(bool) & (rng.random(size) < 0.1)
        server_error = ~final_429 & (rng.random(size) < 0.001)
        spread = np.maximum(0.2, 1 + self.ru_spread[op] * rng.standard_normal(size))
        ru = np.round(self.ru[op] * spread, 2)
        key = np.where(partition == self.hot, 7, rng.integers(0, self.KEYS, size))
        _add_to_ledger(ledger_totals, partition, fan_out, ru, throttled)
        no_metric = np.where(is_query, 0.0, np.nan)
        return pa.table(
            {
                "timestamp": timestamps,
                "operation": _codes(op, self.names),
                "kind": _codes(op, self.kinds),
                "latency_ms": self.latency[op] * rng.lognormal(0.0, 0.35, size) + throttled * 15.0,
                "ru": ru,
                "status": np.where(final_429, 429, np.where(server_error, 503, 200)).astype(
                    np.int32
                ),
                "substatus": np.where(final_429, 3200, 0).astype(np.int32),
                "outcome": _codes(np.where(final_429, 2, server_error.astype(int)), self.outcomes),
                "bytes": rng.integers(200, 2000, size) * np.where(is_query, 10, 1),
                "item_count": np.where(is_query, 10, 1).astype(np.int32),
                "pk_range": _codes(np.where(fan_out, self.partitions, partition), self.ranges),
                "partitions": np.where(fan_out, self.partitions, 1).astype(np.int32),
                "attempts": (1 + throttled).astype(np.int32),
                "throttled": throttled,
                "throttle_wait_ms": throttled * 15.0,
                "retrieved_docs": _nullable(no_metric + np.where(fan_out, 400.0, 10.0)),
                "output_docs": _nullable(no_metric + 10.0),
                "index_hit_ratio": _nullable(no_metric + np.where(fan_out, 0.025, 1.0)),
                "worker": _codes(np.zeros(size, np.int32), pa.array(["synthetic:1"])),
                PARTITION_KEY_COLUMN: _codes(np.where(fan_out, self.KEYS, key), self.keys),
            }
        )


def _nullable(values: np.ndarray) -> pa.Array:
    """NaN as null, as the recorder writes a call without query metrics."""
    return pa.array(values, from_pandas=True)


def _codes(indices: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)


def _add_to_ledger(
    totals: np.ndarray,
    partition: np.ndarray,
    fan_out: np.ndarray,
    ru: np.ndarray,
    throttled: np.ndarray,
) -> None:
    single = ~fan_out
    n = len(totals)
    totals[:, 0] += np.bincount(partition[single], weights=ru[single], minlength=n)
    totals[:, 1] += np.bincount(partition[single], minlength=n)
    totals[:, 2] += np.bincount(partition[single], weights=throttled[single], minlength=n)
    totals[:, 0] += ru[fan_out].sum() / n
    totals[:, 1] += np.count_nonzero(fan_out)
    totals[:, 2] += throttled[fan_out].sum() / n


def _workload_toml(operations: Sequence[SyntheticOperation]) -> str:
    lines = ['name = "synthetic"', ""]
    for op in operations:
        lines += [f"[operations.{op.name}]", f'kind = "{op.kind}"', f"weight = {op.weight}"]
        if op.query:
            lines.append(f"query = {json.dumps(op.query)}")
        lines.append("")
    return "\n".join(lines)
