"""What server-side JavaScript costs in the emulator: milliseconds per stored procedure
execution (no operations, 10 and 100 creates) and per query calling a UDF on every row,
through the sync SDK against a local emulator process. Figures only, no pass/fail::

    python -m bench.perf.scripts [--repeat 20] [--rows 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey

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


if __name__ == "__main__":
    main()
