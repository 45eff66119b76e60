"""Index use in the emulator's query engine: an equality filter on an indexed path vs the
same filter on a path the indexing policy excludes, over 100,000 items.

Two levels, printed side by side: the engine alone (`bench.emulator.query.execute`
over in-memory partitions, which also times index inserts, the write path's
share), and end to end through the sync azure-cosmos SDK against a
`LocalEmulator` process (cross-partition queries, as a load test sends them).
Aim: the indexed query under 5 ms in the emulator and at least 50x faster
than the scan::

    python -m bench.perf.query [--items 100000] [--seconds 3] [--engine-only]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.emulator.costs import query_charge
from bench.emulator.query import PartitionIndex, execute

PARTITIONS = 4
ITEMS_PER_LOGICAL_PARTITION = 100  # also the transactional batch size used to load the emulator
POLICY = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": "/*"}],
    "excludedPaths": [{"path": '/"_etag"/?'}, {"path": "/codeCopy/?"}],
}
QUERIES = {
    "indexed": "SELECT * FROM c WHERE c.code = @code",
    "excluded (scan)": "SELECT * FROM c WHERE c.codeCopy = @code",
}


def item(i: int) -> dict[str, Any]:
    """A ~300-byte item; `code` and `codeCopy` hold the same unique value."""
    return {
        "id": f"item-{i:06d}",
        "pk": f"p{i // ITEMS_PER_LOGICAL_PARTITION}",
        "code": f"c{i}",
        "codeCopy": f"c{i}",
        "n": i,
        "category": f"cat{i % 50}",
        "tags": ["alpha", "beta"],
        "payload": "x" * 160,
    }


@dataclass
class Figures:
    level: str
    query: str
    latencies_ms: list[float] = field(default_factory=list)
    charge: float = 0.0
    loaded: int = 0
    engine_ms: list[float] = field(default_factory=list)  # the engine's own execution time

    @property
    def per_second(self) -> float:
        return 1000 / statistics.fmean(self.latencies_ms)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def repeat(run_once: Callable[[int], Any], seconds: float, figures: Figures, items: int) -> None:
    """Call `run_once(i)` with varying item numbers until `seconds` pass (at least 3 times),
    after one untimed call that warms caches (parsed query, document sizes)."""
    run_once(items - 1)
    figures.latencies_ms.clear()
    figures.engine_ms.clear()
    deadline = time.perf_counter() + seconds
    i = 0
    while i < 3 or time.perf_counter() < deadline:
        started = time.perf_counter()
        run_once((i * 7919) % items)
        figures.latencies_ms.append((time.perf_counter() - started) * 1000)
        i += 1


# -- the engine alone ------------------------------------------------------------------------
@dataclass
class MemoryPartition:
    id: str
    index: PartitionIndex
    documents: dict[Any, dict] = field(default_factory=dict)


def engine_figures(items: int, seconds: float) -> tuple[list[Figures], float]:
    partitions = [
        MemoryPartition(str(i), PartitionIndex(POLICY, ["/pk"])) for i in range(PARTITIONS)
    ]
    started = time.perf_counter()
    for i in range(items):
        document = item(i)
        partition = partitions[hash(document["pk"]) % PARTITIONS]
        key = (document["pk"], document["id"])
        partition.documents[key] = document
        partition.index.insert(key, document)
    insert_us = (time.perf_counter() - started) / items * 1e6
    results = []
    for name, query in QUERIES.items():
        figures = Figures("engine", name)

        def run_once(i: int, query: str = query, figures: Figures = figures) -> None:
            result = execute(
                query,
                [{"name": "@code", "value": f"c{i}"}],
                partitions,
                partition_key_paths=["/pk"],
            )
            assert len(result.documents) == 1
            figures.charge = query_charge(result.metrics)
            figures.loaded = result.metrics.retrieved_document_count
            figures.engine_ms.append(result.metrics.timings_ms["totalExecutionTimeInMs"])

        repeat(run_once, seconds, figures, items)
        results.append(figures)
    return results, insert_us


# -- end to end through the SDK --------------------------------------------------------------
def emulator_figures(items: int, seconds: float) -> tuple[list[Figures], float]:
    from azure.cosmos import CosmosClient, PartitionKey

    from bench.emulator import LocalEmulator

    results = []
    with LocalEmulator(port=0, partitions=PARTITIONS) as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key)
        container = client.create_database("perf").create_container(
            "items", PartitionKey("/pk"), indexing_policy=POLICY
        )
        started = time.perf_counter()
        for first in range(0, items, ITEMS_PER_LOGICAL_PARTITION):
            batch = [item(i) for i in range(first, min(items, first + ITEMS_PER_LOGICAL_PARTITION))]
            container.execute_item_batch([("create", (d,)) for d in batch], batch[0]["pk"])
        load_seconds = time.perf_counter() - started
        for name, query in QUERIES.items():
            figures = Figures("emulator (SDK)", name)

            def run_once(i: int, query: str = query, figures: Figures = figures) -> None:
                found = container.query_items(
                    query,
                    parameters=[{"name": "@code", "value": f"c{i}"}],
                    enable_cross_partition_query=True,
                    populate_query_metrics=True,
                )
                assert len(list(found)) == 1
                headers = container.client_connection.last_response_headers
                figures.charge = float(headers["x-ms-request-charge"])
                metrics = dict(
                    p.split("=") for p in headers["x-ms-documentdb-query-metrics"].split(";")
                )
                figures.loaded = int(metrics["retrievedDocumentCount"])
                figures.engine_ms.append(float(metrics["totalExecutionTimeInMs"]))

            repeat(run_once, seconds, figures, items)
            results.append(figures)
        floor = Figures("emulator (SDK)", "point read")

        def read_once(i: int) -> None:
            document = item(i)
            container.read_item(document["id"], document["pk"])
            floor.charge = float(
                container.client_connection.last_response_headers["x-ms-request-charge"]
            )
            floor.loaded = 1

        repeat(read_once, seconds, floor, items)
        results.append(floor)
    return results, load_seconds


def print_table(rows: list[Figures]) -> None:
    header = (
        f"{'level':<16}{'query':<17}{'queries/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'engine ms':>11}{'RU':>9}{'loaded':>8}{'runs':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        engine = f"{statistics.median(row.engine_ms):.3f}" if row.engine_ms else "-"
        print(
            f"{row.level:<16}{row.query:<17}{row.per_second:>10.1f}{row.percentile(0.5):>9.3f}"
            f"{row.percentile(0.95):>9.3f}{engine:>11}{row.charge:>9.2f}{row.loaded:>8}"
            f"{len(row.latencies_ms):>6}"
        )
    print()
    for level in dict.fromkeys(r.level for r in rows):
        by_query = {r.query: r for r in rows if r.level == level}
        indexed, scan = by_query["indexed"], by_query["excluded (scan)"]
        ratio = scan.percentile(0.5) / indexed.percentile(0.5)
        print(
            f"{level}: indexed p50 {indexed.percentile(0.5):.3f} ms, {ratio:,.0f}x faster than "
            "the scan (aim: < 5 ms and >= 50x)"
        )
    print("'engine ms' is the engine's own execution time (from the query-metrics header for")
    print("the SDK rows); the rest of an SDK round trip is HTTP and client cost, as the point")
    print("read shows.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perf.query", description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per query")
    parser.add_argument("--engine-only", action="store_true", help="skip the SDK/emulator level")
    args = parser.parse_args(argv)
    rows, insert_us = engine_figures(args.items, args.seconds)
    print(f"{args.items:,} items; engine index insert: {insert_us:.1f} us per item")
    if not args.engine_only:
        emulator_rows, load_seconds = emulator_figures(args.items, args.seconds)
        rows += emulator_rows
        print(f"emulator load through transactional batches: {load_seconds:.1f} s")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
