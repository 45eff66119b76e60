"""Request charges seen by the real azure-cosmos SDK: they follow item size, indexed paths,
write kind, consistency and the work a query does."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.cosmos import DatabaseProxy, PartitionKey, exceptions

from bench.emulator.costs import COEFFICIENTS

from .sdk_helpers import ChargeLog

KB = 1024
ONLY_PK_INDEXED = {
    "indexingMode": "consistent",
    "includedPaths": [{"path": "/pk/?"}],
    "excludedPaths": [{"path": "/*"}],
}


def wide_item(item_id: str, properties: int) -> dict:
    return {"id": item_id, "pk": "a", **{f"p{i:03d}": f"value {i}" for i in range(properties)}}


def test_charges_grow_with_item_size(database: DatabaseProxy) -> None:
    container = database.create_container("sizes", PartitionKey("/pk"))
    writes, reads = ChargeLog(), ChargeLog()
    for size in (1 * KB, 10 * KB, 100 * KB):
        item = {"id": str(size), "pk": "a", "blob": "x" * (size - 200)}
        container.create_item(item, response_hook=writes)
        container.read_item(str(size), "a", response_hook=reads)

    assert writes.charges == sorted(writes.charges) and len(set(writes.charges)) == 3
    assert reads.charges[0] == pytest.approx(1.0, abs=0.05)  # 1 KB read: 1 RU
    assert reads.charges[2] == pytest.approx(10.0, rel=0.15)  # 100 KB read: 10 RU
    assert reads.charges[0] < reads.charges[1] < reads.charges[2]


def test_charges_grow_with_indexed_paths(database: DatabaseProxy) -> None:
    indexed = database.create_container("indexed", PartitionKey("/pk"))
    narrow = database.create_container(
        "narrow", PartitionKey("/pk"), indexing_policy=ONLY_PK_INDEXED
    )
    log = ChargeLog()
    indexed.create_item(wide_item("few", 5), response_hook=log)
    indexed.create_item(wide_item("many", 60), response_hook=log)
    narrow.create_item(wide_item("many", 60), response_hook=log)
    few, many_indexed, many_narrow = log.charges

    assert few < many_indexed
    # 60 more indexed terms at ~0.27 RU each (the same item, only the policy differs).
    assert many_indexed - many_narrow == pytest.approx(60 * 0.27, rel=0.15)


def test_upsert_replacing_costs_more_than_creating(database: DatabaseProxy) -> None:
    container = database.create_container("upserts", PartitionKey("/pk"))
    log = ChargeLog()
    # Three properties, like the published create 6.29 vs upsert of existing 10.29 RU.
    container.upsert_item(wide_item("u", 1), response_hook=log)  # creates
    container.upsert_item({**wide_item("u", 1), "p000": "y"}, response_hook=log)  # replaces
    container.patch_item(
        "u", "a", [{"op": "set", "path": "/p000", "value": "z"}], response_hook=log
    )
    container.delete_item("u", "a", response_hook=log)
    created, replaced, patched, deleted = log.charges

    assert 1.6 <= replaced / created <= 2.0  # published 1.6-2x for small items
    assert patched == pytest.approx(replaced, rel=0.1)  # "no significant reduction"
    assert deleted == pytest.approx(created, rel=0.1)


def test_rewrites_of_a_rich_document_pay_for_the_terms_that_change(
    database: DatabaseProxy,
) -> None:
    """The same ~100-term document in a container indexing everything and in one indexing
    only /pk: the difference between the two charges is the index work."""
    indexed = database.create_container("rich", PartitionKey("/pk"))
    narrow = database.create_container(
        "rich-narrow", PartitionKey("/pk"), indexing_policy=ONLY_PK_INDEXED
    )
    item = wide_item("r", 100)  # id, pk and 100 properties: 102 terms, 101 of them not /pk
    index_work = []
    for container in (indexed, narrow):
        log = ChargeLog()
        container.create_item(item, response_hook=log)
        replaced_item = {**item, "p000": "changed"}
        container.replace_item("r", replaced_item, response_hook=log)
        container.upsert_item({**replaced_item, "p001": "changed"}, response_hook=log)
        set_one = [{"op": "set", "path": "/p002", "value": "changed"}]
        container.patch_item("r", "a", set_one, response_hook=log)
        tags = [{"op": "add", "path": "/tags", "value": ["a", "b", "c", "d", "e"]}]
        container.patch_item("r", "a", tags, response_hook=log)
        container.delete_item("r", "a", response_hook=log)
        index_work.append(log.charges)
    (created, replaced, upserted, patched, tagged, deleted), narrow_charges = index_work
    extra = [round(a - b, 2) for a, b in zip(index_work[0], narrow_charges, strict=True)]
    per_term = COEFFICIENTS.write_per_indexed_path

    # Creates and deletes write or remove every term (the deleted item has the 5 tags too).
    assert extra[0] == pytest.approx(101 * per_term, abs=0.02)
    assert extra[5] == pytest.approx(106 * per_term, abs=0.02)
    assert deleted > created
    # Changing one property removes one term and adds one; upsert and patch likewise.
    for changed in extra[1:4]:
        assert changed == pytest.approx(2 * per_term, abs=0.02)
    # Every array element is a term.
    assert extra[4] == pytest.approx(5 * per_term, abs=0.02)
    # About 2x the base and size terms: far less than the create of all 102 terms.
    assert replaced < created / 2
    assert replaced == pytest.approx(upserted, abs=0.05)
    assert patched == pytest.approx(replaced, abs=0.05)
    assert tagged > patched


def test_failed_precondition_is_charged(database: DatabaseProxy) -> None:
    container = database.create_container("etags", PartitionKey("/pk"))
    container.create_item(wide_item("e", 3))
    with pytest.raises(exceptions.CosmosHttpResponseError) as caught:
        container.replace_item(
            "e", wide_item("e", 3), etag='"stale"', match_condition=MatchConditions.IfNotModified
        )
    assert caught.value.status_code == 412
    assert float(caught.value.headers["x-ms-request-charge"]) > 0


def test_a_point_read_of_a_missing_item_costs_a_read(database: DatabaseProxy) -> None:
    """The service charges a 404 point read like a 1 KB read (its store diagnostics show
    RequestCharge 1): a workload's share of misses must not lower its mean read charge."""
    container = database.create_container("misses", PartitionKey("/pk"))
    with pytest.raises(exceptions.CosmosResourceNotFoundError) as caught:
        container.read_item("nobody", partition_key="p")
    assert float(caught.value.headers["x-ms-request-charge"]) == 1.0


def seed(container, count: int, categories: int) -> None:
    """`count` ~4 KB items in logical partition "a", 100 per transactional batch."""
    for start in range(0, count, 100):
        operations = [
            (
                "create",
                (
                    {
                        "id": str(i),
                        "pk": "a",
                        "category": f"c{i % categories}",
                        "n": i,
                        "pad": "x" * 4000,
                    },
                ),
            )
            for i in range(start, min(start + 100, count))
        ]
        container.execute_item_batch(operations, partition_key="a")


def test_indexed_query_costs_far_less_than_a_scan(database: DatabaseProxy) -> None:
    indexed = database.create_container("catalog", PartitionKey("/pk"))
    unindexed = database.create_container(
        "catalog-scan",
        PartitionKey("/pk"),
        indexing_policy={
            "indexingMode": "consistent",
            "includedPaths": [{"path": "/*"}],
            "excludedPaths": [{"path": "/category/*"}],
        },
    )
    for container in (indexed, unindexed):
        seed(container, 500, categories=100)
    query = "SELECT * FROM c WHERE c.category = @category"
    parameters = [{"name": "@category", "value": "c7"}]
    charges = []
    for container in (indexed, unindexed):
        log = ChargeLog()
        found = list(
            container.query_items(
                query, parameters=parameters, partition_key="a", response_hook=log
            )
        )
        assert len(found) == 5
        charges.append(log.total)
    seek, scan = charges

    assert seek < 5  # the published indexed equality: 2.98 RU for one result
    assert scan > 5 * seek  # excluded path: all 2 MB are loaded, ~10 RU per MB


def test_cross_partition_query_charges_each_partition(database: DatabaseProxy) -> None:
    container = database.create_container("fanout", PartitionKey("/pk"), offer_throughput=24_000)
    assert len(list(container.read_feed_ranges())) == 4  # ceil(24,000 / 6,000)
    log = ChargeLog()
    found = list(
        container.query_items(
            "SELECT * FROM c WHERE c.category = 'none'",
            enable_cross_partition_query=True,
            response_hook=log,
        )
    )
    assert found == []
    # "about 2.5 RU per physical partition checked, even with no match"
    assert 4 * 2.0 <= log.total <= 4 * 3.0


def test_batch_charges_each_operation_and_totals_them(database: DatabaseProxy) -> None:
    container = database.create_container("batches", PartitionKey("/pk"))
    container.create_item(wide_item("old", 3))
    log = ChargeLog()
    results = container.execute_item_batch(
        [
            ("create", (wide_item("new", 3),)),
            ("upsert", (wide_item("old", 3),)),
            ("read", ("old",)),
            ("delete", ("new",)),
        ],
        partition_key="a",
        response_hook=log,
    )
    charges = [result["requestCharge"] for result in results]

    created, replaced, read, deleted = charges
    assert replaced > created and read == pytest.approx(1.0, abs=0.05)
    assert deleted == pytest.approx(created, rel=0.1)
    assert log.last == pytest.approx(sum(charges), abs=0.01)


def test_order_by_without_composite_index_costs_about_5x(database: DatabaseProxy) -> None:
    """The published pair: filter + ORDER BY, range index only 44.28 RU vs 8.86 RU with the
    composite index (troubleshoot-query-performance.md), here on 100 results of ~4 KB."""
    composite = {
        "indexingMode": "consistent",
        "includedPaths": [{"path": "/*"}],
        "compositeIndexes": [
            [{"path": "/category", "order": "ascending"}, {"path": "/n", "order": "ascending"}]
        ],
    }
    range_only = database.create_container("sorted-range", PartitionKey("/pk"))
    with_composite = database.create_container(
        "sorted-composite", PartitionKey("/pk"), indexing_policy=composite
    )
    charges = []
    for container, order in ((range_only, "c.n"), (with_composite, "c.category, c.n")):
        seed(container, 500, categories=5)
        log = ChargeLog()
        query = f"SELECT * FROM c WHERE c.category = 'c2' ORDER BY {order}"
        assert len(list(container.query_items(query, partition_key="a", response_hook=log))) == 100
        charges.append(log.total)
    in_memory, indexed = charges
    print(f"\nfilter + ORDER BY: range index only {in_memory} RU, composite index {indexed} RU")

    assert indexed == pytest.approx(8.86, rel=0.3)
    assert 3 < in_memory / indexed < 8  # published 44.28 / 8.86 = 5.0
