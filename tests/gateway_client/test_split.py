"""A split while the client runs: its cached partition key ranges go stale; requests to a
range that is gone (410/1002) refresh them, and session tokens carry over to the
children."""

from __future__ import annotations

from azure.cosmos import DatabaseProxy, PartitionKey

from bench.gateway_client import GatewayClient, query_items

from .conftest import gateway_container


def test_ranges_refresh_after_a_split(database: DatabaseProxy, fast: GatewayClient) -> None:
    proxy = database.create_container("splitting", PartitionKey("/pk"), offer_throughput=12000)
    items = gateway_container(fast, proxy)
    for n in range(30):
        items.create_item({"id": str(n), "pk": f"p{n}", "n": n})
    before = items.routing_map()
    assert [r.id for r in before.ranges] == ["0", "1"]
    proxy.replace_throughput(40000)  # 2 -> 4 partitions; the client has not seen it
    everything = query_items(items, "SELECT TOP 100 VALUE c.n FROM c")
    assert sorted(everything.body) == list(range(30))
    # the old ranges answered 410/1002, then their children were read
    assert {"0", "1"} <= set(everything.stats.pk_ranges)
    after = items.routing_map()
    assert len(after.ranges) == 4 and not {"0", "1"} & set(after.by_id)
    assert all(set(r.parents) & {"0", "1"} for r in after.ranges)
    assert everything.stats.status == 200


def test_reads_and_writes_go_on_across_a_split(
    database: DatabaseProxy, fast: GatewayClient
) -> None:
    proxy = database.create_container("moving", PartitionKey("/pk"), offer_throughput=12000)
    items = gateway_container(fast, proxy)
    for n in range(20):
        items.upsert_item({"id": str(n), "pk": f"p{n}", "n": n})
    items.routing_map()
    proxy.replace_throughput(40000)
    for n in range(20):
        read = items.read_item(str(n), f"p{n}")  # with the parents' session token
        assert read.body["n"] == n
        written = items.upsert_item({"id": str(n), "pk": f"p{n}", "n": -n})
        assert written.stats.status == 200
    # responses named ranges the cached map did not know: it was read again
    assert len(items.routing_map().ranges) == 4
    assert sorted(query_items(items, "SELECT VALUE c.n FROM c WHERE c.n <= 0").body) == sorted(
        -n for n in range(20)
    )
