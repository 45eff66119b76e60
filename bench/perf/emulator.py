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
import contextlib
import itertools
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping
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

    def handle(
        verb: str, path: str, headers: Mapping[str, str], body: bytes, scheme: str, host: str
    ) -> Reply:
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
class Tally:
    """What the loops on one server did: operations, wall time and CPU on both sides."""

    operations: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.operations / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Client + server CPU per operation: what one shared core must spend on it."""
        return 1000 * (self.server_cpu + self.client_cpu) / self.operations

    @property
    def server_cpu_ms(self) -> float:
        return 1000 * self.server_cpu / self.operations


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_for(
    operation: Callable[[], object], seconds: float, server_pid: int, tally: Tally
) -> None:
    server_before, client_before = _cpu_seconds(server_pid), time.process_time()
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        operation()
        tally.operations += 1
    tally.seconds += time.perf_counter() - started
    tally.server_cpu += _cpu_seconds(server_pid) - server_before
    tally.client_cpu += time.process_time() - client_before


@dataclass
class Server:
    name: str
    container: ContainerProxy
    pid: int


def _operations(server: Server) -> dict[str, Callable[[], object]]:
    numbers = itertools.count()
    container = server.container
    return {
        "point reads": lambda: container.read_item(ITEM["id"], ITEM["pk"]),
        "creates": lambda: container.create_item({**ITEM, "id": f"{server.name}-{next(numbers)}"}),
    }


def measure(servers: list[Server], seconds: float, rounds: int) -> dict[tuple[str, str], Tally]:
    """Alternate short slices between the servers, so background load hits both alike."""
    tallies = {}
    operations = {server.name: _operations(server) for server in servers}
    for server in servers:
        for name, operation in operations[server.name].items():
            operation()  # warm up connections and caches
            tallies[(server.name, name)] = Tally()
    for _ in range(rounds):
        for server in servers:
            for name, operation in operations[server.name].items():
                _run_for(operation, seconds / rounds, server.pid, tallies[(server.name, name)])
    return tallies


@contextlib.contextmanager
def _ceiling(server_core: int | None) -> Iterator[Server]:
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue = context.Queue()
    process = context.Process(target=_serve_ceiling, args=(ports, server_core), daemon=True)
    process.start()
    try:
        endpoint = f"http://127.0.0.1:{ports.get(timeout=30)}/"
        client = CosmosClient(endpoint, WELL_KNOWN_KEY)
        container = client.get_database_client(DATABASE).get_container_client(CONTAINER)
        assert process.pid is not None
        yield Server("ceiling", container, process.pid)
    finally:
        process.terminate()
        process.join(5)


@contextlib.contextmanager
def _emulator(server_core: int | None) -> Iterator[Server]:
    with LocalEmulator(port=0) as emulator:
        assert emulator.pid is not None
        if server_core is not None:
            os.sched_setaffinity(emulator.pid, {server_core})
        client = CosmosClient(emulator.endpoint, emulator.key)
        database = client.create_database_if_not_exists(DATABASE)
        container = database.create_container_if_not_exists(CONTAINER, PartitionKey("/pk"))
        container.upsert_item(ITEM)
        yield Server("emulator", container, emulator.pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perf.emulator", description=__doc__)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per loop (default 3)")
    parser.add_argument("--rounds", type=int, default=10, help="slices per loop (default 10)")
    parser.add_argument(
        "--cores",
        type=int,
        choices=(1, 2),
        default=1,
        help="1: client and servers share one core (default); 2: servers on another core",
    )
    args = parser.parse_args(argv)
    available = sorted(os.sched_getaffinity(0))
    if args.cores == 2 and len(available) < 2:
        parser.error("--cores 2 needs two available CPUs")
    client_core = available[0]
    server_core = available[0] if args.cores == 1 else available[1]
    os.sched_setaffinity(0, {client_core})

    with _ceiling(server_core) as ceiling, _emulator(server_core) as emulator:
        tallies = measure([emulator, ceiling], args.duration, args.rounds)
    print(
        f"sync SDK, one client thread, {args.cores} core(s), {args.duration:g} s per loop "
        f"in {args.rounds} interleaved slices"
    )
    print(
        f"{'operation':<12}{'emulator/s':>11}{'ceiling/s':>10}{'ratio':>7}"
        f"{'server CPU ms/op':>18}{'CPU ratio':>11}"
    )
    for name in ("point reads", "creates"):
        ours, top = tallies[("emulator", name)], tallies[("ceiling", name)]
        print(
            f"{name:<12}{ours.rate:>11.0f}{top.rate:>10.0f}{ours.rate / top.rate:>7.2f}"
            f"{ours.server_cpu_ms:>9.3f} vs{top.server_cpu_ms:>6.3f}"
            f"{top.cpu_ms / ours.cpu_ms:>11.2f}"
        )
    print(
        "ratio: emulator/s over ceiling/s. CPU ratio: (client + server CPU per op) on the "
        "ceiling over the same on the emulator, i.e. the ratio one busy core would give."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
