"""RU, requests and 429s per physical partition: where the load landed.

The emulator's ledger (partitions.json) is exact. Other targets only tell us
the partition key range each response came from (`pk_range`), so the table is
then estimated from the rows, a multi-partition call's charge and 429s split
evenly over the ranges it names. Rows whose target named no range are left
out: a made-up "unknown" partition would look like one hot partition.
"""

from __future__ import annotations

import json

from bench.rundata.engine import Rows
from bench.rundata.figures import PartitionRow, Partitions
from bench.rundata.ledger import PartitionLedger
from bench.rundata.schema import PARTITION_KEY_COLUMN


def partition_figures(rows: Rows, ledger: PartitionLedger | None) -> Partitions:
    """The ledger's partitions when there is one, else estimated from the window's calls."""
    hot_keys = _hot_keys(rows)
    if ledger is not None and ledger.physical_partitions:
        tallies = {
            pid: (t.request_charge, t.requests, float(t.throttled))
            for pid, t in ledger.physical_partitions.items()
        }
        source = "ledger"
    else:
        tallies = _from_responses(rows)
        source = "responses"
    return Partitions(
        source=source,
        rows=tuple(
            PartitionRow(
                partition=pid,
                ru=ru,
                requests=requests,
                throttled=throttled,
                hot_key=hot_keys.get(pid),
            )
            for pid, (ru, requests, throttled) in sorted(tallies.items(), key=_numeric_first)
        ),
    )


def _from_responses(rows: Rows) -> dict[str, tuple[float, int, float]]:
    """Summed by the (few) distinct pk_range strings first, then split over their ranges:
    a fan-out call is a request on each range it touched."""
    totals: dict[str, tuple[float, int, float]] = {}
    for ranges, ru, requests, throttled in rows.query(
        "SELECT pk_range, sum(ru), count(*), sum(throttled)::DOUBLE FROM calls "
        "WHERE pk_range <> '' GROUP BY pk_range"
    ):
        ids = [r for r in str(ranges).split(",") if r]
        for pid in ids:
            before = totals.get(pid, (0.0, 0, 0.0))
            totals[pid] = (
                before[0] + ru / len(ids),
                before[1] + int(requests),
                before[2] + throttled / len(ids),
            )
    return totals


def _hot_keys(rows: Rows) -> dict[str, str]:
    """The busiest partition key value per single-range response, when rows carry keys."""
    found = rows.query(
        "SELECT pk_range, first(key ORDER BY n DESC, key) FROM "
        f"(SELECT pk_range, {PARTITION_KEY_COLUMN} AS key, count(*) AS n FROM calls "
        f"WHERE {PARTITION_KEY_COLUMN} <> '' AND pk_range <> '' "
        "GROUP BY ALL) GROUP BY pk_range"
    )
    return {str(pk_range): _readable_key(str(key)) for pk_range, key in found}


def _readable_key(recorded: str) -> str:
    """The recorder stores keys as JSON ('"cat-7"', '42', '["a", 1]'); a string key reads
    best without its quotes."""
    try:
        value = json.loads(recorded)
    except json.JSONDecodeError:
        return recorded
    return value if isinstance(value, str) else recorded


def _numeric_first(item: tuple[str, object]) -> tuple[int, int, str]:
    """Numeric range ids in numeric order ("2" before "10"), others after."""
    pid = item[0]
    return (0, int(pid), "") if pid.isdigit() else (1, 0, pid)
