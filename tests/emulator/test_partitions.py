"""Physical partitions: counts from throughput, placement by the SDK's hash, splits on
throughput increases, and hierarchical (MultiHash) keys."""

from __future__ import annotations

from azure.cosmos import DatabaseProxy, PartitionKey, ThroughputProperties
from azure.cosmos.partition_key import PartitionKey as SdkPartitionKey


def _ranges(container) -> list[dict]:
    return list(container.client_connection._ReadPartitionKeyRanges(container.container_link))


def _recorder(headers: dict):
    return lambda response_headers, _: headers.update(response_headers)


def _range_of(ranges: list[dict], epk: str) -> str:
    return next(r["id"] for r in ranges if r["minInclusive"] <= epk < r["maxExclusive"])


def test_partition_count_follows_throughput(database: DatabaseProxy) -> None:
    cases = [
        (400, 1),
        (12000, 2),
        (25000, 5),
        (ThroughputProperties(auto_scale_max_throughput=20000), 2),
        (ThroughputProperties(auto_scale_max_throughput=4000), 1),
    ]
    for number, (throughput, expected) in enumerate(cases):
        container = database.create_container(
            f"c{number}", PartitionKey("/pk"), offer_throughput=throughput
        )
        ranges = _ranges(container)
        assert len(ranges) == expected, throughput
        assert ranges[0]["minInclusive"] == "" and ranges[-1]["maxExclusive"] == "FF"


def test_items_are_placed_where_the_sdk_routes_them(database: DatabaseProxy) -> None:
    container = database.create_container("placed", PartitionKey("/pk"), offer_throughput=30000)
    ranges = _ranges(container)
    definition = SdkPartitionKey("/pk", kind="Hash", version=2)
    seen = set()
    for number in range(60):
        headers: dict = {}
        key = f"key-{number}"
        container.create_item({"id": "x", "pk": key}, response_hook=_recorder(headers))
        epk = definition._get_effective_partition_key_string([key])
        assert headers["x-ms-documentdb-partitionkeyrangeid"] == _range_of(ranges, epk)
        seen.add(headers["x-ms-documentdb-partitionkeyrangeid"])
    assert seen == {r["id"] for r in ranges}


def test_split_on_throughput_increase_keeps_every_item(database: DatabaseProxy) -> None:
    container = database.create_container("split", PartitionKey("/pk"), offer_throughput=400)
    before = _ranges(container)
    for number in range(100):
        container.create_item({"id": str(number), "pk": f"p{number}"})
    container.replace_throughput(30000)
    after = _ranges(container)
    assert len(before) == 1 and len(after) == 3
    assert {r["id"] for r in after}.isdisjoint({r["id"] for r in before})
    assert all("0" in r["parents"] for r in after)
    for number in range(100):
        assert container.read_item(str(number), f"p{number}")["id"] == str(number)
    query = "SELECT VALUE COUNT(1) FROM c"
    assert list(container.query_items(query, enable_cross_partition_query=True)) == [100]
    container.upsert_item({"id": "new", "pk": "p-new"})
    assert len(list(container.read_all_items())) == 101


def test_hierarchical_keys_full_and_prefix(database: DatabaseProxy) -> None:
    container = database.create_container(
        "tenants",
        PartitionKey(["/tenant", "/user", "/session"], kind="MultiHash"),
        offer_throughput=30000,
    )
    for number in range(36):
        container.create_item(
            {
                "id": str(number),
                "tenant": f"t{number % 2}",
                "user": f"u{number % 3}",
                "session": number,
            }
        )
    assert container.read_item("5", ["t1", "u2", 5])["id"] == "5"
    tenant = list(container.query_items("SELECT VALUE c.id FROM c", partition_key=["t1"]))
    assert sorted(tenant, key=int) == [str(n) for n in range(36) if n % 2 == 1]
    user = list(container.query_items("SELECT VALUE c.id FROM c", partition_key=["t1", "u2"]))
    assert sorted(user, key=int) == [str(n) for n in range(36) if n % 2 == 1 and n % 3 == 2]
    container.delete_item("5", ["t1", "u2", 5])
    assert len(list(container.read_all_items())) == 35


def test_feed_range_queries_survive_a_split(database: DatabaseProxy) -> None:
    container = database.create_container("ranges", PartitionKey("/pk"), offer_throughput=12000)
    for number in range(60):
        container.create_item({"id": str(number), "pk": f"p{number}"})
    old_ranges = list(container.read_feed_ranges())
    before = [len(list(container.query_items("SELECT * FROM c", feed_range=r))) for r in old_ranges]
    container.replace_throughput(40000)  # 2 -> 4 partitions: the old ranges answer 410/1002
    after = [len(list(container.query_items("SELECT * FROM c", feed_range=r))) for r in old_ranges]
    assert len(old_ranges) == 2 and sum(before) == 60 and after == before
    new_ranges = list(container.read_feed_ranges())
    counts = [len(list(container.query_items("SELECT * FROM c", feed_range=r))) for r in new_ranges]
    assert len(new_ranges) == 4 and sum(counts) == 60 and all(counts)
