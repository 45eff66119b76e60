"""The emulator's ledger equals the sum of `x-ms-request-charge` the client saw, over every
HTTP response (SDK metadata calls, failures and throttled attempts included). The request
counts may differ: the SDK's free account reads and 304 answers are not in the ledger."""

from __future__ import annotations

import time

import pytest
from azure.core import MatchConditions
from azure.cosmos import CosmosClient, PartitionKey, exceptions

from bench.emulator import LocalEmulator, fetch_ledger

from .sdk_helpers import Load


class SeenCharges:
    """A client-wide `raw_response_hook`: every response's charge and status."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float]] = []

    def __call__(self, response) -> None:
        headers = response.http_response.headers
        self.seen.append(
            (response.http_response.status_code, float(headers["x-ms-request-charge"]))
        )

    @property
    def total(self) -> float:
        return round(sum(charge for _, charge in self.seen), 2)


def test_ledger_equals_the_charges_the_client_saw(emulator: LocalEmulator) -> None:
    seen = SeenCharges()
    client = CosmosClient(emulator.endpoint, emulator.key, raw_response_hook=seen)
    database = client.create_database("ledger")
    orders = database.create_container("orders", PartitionKey("/pk"), offer_throughput=400)
    spread = database.create_container("spread", PartitionKey("/pk"), offer_throughput=12_000)

    for i in range(20):
        orders.create_item({"id": str(i), "pk": f"k{i % 4}", "n": i})
        spread.upsert_item({"id": str(i), "pk": f"k{i}", "n": i})
    orders.read_item("3", "k3")
    orders.replace_item("3", {"id": "3", "pk": "k3", "n": 33})
    orders.patch_item("3", "k3", [{"op": "incr", "path": "/n", "value": 1}])
    orders.delete_item("4", "k0")
    orders.execute_item_batch([("create", ({"id": "b1", "pk": "k1"},)), ("read", ("1",))], "k1")
    list(orders.query_items("SELECT * FROM c WHERE c.n > 5", partition_key="k2"))
    list(spread.query_items("SELECT VALUE COUNT(1) FROM c", enable_cross_partition_query=True))
    list(spread.read_all_items())
    with pytest.raises(exceptions.CosmosResourceNotFoundError):
        orders.read_item("missing", "k0")
    with pytest.raises(exceptions.CosmosHttpResponseError):  # 412: charged
        orders.replace_item(
            "1",
            {"id": "1", "pk": "k1"},
            etag='"stale"',
            match_condition=MatchConditions.IfNotModified,
        )
    hot = {"id": "hot", "pk": "hot", "payload": "x" * 600}
    with Load([lambda: orders.upsert_item(hot)] * 4) as load:
        time.sleep(1.5)
    assert load.errors == []

    ledger = fetch_ledger(emulator.endpoint, emulator.key)
    assert any(status == 429 for status, _ in seen.seen)  # the SDK retried through 429s
    assert ledger["total"]["throttled"] == sum(status == 429 for status, _ in seen.seen)
    assert ledger["total"]["request_charge"] == pytest.approx(seen.total, abs=0.005)
