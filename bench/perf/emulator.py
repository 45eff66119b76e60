"""The emulator's own cost: point reads/s and creates/s the sync SDK achieves against it,
next to the same loops against a do-nothing HTTP server (the ceiling), as a ratio.

Both servers run in their own process on the same HTTP layer
(`bench.emulator.http`); the do-nothing server answers every request with
canned JSON and no auth, storage or accounting, so the ratio isolates what
the emulator itself costs. By default client and server share one core (the
harsh case: every microsecond the server spends is taken from the client);
`--cores 2` gives each its own core, as a load test on two cores would. Aim:
ratio >= 0.7, i.e. the emulator is not what limits a load test::

    python -m bench.perf.emulator [--duration 3] [--cores 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey

from bench.emulator import WELL_KNOWN_KEY, LocalEmulator

DATABASE, CONTAINER = "perf", "items"
ITEM = {"id": "item", "pk": "p", "name": "a small document", "n": 1, "tags": ["x", "y"]}


# -- the ceiling: a do-nothing server the SDK accepts ------------------------------------------
def _canned_replies(endpoint: str) -> dict[str, tuple[int, bytes, dict[str, str]]]:
    container = {
        "id": CONTAINER,
        "_rid": "AAAAAIAAAAA=",
        "_self": "dbs/AAAAAA==/colls/AAAAAIAAAAA=/",
        "partitionKey": {"paths": ["/pk"], "kind": "Hash", "version": 2},
    }
    ranges = {
        "_rid": container["_rid"],
        "PartitionKeyRanges": [
            {"id": "0", "minInclusive": "", "maxExclusive": "FF", "parents": []}
        ],
        "_count": 1,
    }
    location = [{"name": "local", "databaseAccountEndpoint": endpoint}]
    account = {
        "writableLocations": location,
        "readableLocations": location,
        "userConsistencyPolicy": {"defaultConsistencyLevel": "Session"},
    }
    document = {**ITEM, "_rid": "AAAAAIAAAAABAAAAAAAAAA==", "_etag": '"1"', "_ts": 1}
    item_headers = {
        "x-ms-request-charge": "1",
        "x-ms-session-token": "0:-1#1",
        "x-ms-documentdb-partitionkeyrangeid": "0",
    }
    return {
        "account": (200, json.dumps(account).encode(), {}),
        "container": (200, json.dumps(container).encode(), {}),
        "pkranges": (200, json.dumps(ranges).encode(), {"etag": '"1"'}),
        "item": (200, json.dumps(document).encode(), item_headers),
        "created": (201, json.dumps(document).encode(), item_headers),
    }


def _serve_ceiling(port_queue: multiprocessing.Queue, core: int | None) -> None:
    """Run the do-nothing server until killed; puts its port on `port_queue`."""
    from bench.emulator.http import HttpProtocol
    from bench.emulator.replies import Reply

    if core is not None:
        os.sched_setaffinity(0, {core})
    replies: dict[str, tuple[int, bytes, dict[str, str]]] = {}

    def handle(verb: str, path: str, headers, body: bytes, scheme: str, host: str) -> Reply:
        path = path.rstrip("/")
        if not path:
            kind = "account"
        elif path.endswith("/pkranges"):
            if headers.get("if-none-match") == '"1"':
                return Reply(304, b"", {"etag": '"1"'})
            kind = "pkranges"
        elif path.endswith(f"/colls/{CONTAINER}"):
            kind = "container"
        else:
            kind = "created" if verb == "POST" else "item"
        status, reply_body, reply_headers = replies[kind]
        return Reply(status, reply_body, dict(reply_headers))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        connections: set[HttpProtocol] = set()
        server = await loop.create_server(
            lambda: HttpProtocol(handle, "http", connections), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]
        replies.update(_canned_replies(f"http://127.0.0.1:{port}/"))
        port_queue.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the loops ---------------------------------------------------------------------------------
@dataclass
class Loop:
    """One loop's outcome: operations per second and the server's CPU per operation."""

    rate: float
    server_cpu_ms: float


@dataclass
class Rates:
    reads: Loop
    creates: Loop


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (robust to other load on the box)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _loop(operation: Callable[[int], object], duration: float, server_pid: int) -> Loop:
    operation(-1)  # warm up connections and caches
    done = 0
    cpu_before = _cpu_seconds(server_pid)
    started = time.perf_counter()
    deadline = started + duration
    while time.perf_counter() < deadline:
        operation(done)
        done += 1
    elapsed = time.perf_counter() - started
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    return Loop(done / elapsed, 1000 * server_cpu / done)


def _measure(container: ContainerProxy, duration: float, run: str, server_pid: int) -> Rates:
    reads = _loop(lambda _: container.read_item(ITEM["id"], ITEM["pk"]), duration, server_pid)
    creates = _loop(
        lambda number: container.create_item({**ITEM, "id": f"{run}-{number}"}),
        duration,
        server_pid,
    )
    return Rates(reads, creates)


def _emulator_rates(duration: float, server_core: int | None) -> Rates:
    with LocalEmulator(port=0) as emulator:
        if server_core is not None and emulator.pid is not None:
            os.sched_setaffinity(emulator.pid, {server_core})
        client = CosmosClient(emulator.endpoint, emulator.key)
        database = client.create_database_if_not_exists(DATABASE)
        container = database.create_container_if_not_exists(CONTAINER, PartitionKey("/pk"))
        container.upsert_item(ITEM)
        assert emulator.pid is not None
        return _measure(container, duration, "emulator", emulator.pid)


def _ceiling_rates(duration: float, server_core: int | None) -> Rates:
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue = context.Queue()
    server = context.Process(target=_serve_ceiling, args=(ports, server_core), daemon=True)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{ports.get(timeout=30)}/"
        client = CosmosClient(endpoint, WELL_KNOWN_KEY)
        container = client.get_database_client(DATABASE).get_container_client(CONTAINER)
        assert server.pid is not None
        return _measure(container, duration, "ceiling", server.pid)
    finally:
        server.terminate()
        server.join(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perf.emulator", description=__doc__)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per loop (default 3)")
    parser.add_argument(
        "--cores",
        type=int,
        choices=(1, 2),
        default=1,
        help="1: client and server share one core (default); 2: one core each",
    )
    args = parser.parse_args(argv)
    available = sorted(os.sched_getaffinity(0))
    if args.cores == 2 and len(available) < 2:
        parser.error("--cores 2 needs two available CPUs")
    client_core = available[0]
    server_core = available[0] if args.cores == 1 else available[1]
    os.sched_setaffinity(0, {client_core})

    ceiling = _ceiling_rates(args.duration, server_core)
    emulator = _emulator_rates(args.duration, server_core)
    print(f"sync SDK, one client thread, {args.cores} core(s), {args.duration:g} s per loop")
    print(
        f"{'operation':<12}{'emulator/s':>12}{'ceiling/s':>12}{'ratio':>8}"
        f"{'emulator CPU':>15}{'ceiling CPU':>14}"
    )
    for label, ours, top in (
        ("point reads", emulator.reads, ceiling.reads),
        ("creates", emulator.creates, ceiling.creates),
    ):
        print(
            f"{label:<12}{ours.rate:>12.0f}{top.rate:>12.0f}{ours.rate / top.rate:>8.2f}"
            f"{ours.server_cpu_ms:>12.3f} ms{top.server_cpu_ms:>11.3f} ms"
        )
    print("(CPU: server CPU time per operation; ratio: emulator/s over ceiling/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
