"""Runs every operation of a workload 3 times through the SDK and through the gateway
client, with the same random choices, on two identically seeded containers, and prints
the rows (as JSON) for tests/harness/test_fast_client.py. A process of its own: Locust's
import monkey-patches with gevent, which the test process must not be.

    python tests/harness/twin_calls.py WORKLOAD ENDPOINT KEY   # key from the environment
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl, as Locust does on import

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from azure.cosmos import CosmosClient  # noqa: E402
from locust.event import Events  # noqa: E402

from bench.gateway_client import GatewayClient, GatewayContainer  # noqa: E402
from bench.harness.gateway_proxy import GatewayObserver, GatewayProxy, MetadataRows  # noqa: E402
from bench.harness.index_sampling import IndexMetricsSample  # noqa: E402
from bench.harness.instrumented import CallFailed, InstrumentedCalls  # noqa: E402
from bench.harness.metadata import metadata_event  # noqa: E402
from bench.harness.operations import Operations  # noqa: E402
from bench.harness.workload import apply_overrides, load_workload  # noqa: E402

# what a row says about a call that must not depend on the client (attempts may: the SDK
# asks for a query plan again, the client takes it from the gateway's 400/1004)
SAME = (
    "operation",
    "ru",
    "status",
    "substatus",
    "outcome",
    "item_count",
    "partitions",
    "index_metrics",
)


class Rows:
    """Request events (and metadata rows) as lists of the fields that must agree."""

    def __init__(self) -> None:
        self.events = Events()
        self.rows: list[list] = []
        self.events.request.add_listener(self.on_request)
        metadata_event(self.events).add_listener(self.on_request)

    def on_request(self, context: dict | None = None, **_: object) -> None:
        record = context["rubench"]
        self.rows.append(
            [round(record.ru, 2) if f == "ru" else str(getattr(record, f)) for f in SAME]
        )


def failures(operations: Operations) -> None:
    """A create of an item that exists (409) and a read of one that does not (404, not
    expected: an error), recorded as rows."""
    document, pk = operations.existing()
    container = operations.container
    with contextlib.suppress(CallFailed):
        operations.calls.call(
            "duplicate", "create", lambda **hook: container.create_item(document, **hook)
        )
    with contextlib.suppress(CallFailed):
        operations.calls.call(
            "missing", "read", lambda **hook: container.read_item("no-such-id", pk, **hook)
        )


def main(workload_path: str, endpoint: str) -> None:
    key = os.environ["COSMOS_KEY"]
    workload = load_workload(Path(workload_path))
    database = CosmosClient(endpoint, key).get_database_client(workload.container.database)
    sdk_rows, fast_rows, fallbacks = Rows(), Rows(), []
    sdk = Operations(
        apply_overrides(workload, {"container": "twin_sdk"}),
        database.get_container_client("twin_sdk"),
        InstrumentedCalls(sdk_rows.events),
        random.Random(7),
        tag="s",
    )
    with GatewayClient(endpoint, key) as client:
        proxy = GatewayProxy(
            GatewayContainer(client, workload.container.database, "twin_fast"),
            database.get_container_client("twin_fast"),
            on_fallback=fallbacks.append,
            on_metadata_stats=MetadataRows(fast_rows.events).on_stats,
        )
        calls = InstrumentedCalls(fast_rows.events, observer_class=GatewayObserver)
        fast = Operations(
            apply_overrides(workload, {"container": "twin_fast"}),
            proxy,
            calls,
            random.Random(7),
            tag="f",
        )
        for operations in (sdk, fast):  # one sample each: one process's is shared
            operations.index_sample = IndexMetricsSample(workload.run.index_metrics_sample)
        for spec in workload.operations.values():
            for _ in range(3):
                sdk.run(spec)
                fast.run(spec)
        for operations in (sdk, fast):
            failures(operations)
    json.dump({"sdk": sdk_rows.rows, "fast": fast_rows.rows, "fallbacks": fallbacks}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
