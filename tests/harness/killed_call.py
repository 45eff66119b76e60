"""Drains a 400 RU/s container, starts one create (which waits out a 429), kills it as Locust
kills a user, and prints (as JSON) the row recorded and what the emulator's ledger
charged meanwhile, for tests/harness/test_fast_client.py. A process of its own: Locust's
import monkey-patches with gevent, which the test process must not be.

    python tests/harness/killed_call.py sdk|fast ENDPOINT DATABASE CONTAINER   # key: env
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl, as Locust does on import

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
from azure.cosmos import CosmosClient  # noqa: E402
from azure.cosmos.exceptions import CosmosResourceNotFoundError  # noqa: E402
from locust.event import Events  # noqa: E402

from bench.emulator import fetch_ledger  # noqa: E402
from bench.gateway_client import (  # noqa: E402
    GatewayClient,
    GatewayContainer,
    GatewayError,
    RetryLimits,
)
from bench.harness.calls import AttemptObserver  # noqa: E402
from bench.harness.gateway_proxy import GatewayObserver, GatewayProxy  # noqa: E402
from bench.harness.instrumented import CallFailed, InstrumentedCalls  # noqa: E402

METADATA = {"CreateContainer", "ReadContainer", "ReplaceContainer", "ReadPartitionKeyRanges"}
FIELDS = ("request_charge", "requests", "throttled")


def drain(endpoint: str, key: str, database: str, container: str) -> None:
    """Big creates, not retried, until one is throttled: the budget (burst too) is gone."""
    with GatewayClient(endpoint, key, retry=RetryLimits(max_retries=0)) as client:
        items = GatewayContainer(client, database, container)
        for n in range(100):
            try:
                items.create_item({"id": f"drain{n}", "pk": "one", "big": "x" * 1_000_000})
            except GatewayError as error:
                if error.status == 429:
                    return
                raise
    raise AssertionError("100 creates of 1 MB and not one throttled")


def main(client: str, endpoint: str, database: str, container: str) -> None:
    key = os.environ["COSMOS_KEY"]
    sdk = CosmosClient(endpoint, key).get_database_client(database).get_container_client(container)

    def charged() -> tuple[float, int, int]:
        """(RU, requests, 429s) of the container's item operations so far."""
        node = fetch_ledger(endpoint, key)["containers"][sdk.container_link]
        tallies = [t for op, t in node["operations"].items() if op not in METADATA]
        return tuple(sum(t[field] for t in tallies) for field in FIELDS)

    target, observer_class = sdk, AttemptObserver
    if client == "fast":
        items = GatewayContainer(GatewayClient(endpoint, key), database, container)
        target = GatewayProxy(items, sdk, on_fallback=print, on_metadata_stats=lambda *_: None)
        observer_class = GatewayObserver
    rows = []
    events = Events()
    events.request.add_listener(lambda context, **_: rows.append(context["rubench"]))
    calls = InstrumentedCalls(events, observer_class=observer_class)
    # caches warm (container, ranges), so the create goes out right after the drain; and
    # twice the drain's size, so it needs a second or more of refill to get through
    with contextlib.suppress(CosmosResourceNotFoundError, CallFailed):
        calls.call("warm", "read", lambda **hook: target.read_item("none", "one", **hook))
    rows.clear()
    drain(endpoint, key, database, container)
    before = charged()
    document = {"id": "1", "pk": "one", "big": "x" * 1_900_000}
    call = gevent.spawn(
        calls.call, "restock", "create", lambda **hook: target.create_item(document, **hook)
    )
    while charged()[2] == before[2] and not call.dead:
        gevent.sleep(0.02)
    call.kill()
    ru, requests, throttled = (a - b for a, b in zip(charged(), before, strict=True))
    recorded = [[r.ru, r.attempts, r.throttled, str(r.outcome)] for r in rows]
    print(json.dumps({"rows": recorded, "charged": [ru, requests, throttled]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
