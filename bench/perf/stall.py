"""Does one pathological query stall everyone else? A point read's latency (p50/p99/max)
while such a query runs, next to the same reads with the emulator idle.

The emulator runs in its own process. A separate process sends the pathological
query (by default `REGEXMATCH(c.s, '(a+)+$')` over 1,000 documents; `--kind
like` is a backtracking-prone LIKE, `--kind join` a cross product of JOINs)
over and over; this process sends point reads meanwhile and records each
one's latency. Aim: p99 under 50 ms::

    python -m bench.perf.stall [--kind regex|like|join] [--duration 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from typing import Any

from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError

from bench.emulator import LocalEmulator

QUERIES = {
    "regex": "SELECT VALUE COUNT(1) FROM c WHERE REGEXMATCH(c.s, '(a+)+$')",
    "like": "SELECT VALUE COUNT(1) FROM c WHERE c.s LIKE '%a%a%a%a%a%b'",
    "join": (
        "SELECT VALUE COUNT(1) FROM c "
        + " ".join(f"JOIN x{i} IN c.tags" for i in range(6))
        + " WHERE c.id = 'doc-0'"
    ),
}
# (documents, their string): sized so the unhardened emulator needs seconds per query.
SEEDS = {"regex": (1000, "a" * 14 + "!"), "like": (5, "a" * 60), "join": (1, "")}


def _seed(container: ContainerProxy, kind: str) -> None:
    count, text = SEEDS[kind]
    for number in range(count):
        container.create_item({"id": f"doc-{number}", "pk": "p", "s": text, "tags": list(range(9))})
    container.create_item({"id": "target", "pk": "p", "n": 1})


def _latencies(container: ContainerProxy, seconds: float) -> list[float]:
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        container.read_item("target", partition_key="p")
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    return samples


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"reads {len(ordered):5d}  p50 {statistics.median(ordered):8.1f} ms  "
        f"p99 {p99:8.1f} ms  max {ordered[-1]:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=sorted(QUERIES), default="regex")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of reads per phase")
    args = parser.parse_args()
    with LocalEmulator(port=0) as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key, connection_timeout=600)
        database = client.create_database_if_not_exists("stall")
        container = database.create_container_if_not_exists(
            "items", PartitionKey("/pk"), offer_throughput=100_000
        )
        _seed(container, args.kind)
        print(f"idle:             {_summary(_latencies(container, args.duration / 2))}")
        stop = multiprocessing.Event()
        finished = multiprocessing.Value("i", 0)
        hammer = multiprocessing.Process(
            target=_hammer, args=(emulator.endpoint, emulator.key, args.kind, stop, finished)
        )
        hammer.start()
        time.sleep(1.0)
        busy = _latencies(container, args.duration)
        stop.set()
        print(f"{args.kind} query running: {_summary(busy)}  ({finished.value} queries finished)")
        hammer.join(timeout=600)


def _hammer(endpoint: str, key: str, kind: str, stop: Any, finished: Any) -> None:
    """Send the pathological query over and over (its own process: no shared GIL with the
    reads being measured)."""
    client = CosmosClient(endpoint, key, connection_timeout=600)
    target = client.get_database_client("stall").get_container_client("items")
    while not stop.is_set():
        try:
            list(target.query_items(QUERIES[kind], partition_key="p"))
        except CosmosHttpResponseError as error:
            print(f"query failed: {error.status_code} {error.message[:100]}")
        with finished.get_lock():
            finished.value += 1


if __name__ == "__main__":
    main()
