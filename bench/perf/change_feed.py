"""What the emulator's change feed costs in time: a tail poll (continuation at the end, 304)
and a full read from the beginning, through the sync SDK, for containers of growing size,
next to a point read as the control (what any request costs at that size).

The change log keeps each partition's live items ordered by LSN, so a tail poll
should stay flat as the container grows (it bisects to the continuation's LSN)
while a full read grows with the item count. Items are loaded with transactional
batches of 100 (fast, one request each); containers have one partition and
ample RU/s, so no figure includes a 429's wait::

    python -m bench.perf.change_feed [--sizes 1000,20000] [--polls 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey

from bench.emulator import LocalEmulator

BATCH = 100


def _load(container: ContainerProxy, count: int) -> None:
    for start in range(0, count, BATCH):
        key = f"p{start // BATCH}"
        operations = [
            ("create", ({"id": str(n), "pk": key, "n": n},))
            for n in range(start, min(count, start + BATCH))
        ]
        container.execute_item_batch(operations, partition_key=key)


def _mean_ms(action: Callable[[], object], times: int) -> float:
    started = time.perf_counter()
    for _ in range(times):
        action()
    return (time.perf_counter() - started) / times * 1000


def _measure(container: ContainerProxy, polls: int) -> tuple[float, float, float, int]:
    """(full read seconds, mean tail poll ms, mean point read ms (the control), items read)."""
    started = time.perf_counter()
    items = sum(1 for _ in container.query_items_change_feed(start_time="Beginning"))
    full = time.perf_counter() - started
    etag = container.client_connection.last_response_headers["etag"]
    tail_ms = _mean_ms(lambda: list(container.query_items_change_feed(continuation=etag)), polls)
    read_ms = _mean_ms(lambda: container.read_item("0", "p0"), polls)
    return full, tail_ms, read_ms, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000", help="container sizes (items)")
    parser.add_argument("--polls", type=int, default=200, help="tail polls per size")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{'items':>8} {'full read s':>12} {'items/s':>10} {'tail poll ms':>13} {'read ms':>8}")
    with LocalEmulator(port=0, partitions=1) as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key)
        database = client.create_database("perf-change-feed")
        for size in sizes:
            container = database.create_container(
                f"c{size}", PartitionKey("/pk"), offer_throughput=1_000_000
            )
            _load(container, size)
            full, tail_ms, read_ms, items = _measure(container, args.polls)
            print(
                f"{items:>8} {full:>12.2f} {items / full:>10.0f} {tail_ms:>13.2f} {read_ms:>8.2f}"
            )


if __name__ == "__main__":
    main()
