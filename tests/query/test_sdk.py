"""The query table through the real azure-cosmos SDK, sync and async, against the emulator.

The container has three physical partitions, so queries without a partition
key fan out; each case runs unpaged and paged (two items a page, followed
through continuation tokens), and must give the engine's documented result.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey, exceptions
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator

from .cases import CASES, DOCUMENTS, ERROR_CASES, INDEXING_POLICY, PARTITION_KEY_PATH, Case
from .test_language import assert_matches

PAGE_SIZE = 2


@pytest.fixture(scope="module")
def query_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, in_process=True, partitions=3) as running:
        yield running


@pytest.fixture(scope="module")
def items(query_emulator: LocalEmulator) -> ContainerProxy:
    client = CosmosClient(query_emulator.endpoint, query_emulator.key)
    database = client.create_database_if_not_exists("querytests")
    container = database.create_container(
        "people", PartitionKey(PARTITION_KEY_PATH), indexing_policy=INDEXING_POLICY
    )
    for document in DOCUMENTS:
        container.create_item(document)
    return container


def _options(case: Case) -> dict[str, Any]:
    if case.partition_key is None:
        return {"enable_cross_partition_query": True}
    return {"partition_key": case.partition_key}


def _check(case: Case, collect: Callable[[], list[Any]]) -> None:
    """`collect()` gives the case's result, or what the SDK's fan-out merge gives instead."""
    fan_out = case.sdk_fan_out if case.partition_key is None else None
    if isinstance(fan_out, type):
        with pytest.raises(fan_out):
            collect()
    elif fan_out is not None:
        assert_matches(replace(case, expected=fan_out), collect())
    else:
        assert_matches(case, collect())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.query[:70])
def test_sync_unpaged(case: Case, items: ContainerProxy) -> None:
    _check(
        case,
        lambda: list(items.query_items(case.query, parameters=case.parameters, **_options(case))),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.query[:70])
def test_sync_paged(case: Case, items: ContainerProxy) -> None:
    def collect() -> list[Any]:
        pager = items.query_items(
            case.query, parameters=case.parameters, max_item_count=PAGE_SIZE, **_options(case)
        ).by_page()
        pages = [list(page) for page in pager]
        assert all(len(page) <= PAGE_SIZE for page in pages)
        return [item for page in pages for item in page]

    _check(case, collect)


@pytest.fixture(scope="module")
def event_loop_client(query_emulator: LocalEmulator, items: ContainerProxy):
    loop = asyncio.new_event_loop()
    client = AsyncCosmosClient(query_emulator.endpoint, query_emulator.key)
    container = client.get_database_client("querytests").get_container_client("people")
    yield loop, container
    loop.run_until_complete(client.close())
    loop.close()


@pytest.mark.parametrize("page_size", [None, PAGE_SIZE], ids=["unpaged", "paged"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.query[:70])
def test_async(case: Case, page_size: int | None, event_loop_client) -> None:
    loop, container = event_loop_client
    options: dict[str, Any] = {"partition_key": case.partition_key} if case.partition_key else {}
    if page_size is not None:
        options["max_item_count"] = page_size

    async def collect() -> list[Any]:
        pager = container.query_items(case.query, parameters=case.parameters, **options).by_page()
        return [item async for page in pager async for item in page]

    _check(case, lambda: loop.run_until_complete(collect()))


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.query[:70])
def test_bad_query_is_a_400_the_sdk_raises(case, items: ContainerProxy) -> None:
    with pytest.raises(exceptions.CosmosHttpResponseError) as raised:
        list(
            items.query_items(
                case.query, parameters=case.parameters, enable_cross_partition_query=True
            )
        )
    assert raised.value.status_code == 400
    assert case.message in raised.value.message


def test_paging_a_large_result_loses_and_repeats_nothing(items: ContainerProxy) -> None:
    for i in range(250):
        items.upsert_item({"id": f"bulk-{i:03d}", "pk": "bulk", "n": i})
    try:
        retrieved: list[int] = []

        def count_retrieved(headers, _body) -> None:
            metrics = headers.get("x-ms-documentdb-query-metrics", "")
            fields = dict(part.split("=") for part in metrics.split(";") if part)
            retrieved.append(int(fields.get("retrievedDocumentCount", 0)))

        pager = items.query_items(
            "SELECT VALUE c.n FROM c WHERE c.pk = 'bulk'",
            enable_cross_partition_query=True,
            max_item_count=7,
            populate_query_metrics=True,
            response_hook=count_retrieved,
        ).by_page()
        pages = [list(page) for page in pager]
        values = [v for page in pages for v in page]
        assert len(pages) == 36
        assert sorted(values) == list(range(250))
        # Metrics of all pages add up to the work done once (a client sums them per page).
        assert sum(retrieved) == 250
    finally:
        for i in range(250):
            items.delete_item(f"bulk-{i:03d}", partition_key="bulk")


def test_query_metrics_header_in_the_service_format(items: ContainerProxy) -> None:
    result = items.query_items(
        "SELECT * FROM c WHERE c.name = 'Alice'", partition_key="A", populate_query_metrics=True
    )
    assert [d["id"] for d in result] == ["a1"]
    header = items.client_connection.last_response_headers["x-ms-documentdb-query-metrics"]
    fields = dict(part.split("=") for part in header.split(";"))
    assert fields["retrievedDocumentCount"] == "1"
    assert fields["outputDocumentCount"] == "1"
    assert int(fields["retrievedDocumentSize"]) > 100
    assert fields["indexUtilizationRatio"] == "1.00"
    assert float(fields["totalExecutionTimeInMs"]) >= 0


def test_index_metrics_name_the_used_and_the_missing_index(items: ContainerProxy) -> None:
    """`populate_index_metrics=True`: the SDK base64-decodes the header into a dict."""
    result = items.query_items(
        "SELECT * FROM c WHERE c.name = 'Alice' AND c.score > 1",
        partition_key="A",
        populate_index_metrics=True,
    )
    assert [d["id"] for d in result] == ["a1"]
    utilization = items.client_connection.last_response_headers["x-ms-cosmos-index-utilization"]
    used = [(e["FilterExpression"], e["IndexSpec"]) for e in utilization["UtilizedSingleIndexes"]]
    # The partition key's index serves the scope; the service names no filter for it.
    assert used == [('(ROOT.name = "Alice")', "/name/?"), ("", "/pk/?")]
    assert [e["IndexSpec"] for e in utilization["PotentialSingleIndexes"]] == ["/score/?"]


def test_scan_on_excluded_path_reports_zero_index_utilization(items: ContainerProxy) -> None:
    """A fan-out: each range reports its own scan; together they load every document."""
    pages: list[dict[str, str]] = []

    def metrics(headers, _body) -> None:
        header = headers["x-ms-documentdb-query-metrics"]
        pages.append(dict(part.split("=") for part in header.split(";")))

    list(
        items.query_items(
            "SELECT * FROM c WHERE c.score = 3",
            enable_cross_partition_query=True,
            populate_query_metrics=True,
            response_hook=metrics,
        )
    )
    assert len(pages) == 3  # one page per partition key range
    assert {page["indexUtilizationRatio"] for page in pages} == {"0.00"}
    assert sum(int(page["retrievedDocumentCount"]) for page in pages) == len(DOCUMENTS)


def test_index_metrics_decode_as_the_sdk_expects() -> None:
    from azure.cosmos._utils import get_index_metrics_info

    from bench.emulator.query import QueryMetrics, index_metrics_header
    from bench.emulator.query.metrics import SingleIndexUse

    metrics = QueryMetrics(utilized_indexes=[SingleIndexUse("(ROOT.a = 1)", "/a/?")])
    decoded = get_index_metrics_info(index_metrics_header(metrics))
    assert decoded["UtilizedSingleIndexes"][0]["FilterExpression"] == "(ROOT.a = 1)"
    assert json.loads(base64.b64decode(index_metrics_header(metrics))) == decoded


def test_hierarchical_partition_key_prefix_scopes_the_query(query_emulator) -> None:
    client = CosmosClient(query_emulator.endpoint, query_emulator.key)
    container = client.get_database_client("querytests").create_container(
        "tenants", PartitionKey(path=["/tenant", "/user"], kind="MultiHash")
    )
    for tenant in ("t1", "t2"):
        for user in ("u1", "u2", "u3"):
            container.create_item({"id": f"{tenant}-{user}", "tenant": tenant, "user": user})

    def ids(prefix: list[str]) -> list[str]:
        return sorted(
            d["id"] for d in container.query_items("SELECT * FROM c", partition_key=prefix)
        )

    assert ids(["t1"]) == ["t1-u1", "t1-u2", "t1-u3"]
    assert ids(["t2", "u2"]) == ["t2-u2"]
    count = container.query_items("SELECT VALUE COUNT(1) FROM c", partition_key=["t2"])
    assert list(count) == [3]
