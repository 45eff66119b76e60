"""RU, requests and 429s per physical partition: where the load landed.

The emulator's ledger (partitions.json) is exact. Other targets only tell us
the partition key range each response came from (`pk_range`), so the table is
then estimated from the rows, a multi-partition query's charge split evenly
over the ranges it names. Rows whose target named no range are left out: a
made-up "unknown" partition would look like one hot partition.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from bench.rundata.run import Run
from bench.rundata.schema import PARTITION_KEY_COLUMN

PARTITION_COLUMNS = ("partition", "ru", "requests", "throttled", "hot_key")

# The ledger's field names; the aliases accept the emulator's snapshot spellings.
_FIELDS = {
    "ru": ("ru", "request_charge", "requestCharge", "charge"),
    "requests": ("requests", "count", "request_count"),
    "throttled": ("throttled", "throttles", "status_429", "429"),
}


def partition_table(run: Run) -> tuple[pd.DataFrame, str]:
    """One row per partition (columns `PARTITION_COLUMNS`), and the source:
    "ledger" (partitions.json) or "responses" (estimated from `pk_range`)."""
    ledger_rows = ledger_partitions(run.ledger, _container_link(run.info))
    if ledger_rows:
        table = pd.DataFrame(ledger_rows, columns=["partition", "ru", "requests", "throttled"])
        source = "ledger"
    else:
        table = _from_responses(run.requests)
        source = "responses"
    table["hot_key"] = table["partition"].map(_hot_keys(run.requests)).astype(object)
    table = table.sort_values("partition", key=_partition_sort_key, ignore_index=True)
    return table[list(PARTITION_COLUMNS)], source


def ledger_partitions(ledger: dict[str, Any] | None, container_link: str) -> list[list[Any]]:
    """[partition id, RU, requests, 429s] rows from partitions.json.

    Accepts the container's own entry (`{"partitions": {...}}`) or the whole
    metrics snapshot (`{"containers": {link: {"partitions": {...}}}}`), and
    partitions as a mapping by id or a list of objects with an `id`.
    """
    if not ledger:
        return []
    entry: Any = ledger
    containers = ledger.get("containers")
    if isinstance(containers, dict) and containers:
        entry = containers.get(container_link) or (
            next(iter(containers.values())) if len(containers) == 1 else {}
        )
    partitions = entry.get("partitions") if isinstance(entry, dict) else None
    if isinstance(partitions, list):
        partitions = {str(p.get("id", i)): p for i, p in enumerate(partitions)}
    if not isinstance(partitions, dict):
        return []
    return [
        [str(pid), _field(values, "ru"), _field(values, "requests"), _field(values, "throttled")]
        for pid, values in partitions.items()
        if isinstance(values, dict) and str(pid)  # "": account/container-level requests
    ]


def _field(values: dict[str, Any], name: str) -> float:
    for alias in _FIELDS[name]:
        if isinstance(values.get(alias), int | float):
            return float(values[alias])
    return 0.0


def _container_link(info: dict[str, Any]) -> str:
    container = info.get("container") or {}
    return f"dbs/{container.get('database', '')}/colls/{container.get('container', '')}"


def _from_responses(frame: pd.DataFrame) -> pd.DataFrame:
    """Aggregate by the (few) distinct pk_range strings first, then split them: cheap
    even for ten million rows."""
    if not len(frame):
        return pd.DataFrame(columns=["partition", "ru", "requests", "throttled"])
    frame = frame[frame["pk_range"] != ""]
    grouped = frame.groupby("pk_range", observed=True).agg(
        ru=("ru", "sum"), requests=("ru", "size"), throttled=("throttled", "sum")
    )
    rows: dict[str, np.ndarray] = {}
    for ranges, values in grouped.iterrows():
        ids = [r for r in str(ranges).split(",") if r]
        share = values.to_numpy(dtype=float) / len(ids)
        share[1] = values["requests"]  # a fan-out query is a request on each range it touched
        for pid in ids:
            rows[pid] = rows.get(pid, 0.0) + share
    return pd.DataFrame(
        [[pid, *totals] for pid, totals in rows.items()],
        columns=["partition", "ru", "requests", "throttled"],
    )


def _hot_keys(frame: pd.DataFrame) -> dict[str, str]:
    """The busiest partition key value per single-range response, when the rows carry keys.

    Counted on category codes (one bincount), never on ten million strings.
    """
    if PARTITION_KEY_COLUMN not in frame.columns or not len(frame):
        return {}
    keys = frame[PARTITION_KEY_COLUMN].astype("category")
    ranges = frame["pk_range"].astype("category")
    n_keys = len(keys.cat.categories)
    pairs = ranges.cat.codes.to_numpy().astype(np.int64) * n_keys + keys.cat.codes.to_numpy()
    counts = np.bincount(pairs, minlength=len(ranges.cat.categories) * n_keys)
    counts = counts.reshape(len(ranges.cat.categories), n_keys)
    if "" in keys.cat.categories:
        counts[:, keys.cat.categories.get_loc("")] = 0
    return {
        str(pk_range): _readable_key(str(keys.cat.categories[row.argmax()]))
        for pk_range, row in zip(ranges.cat.categories, counts, strict=True)
        if row.max() > 0
    }


def _readable_key(recorded: str) -> str:
    """The recorder stores keys as JSON ('"cat-7"', '42', '["a", 1]'); a string key reads
    best without its quotes."""
    try:
        value = json.loads(recorded)
    except json.JSONDecodeError:
        return recorded
    return value if isinstance(value, str) else recorded


def _partition_sort_key(ids: pd.Series) -> pd.Series:
    """Numeric range ids in numeric order ("2" before "10"), others after."""
    return ids.map(lambda pid: (0, int(pid), "") if str(pid).isdigit() else (1, 0, str(pid)))
