"""The service's request flow for queries over several physical partitions, through the
real SDK (sync and async): 400/1004 with the plan, the plan request, one charged request
per partition key range with the rewritten query, and the SDK's merge of the ranges."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey, exceptions
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator, fetch_ledger

RANGES = 4  # ceil(24000 / 6000) physical partitions
DOCUMENTS = [{"id": f"d{n:02d}", "pk": f"p{n % 7}", "n": n, "g": n % 3} for n in range(40)]
PLAN_HEADER = "x-ms-cosmos-is-query-plan-request"
RANGE_HEADER = "x-ms-documentdb-partitionkeyrangeid"


class Wire:
    """A client-level raw_response_hook: every HTTP response the client receives."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, response: Any) -> None:
        request, answer = response.http_request, response.http_response
        self.seen.append(
            {
                "plan": request.headers.get(PLAN_HEADER) is not None,
                "range": request.headers.get(RANGE_HEADER),
                "served_by": answer.headers.get(RANGE_HEADER),
                "docs": "/docs" in request.url,
                "status": answer.status_code,
                "substatus": answer.headers.get("x-ms-substatus"),
                "charge": float(answer.headers.get("x-ms-request-charge", 0)),
                "items": answer.headers.get("x-ms-item-count"),
            }
        )

    def docs(self) -> list[dict[str, Any]]:
        return [s for s in self.seen if s["docs"]]


@pytest.fixture(scope="module")
def wire() -> Wire:
    return Wire()


@pytest.fixture(scope="module")
def fanout(emulator: LocalEmulator, wire: Wire) -> Iterator[ContainerProxy]:
    client = CosmosClient(emulator.endpoint, emulator.key, raw_response_hook=wire)
    database = client.create_database("fanout")
    container = database.create_container("items", PartitionKey("/pk"), offer_throughput=24000)
    for document in DOCUMENTS:
        container.create_item(document)
    yield container
    client.delete_database("fanout")


def _run(wire: Wire, container: ContainerProxy, query: str, **options: Any) -> list[Any]:
    wire.seen.clear()
    return list(container.query_items(query, enable_cross_partition_query=True, **options))


def test_fan_out_is_1004_then_the_plan_then_one_request_per_range(
    emulator: LocalEmulator, fanout: ContainerProxy, wire: Wire
) -> None:
    before = _query_ledger(emulator)
    assert _run(wire, fanout, "SELECT VALUE COUNT(1) FROM c") == [40]
    first, plan, *ranges = wire.docs()
    assert (first["status"], first["substatus"], first["charge"]) == (400, "1004", 0.0)
    assert plan["plan"] and plan["status"] == 200 and plan["charge"] == 0.0
    assert sorted(r["range"] for r in ranges) == [str(i) for i in range(RANGES)]
    # Each range request is a query on one partition, charged at least the query minimum.
    assert all(r["status"] == 200 and r["charge"] >= 2.3 for r in ranges)
    after = _query_ledger(emulator)
    charged = after["Query"]["request_charge"] - before.get("Query", {}).get("request_charge", 0)
    assert charged == pytest.approx(sum(r["charge"] for r in ranges), abs=0.01)
    assert after["QueryPlan"]["requests"] == before.get("QueryPlan", {}).get("requests", 0) + 1


def _query_ledger(emulator: LocalEmulator) -> dict[str, Any]:
    ledger = fetch_ledger(emulator.endpoint, emulator.key)
    return ledger["containers"]["dbs/fanout/colls/items"]["operations"]


def test_a_filter_pinning_one_partition_key_is_served_directly(
    fanout: ContainerProxy, wire: Wire
) -> None:
    result = _run(
        wire,
        fanout,
        "SELECT VALUE c.n FROM c WHERE c.pk = @k",
        parameters=[{"name": "@k", "value": "p3"}],
    )
    assert sorted(result) == [n for n in range(40) if n % 7 == 3]
    assert [(s["status"], s["plan"]) for s in wire.docs()] == [(200, False)]


def test_a_query_needing_no_merge_is_served_one_partition_after_another(
    fanout: ContainerProxy, wire: Wire
) -> None:
    assert sorted(_run(wire, fanout, "SELECT VALUE c.n FROM c", max_item_count=50)) == list(
        range(40)
    )
    pages = wire.docs()
    # No 1004 and no plan: the gateway serves it, one request per partition, in range order.
    assert [(p["status"], p["plan"], p["range"]) for p in pages] == [(200, False, None)] * RANGES
    assert [p["served_by"] for p in pages] == [str(i) for i in range(RANGES)]
    assert all(p["charge"] >= 2.3 for p in pages)


def test_keys_on_several_partitions_are_served_from_their_partitions_only(
    fanout: ContainerProxy, wire: Wire
) -> None:
    text = "SELECT VALUE c.n FROM c WHERE c.pk IN ('p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6')"
    assert sorted(_run(wire, fanout, text)) == list(range(40))
    served = [p["served_by"] for p in wire.docs()]
    assert 1 < len(served) <= RANGES and len(set(served)) == len(served)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT VALUE c.n FROM c WHERE c.pk = 'p1' OR c.pk = 'p2'",
        "SELECT VALUE c.n FROM c WHERE (c.pk = 'p1' OR c.pk = @k) AND c.n >= 0",
        "SELECT VALUE c.n FROM c WHERE (c.pk = 'p1' AND c.n >= 0) OR c.pk IN (@k)",
    ],
)
def test_an_or_of_keys_is_served_from_their_partitions_like_in(
    fanout: ContainerProxy, wire: Wire, text: str
) -> None:
    """The service narrows the ranges by `c.pk = a OR c.pk = b` as by `c.pk IN (a, b)`."""
    expected = sorted(_run(wire, fanout, "SELECT VALUE c.n FROM c WHERE c.pk IN ('p1', 'p2')"))
    served_by_in = sorted(p["served_by"] for p in wire.docs())
    result = _run(wire, fanout, text, parameters=[{"name": "@k", "value": "p2"}])
    assert sorted(result) == expected == [n for n in range(40) if n % 7 in (1, 2)]
    assert sorted(p["served_by"] for p in wire.docs()) == served_by_in
    assert len(served_by_in) < RANGES


def test_a_gateway_served_continuation_resumes_on_the_right_partition(
    fanout: ContainerProxy,
) -> None:
    query = "SELECT VALUE c.n FROM c"
    pager = fanout.query_items(query, enable_cross_partition_query=True, max_item_count=3)
    pages = pager.by_page()
    next(pages)
    token = pages.continuation_token
    second = list(next(pages))
    again = fanout.query_items(query, enable_cross_partition_query=True, max_item_count=3)
    assert list(next(again.by_page(token))) == second


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT VALUE c.n FROM c ORDER BY c.n DESC", list(range(39, -1, -1))),
        (
            "SELECT c.g, c.n AS m FROM c ORDER BY c.n DESC",
            [{"g": n % 3, "m": n} for n in range(39, -1, -1)],
        ),
        ("SELECT TOP 5 VALUE c.n FROM c ORDER BY c.n", [0, 1, 2, 3, 4]),
        ("SELECT VALUE c.n FROM c ORDER BY c.n OFFSET 10 LIMIT 3", [10, 11, 12]),
        ("SELECT DISTINCT VALUE c.g FROM c ORDER BY c.g", [0, 1, 2]),
        # Runs of equal values in ORDER BY order: a range cannot stop after OFFSET + LIMIT rows.
        ("SELECT DISTINCT VALUE FLOOR(c.n / 10) FROM c ORDER BY c.n OFFSET 1 LIMIT 2", [1, 2]),
        ("SELECT DISTINCT TOP 2 VALUE c.g FROM c ORDER BY c.g DESC", [2, 1]),
        ("SELECT VALUE COUNT(1) FROM c WHERE c.n >= 10", [30]),
        ("SELECT VALUE SUM(c.n) FROM c", [780]),
        ("SELECT VALUE AVG(c.n) FROM c", [19.5]),
        ("SELECT VALUE MIN(c.n) FROM c", [0]),
        ("SELECT VALUE MAX(c.n) FROM c", [39]),
        ("SELECT VALUE SUM(c.n) FROM c WHERE c.n < 4 ORDER BY c.n", [6]),
    ],
)
def test_the_sdk_merges_the_ranges_like_one_evaluation(
    fanout: ContainerProxy, wire: Wire, query: str, expected: list[Any]
) -> None:
    assert _run(wire, fanout, query, max_item_count=7) == expected
    assert {s["range"] for s in wire.docs() if s["range"]} == {str(i) for i in range(RANGES)}


def test_unordered_distinct_is_deduplicated_by_the_sdk(fanout: ContainerProxy, wire: Wire) -> None:
    assert sorted(_run(wire, fanout, "SELECT DISTINCT VALUE c.g FROM c")) == [0, 1, 2]


def test_group_by_is_refused_to_an_sdk_that_does_not_declare_it(
    fanout: ContainerProxy, wire: Wire
) -> None:
    with pytest.raises(exceptions.CosmosHttpResponseError) as raised:
        _run(wire, fanout, "SELECT c.g, COUNT(1) AS n FROM c GROUP BY c.g")
    assert raised.value.status_code == 400
    assert "GroupBy" in raised.value.message


@pytest.mark.parametrize(
    "query",
    ["SELECT COUNT(1) FROM c", "SELECT COUNT(1) + 5 FROM c", "SELECT COUNT(1) + SUM(c) FROM c"],
)
def test_non_value_aggregates_across_partitions_are_refused_by_the_sdk(
    fanout: ContainerProxy, wire: Wire, query: str
) -> None:
    """The plan lists the aggregates with hasSelectValue false; the SDK raises its 400."""
    with pytest.raises(exceptions.CosmosHttpResponseError) as raised:
        _run(wire, fanout, query)
    assert raised.value.status_code == 400
    assert "VALUE <AggregateFunc>" in raised.value.message


def _plan(raw: Any, container: ContainerProxy, query: str, features: str) -> Any:
    return raw(
        "POST",
        f"{container.container_link}/docs",
        json.dumps({"query": query}).encode(),
        headers={
            PLAN_HEADER: "True",
            "x-ms-cosmos-supported-query-features": features,
            "content-type": "application/query+json",
        },
    )


def test_group_by_plan_has_the_service_shape_and_its_rewrite_runs_per_range(
    fanout: ContainerProxy, raw: Any
) -> None:
    answer = _plan(raw, fanout, "SELECT c.g, COUNT(1) AS n FROM c GROUP BY c.g", "GroupBy")
    assert answer.status == 200
    plan = answer.json()
    info = plan["queryInfo"]
    assert plan["partitionedQueryExecutionInfoVersion"] == 2
    assert plan["queryRanges"] == [
        {"min": "", "max": "FF", "isMinInclusive": True, "isMaxInclusive": False}
    ]
    assert info["groupByExpressions"] == ["c.g"]
    assert info["groupByAliases"] == ["g", "n"]
    assert info["groupByAliasToAggregateType"] == {"g": None, "n": "Count"}
    counts: dict[int, int] = {}
    for range_id in range(RANGES):
        page = raw(
            "POST",
            f"{fanout.container_link}/docs",
            json.dumps({"query": info["rewrittenQuery"]}).encode(),
            headers={
                "x-ms-documentdb-isquery": "true",
                "content-type": "application/query+json",
                RANGE_HEADER: str(range_id),
            },
        )
        for row in page.json()["Documents"]:
            group = row["groupByItems"][0]["item"]
            counts[group] = counts.get(group, 0) + row["payload"]["n"]["item"]
    assert counts == {0: 14, 1: 13, 2: 13}


def test_plan_of_an_invalid_query_is_the_query_error(fanout: ContainerProxy, raw: Any) -> None:
    answer = _plan(raw, fanout, "SELEC * FROM c", "OrderBy")
    assert answer.status == 400 and "Syntax error" in answer.json()["message"]


def test_query_pages_carry_their_item_count(fanout: ContainerProxy, wire: Wire) -> None:
    pages = fanout.query_items("SELECT * FROM c", partition_key="p1", max_item_count=2)
    wire.seen.clear()
    items = [item for page in pages.by_page() for item in page]
    counts = [int(s["items"]) for s in wire.docs()]
    assert sum(counts) == len(items) == 6 and max(counts) == 2


def test_a_continuation_resumes_again_after_the_query_was_drained(
    fanout: ContainerProxy,
) -> None:
    query = "SELECT VALUE c.n FROM c"
    first = fanout.query_items(query, partition_key="p2", max_item_count=2).by_page()
    head = list(next(first))
    token = first.continuation_token
    rest = [n for page in first for n in page]
    assert first.continuation_token is None  # drained
    again = fanout.query_items(query, partition_key="p2", max_item_count=2)
    resumed = [n for page in again.by_page(token) for n in page]
    assert resumed == rest
    assert sorted(head + rest) == [n for n in range(40) if n % 7 == 2]


def test_async_fan_out_follows_the_same_flow(emulator: LocalEmulator, fanout: ContainerProxy):
    wire = Wire()

    async def run() -> list[Any]:
        async with AsyncCosmosClient(
            emulator.endpoint, emulator.key, raw_response_hook=wire
        ) as client:
            container = client.get_database_client("fanout").get_container_client("items")
            query = "SELECT VALUE c.n FROM c ORDER BY c.n DESC OFFSET 1 LIMIT 3"
            return [n async for n in container.query_items(query)]

    assert asyncio.run(run()) == [38, 37, 36]
    docs = wire.docs()
    assert (docs[0]["status"], docs[0]["substatus"]) == (400, "1004")
    assert docs[1]["plan"]
    assert sorted(s["range"] for s in docs[2:]) == [str(i) for i in range(RANGES)]


def test_a_query_needing_a_merge_gets_1004_even_on_one_partition(
    emulator: LocalEmulator, container: ContainerProxy
) -> None:
    """As the service: the gateway leaves ORDER BY without a partition key to the SDK (which
    then caches the routing map), whatever the partition count."""
    for n in range(3):
        container.create_item({"id": str(n), "pk": f"p{n}", "n": n})
    wire = Wire()
    client = CosmosClient(emulator.endpoint, emulator.key, raw_response_hook=wire)
    database = client.get_database_client(container.container_link.split("/")[1])
    mine = database.get_container_client(container.id)
    query = "SELECT VALUE c.n FROM c ORDER BY c.n DESC"
    assert list(mine.query_items(query, enable_cross_partition_query=True)) == [2, 1, 0]
    first, plan, only = wire.docs()
    assert (first["status"], first["substatus"]) == (400, "1004")
    assert plan["plan"] and only["range"] == "0"
    # A filter pinning one key narrows the plan's ranges, it does not skip the 1004.
    wire.seen.clear()
    pinned = "SELECT VALUE c.n FROM c WHERE c.pk = 'p1' ORDER BY c.n"
    assert list(mine.query_items(pinned, enable_cross_partition_query=True)) == [1]
    assert wire.docs()[0]["substatus"] == "1004"


def test_gateway_served_paging_survives_a_split(database) -> None:
    """Its continuation names an EPK range, so pages go on across a split, losing and
    repeating nothing (the open page's snapshot is served to its end, then the children)."""
    container = database.create_container("splitting", PartitionKey("/pk"), offer_throughput=12000)
    for n in range(30):
        container.create_item({"id": str(n), "pk": f"p{n}", "n": n})
    pages = container.query_items(
        "SELECT VALUE c.n FROM c", enable_cross_partition_query=True, max_item_count=4
    ).by_page()
    seen = list(next(pages))
    container.replace_throughput(40000)  # 2 -> 4 partitions
    seen += [n for page in pages for n in page]
    assert sorted(seen) == list(range(30))
