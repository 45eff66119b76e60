"""Queries through the gateway client: one partition with continuations, across
partitions as the gateway serves them (one request per partition), TOP fanned out per
range, and `NeedsSdk` for what must be merged on the client."""

from __future__ import annotations

import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey

from bench.gateway_client import (
    GatewayClient,
    GatewayContainer,
    GatewayError,
    NeedsSdk,
    query_items,
    query_page,
)

from .conftest import gateway_container


@pytest.fixture
def spread(database: DatabaseProxy, fast: GatewayClient) -> tuple[ContainerProxy, GatewayContainer]:
    """30 items over 2 physical partitions (12,000 RU/s)."""
    proxy = database.create_container("spread", PartitionKey("/pk"), offer_throughput=12000)
    items = gateway_container(fast, proxy)
    for n in range(30):
        items.create_item({"id": str(n), "pk": f"p{n % 10}", "n": n})
    return proxy, items


def _sdk_query_charge(proxy: ContainerProxy, query: str, **options) -> float:
    charges = []

    class Hook:
        def __call__(self, headers, _) -> None:
            charges.append(float(headers["x-ms-request-charge"]))

        def clear(self) -> None:
            charges.clear()

    list(proxy.query_items(query, response_hook=Hook(), **options))
    return round(sum(charges), 2)


def test_single_partition_query_pages_with_continuations(spread) -> None:
    proxy, items = spread
    query = "SELECT VALUE c.n FROM c WHERE c.n >= @low"
    parameters = [{"name": "@low", "value": 0}]
    whole = query_items(items, query, parameters, partition_key="p3", max_item_count=1)
    assert sorted(whole.body) == [3, 13, 23]
    assert whole.stats.pages == 3 and whole.stats.item_count == 3
    assert len(whole.stats.query_metrics) >= 1 and whole.stats.pk_ranges
    first = query_page(items, query, parameters, partition_key="p3", max_item_count=2)
    assert len(first.body) == 2 and first.continuation
    rest = query_page(
        items,
        query,
        parameters,
        partition_key="p3",
        max_item_count=2,
        continuation=first.continuation,
    )
    assert sorted(first.body + rest.body) == [3, 13, 23] and rest.continuation is None
    expected = _sdk_query_charge(proxy, query, parameters=parameters, partition_key="p3")
    assert round(query_items(items, query, parameters, partition_key="p3").stats.ru, 2) == expected


def test_cross_partition_query_the_gateway_serves(spread) -> None:
    proxy, items = spread
    query = "SELECT c.id, c.n FROM c WHERE c.n < 20"
    result = query_items(items, query)
    assert sorted(d["n"] for d in result.body) == list(range(20))
    assert sorted(result.stats.pk_ranges) == ["0", "1"]  # one request per partition
    assert result.stats.attempts == result.stats.pages >= 2
    expected = _sdk_query_charge(proxy, query, enable_cross_partition_query=True)
    assert round(result.stats.ru, 2) == expected


def test_top_across_partitions_fans_out_per_range(spread) -> None:
    proxy, items = spread
    result = query_items(items, "SELECT TOP 25 VALUE c.n FROM c")
    assert len(result.body) == 25 and len(set(result.body)) == 25
    assert result.stats.item_count == 25
    # the gateway's 400/1004 (free), then one request per range
    assert result.stats.attempts == 3 and sorted(result.stats.pk_ranges) == ["0", "1"]
    # the first range has 2, but the SDK reads one page of every range before it yields
    # anything: so does the client, for the same charge
    small = query_items(items, "SELECT TOP 2 VALUE c.n FROM c")
    assert len(small.body) == 2 and sorted(small.stats.pk_ranges) == ["0", "1"]
    expected = _sdk_query_charge(
        proxy, "SELECT TOP 2 VALUE c.n FROM c", enable_cross_partition_query=True
    )
    assert round(small.stats.ru, 2) == expected


@pytest.mark.parametrize(
    ("query", "feature"),
    [
        ("SELECT * FROM c ORDER BY c.n", "ORDER BY"),
        ("SELECT VALUE COUNT(1) FROM c", "aggregates"),
        ("SELECT DISTINCT VALUE c.pk FROM c", "DISTINCT"),
        ("SELECT c.pk, COUNT(1) AS n FROM c GROUP BY c.pk", "GROUP BY"),
        ("SELECT * FROM c OFFSET 1 LIMIT 2", "OFFSET/LIMIT"),
    ],
)
def test_queries_needing_a_client_merge_ask_for_the_sdk(spread, query: str, feature: str) -> None:
    _, items = spread
    with pytest.raises(NeedsSdk) as first:
        query_items(items, query)
    assert feature in first.value.features
    assert (first.value.status, first.value.substatus, first.value.stats.attempts) == (400, 1004, 1)
    with pytest.raises(NeedsSdk) as again:
        query_items(items, query)
    assert again.value.stats.attempts == 0  # remembered: nothing sent twice


def test_a_bad_query_is_an_error_not_a_fallback(items: GatewayContainer) -> None:
    with pytest.raises(GatewayError) as raised:
        query_items(items, "SELECT FROM WHERE", partition_key="a")
    assert raised.value.status == 400 and not isinstance(raised.value, NeedsSdk)
