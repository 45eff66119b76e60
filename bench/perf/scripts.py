"""What server-side JavaScript costs in the emulator: milliseconds per stored procedure
execution (no operations, 10 and 100 creates), per query calling a UDF on every row, and
the longest point read on another container while a procedure spins for 2 s (what a long
procedure does to the rest of a load test), through the sync SDK against a local emulator
process. Figures only, no pass/fail::

    python -m bench.perf.scripts [--repeat 20] [--rows 200]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator

CREATE_N = """
function createN(prefix, n) {
    var c = getContext().getCollection();
    for (var i = 0; i < n; i++) c.createDocument(c.getSelfLink(), {id: prefix + i, pk: "p"});
    getContext().getResponse().setBody(n);
}"""


def _milliseconds(action: Callable[[int], object], repeat: int) -> float:
    timings = []
    for round_number in range(repeat):
        started = time.perf_counter()
        action(round_number)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


SPIN = """
function spin(ms) { var end = Date.now() + ms; while (Date.now() < end) {} }"""
SPIN_MS = 2000


def _read_during_procedure(
    emulator: LocalEmulator, database: DatabaseProxy, container: ContainerProxy
) -> tuple[float, int]:
    """The longest of the point reads on `container` made one after another while a
    procedure on another container spins, and how many there were."""
    busy = database.create_container("busy", PartitionKey("/pk"))
    busy.scripts.create_stored_procedure({"id": "spin", "body": SPIN})
    container.create_item({"id": "probe-read", "pk": "r"})
    spinner = CosmosClient(emulator.endpoint, emulator.key)  # a client per thread
    scripts = spinner.get_database_client(database.id).get_container_client("busy").scripts
    procedure = threading.Thread(
        target=lambda: scripts.execute_stored_procedure("spin", partition_key="s", params=[SPIN_MS])
    )
    procedure.start()
    timings = []
    while procedure.is_alive():
        started = time.perf_counter()
        container.read_item("probe-read", "r")
        timings.append((time.perf_counter() - started) * 1000)
    procedure.join()
    return max(timings), len(timings)


def _measure(container: ContainerProxy, repeat: int, rows: int) -> dict[str, float]:
    scripts = container.scripts
    scripts.create_stored_procedure({"id": "createN", "body": CREATE_N})
    scripts.create_user_defined_function({"id": "double", "body": "function (x) { return 2 * x; }"})

    def execute(count: int) -> Callable[[int], object]:
        return lambda r: scripts.execute_stored_procedure(
            "createN", partition_key="p", params=[f"{count}-{r}-", count]
        )

    figures = {f"procedure, {n} creates": _milliseconds(execute(n), repeat) for n in (0, 10, 100)}
    figures["create_item (for scale)"] = _milliseconds(
        lambda r: container.create_item({"id": f"single-{r}", "pk": "q"}), repeat
    )
    for number in range(rows):
        container.create_item({"id": f"row-{number}", "pk": "u", "n": number})
    for label, sql in (
        ("query, no UDF", "SELECT VALUE c.n * 2 FROM c"),
        ("query, UDF per row", "SELECT VALUE udf.double(c.n) FROM c"),
    ):
        figures[f"{label} ({rows} rows)"] = _milliseconds(
            lambda r, sql=sql: list(container.query_items(sql, partition_key="u")), repeat
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("::")[0])
    parser.add_argument("--repeat", type=int, default=20, help="calls per figure (median)")
    parser.add_argument("--rows", type=int, default=200, help="documents the UDF query reads")
    args = parser.parse_args()
    with LocalEmulator() as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key)
        database = client.create_database("perf-scripts")
        container = database.create_container("c", PartitionKey("/pk"), offer_throughput=100_000)
        for label, milliseconds in _measure(container, args.repeat, args.rows).items():
            print(f"{label:<32} {milliseconds:8.1f} ms (median of {args.repeat})")
        longest, reads = _read_during_procedure(emulator, database, container)
        label = "read while a 2 s procedure runs"
        print(f"{label:<32} {longest:8.1f} ms (longest of {reads} reads in a row)")


if __name__ == "__main__":
    main()
