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
from bench.rundata.schema import PARTITION_KEY_COLUMN, REQUEST_SCHEMA

PART_ROWS = 50_000
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
        if PARTITION_KEY_COLUMN in frame.columns:
            schema = schema.append(pa.field(PARTITION_KEY_COLUMN, pa.string()))
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
    """A complete run directory with `samples` request rows, generated part by part so
    ten million rows never sit in memory at once."""
    rng = np.random.default_rng(seed)
    ledger_totals = np.zeros((physical_partitions, 3))  # ru, requests, 429s

    def parts() -> Iterator[pd.DataFrame]:
        sizes = [part_rows] * (samples // part_rows) + (
            [samples % part_rows] if samples % part_rows else []
        )
        starts = np.cumsum([0, *sizes])
        for start, size in zip(starts, sizes, strict=False):
            frame = _generate_part(
                rng, size, operations, physical_partitions, hot_partition, latency_scale
            )
            frame["timestamp"] = STARTED_AT + (start + np.arange(size)) * (duration_s / samples)
            _add_to_ledger(ledger_totals, frame)
            yield frame

    info = run_info(
        name,
        operations,
        duration_s=duration_s,
        physical_partitions=physical_partitions,
        provisioned_rus=provisioned_rus,
    )
    directory = write_run_directory(
        directory, info, parts(), workload_text=_workload_toml(operations)
    )
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


def _generate_part(
    rng: np.random.Generator,
    size: int,
    operations: Sequence[SyntheticOperation],
    physical_partitions: int,
    hot_partition: int | None,
    latency_scale: float,
) -> pd.DataFrame:
    weights = np.array([op.weight for op in operations], dtype=float)
    op_index = rng.choice(len(operations), size=size, p=weights / weights.sum())
    ru_mean = np.array([op.ru for op in operations])[op_index]
    ru_spread = np.array([op.ru_spread for op in operations])[op_index]
    fan_out = np.array([op.fan_out for op in operations])[op_index]
    latency = np.array([op.latency_ms for op in operations])[op_index] * latency_scale

    partition_weights = np.ones(physical_partitions)
    if hot_partition is not None:
        partition_weights[hot_partition] = 3.0
    partition = rng.choice(
        physical_partitions, size=size, p=partition_weights / partition_weights.sum()
    )
    throttle_p = np.where(partition == hot_partition, 0.12, 0.002)
    throttled = (rng.random(size) < throttle_p).astype(np.int32)
    final_429 = throttled.astype(bool) & (rng.random(size) < 0.1)
    server_error = rng.random(size) < 0.001

    all_ranges = ",".join(str(p) for p in range(physical_partitions))
    pk_range = np.where(fan_out, all_ranges, partition.astype(str))
    key_number = np.where(partition == hot_partition, 7, rng.integers(0, 40, size))
    is_query = np.array([op.kind == "query" for op in operations])[op_index]
    status = np.where(final_429, 429, np.where(server_error, 503, 200)).astype(np.int32)
    outcome = np.where(final_429, "throttled", np.where(server_error, "error", "ok"))
    ru = np.round(ru_mean * np.maximum(0.2, 1 + ru_spread * rng.standard_normal(size)), 2)
    return pd.DataFrame(
        {
            "operation": pd.Categorical.from_codes(op_index, [op.name for op in operations]),
            "kind": np.array([op.kind for op in operations])[op_index],
            "latency_ms": latency * rng.lognormal(0.0, 0.35, size) + throttled * 15.0,
            "ru": ru,
            "status": status,
            "substatus": np.where(final_429, 3200, 0).astype(np.int32),
            "outcome": outcome,
            "bytes": rng.integers(200, 2000, size) * np.where(is_query, 10, 1),
            "item_count": np.where(is_query, 10, 1).astype(np.int32),
            "pk_range": pk_range,
            "partitions": np.where(fan_out, physical_partitions, 1).astype(np.int32),
            "attempts": (1 + throttled).astype(np.int32),
            "throttled": throttled,
            "throttle_wait_ms": throttled * 15.0,
            "retrieved_docs": np.where(is_query, np.where(fan_out, 400.0, 10.0), np.nan),
            "output_docs": np.where(is_query, 10.0, np.nan),
            "index_hit_ratio": np.where(is_query, np.where(fan_out, 0.025, 1.0), np.nan),
            "worker": "synthetic:1",
            PARTITION_KEY_COLUMN: np.where(
                fan_out, "", np.char.add("cat-", key_number.astype(str))
            ),
        }
    )


def _add_to_ledger(totals: np.ndarray, frame: pd.DataFrame) -> None:
    """Per-partition RU, requests and 429s, a fan-out call charged evenly to each range."""
    for ranges, group in frame.groupby("pk_range", observed=True):
        ids = [int(r) for r in str(ranges).split(",")]
        totals[ids, 0] += group["ru"].sum() / len(ids)
        totals[ids, 1] += len(group)
        totals[ids, 2] += group["throttled"].sum() / len(ids)


def _workload_toml(operations: Sequence[SyntheticOperation]) -> str:
    lines = ['name = "synthetic"', ""]
    for op in operations:
        lines += [f"[operations.{op.name}]", f'kind = "{op.kind}"', f"weight = {op.weight}"]
        if op.query:
            lines.append(f"query = {json.dumps(op.query)}")
        lines.append("")
    return "\n".join(lines)
