"""Queries and feeds at the gateway: routing by partition key, stable paging behind opaque
continuations, the execution's charge spread over its pages, query metrics headers."""

from __future__ import annotations

import json
import urllib.parse

from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator, fetch_ledger


class PageCharges:
    """A response hook that records each page's charge (the SDK calls `clear()` first)."""

    def __init__(self) -> None:
        self.charges: list[float] = []
        self.headers: list[dict] = []

    def clear(self) -> None:
        self.charges.clear()

    def __call__(self, headers, _body) -> None:
        self.charges.append(float(headers["x-ms-request-charge"]))
        self.headers.append(dict(headers))


def _fill(container: ContainerProxy, count: int) -> None:
    for number in range(count):
        container.create_item({"id": str(number), "pk": f"p{number % 5}", "n": number})


def test_paging_is_stable_while_the_container_changes(container: ContainerProxy) -> None:
    _fill(container, 35)
    pages = container.query_items(
        "SELECT c.id FROM c", enable_cross_partition_query=True, max_item_count=10
    ).by_page()
    seen = [i["id"] for i in next(pages)]
    assert len(seen) == 10
    container.create_item({"id": "late", "pk": "p0"})
    for number in range(20, 35):
        container.delete_item(str(number), f"p{number % 5}")
    for page in pages:
        seen += [i["id"] for i in page]
    assert sorted(seen, key=int) == [str(n) for n in range(35)]


def test_page_charges_sum_to_the_whole_query(container: ContainerProxy) -> None:
    _fill(container, 45)
    query = "SELECT * FROM c WHERE c.n >= 0"
    whole, paged = PageCharges(), PageCharges()
    list(
        container.query_items(
            query, enable_cross_partition_query=True, max_item_count=1000, response_hook=whole
        )
    )
    list(
        container.query_items(
            query, enable_cross_partition_query=True, max_item_count=10, response_hook=paged
        )
    )
    assert len(whole.charges) == 1 and len(paged.charges) == 5
    assert abs(sum(paged.charges) - whole.charges[0]) <= 0.01 * len(paged.charges)
    assert all(h.get("x-ms-continuation") for h in paged.headers[:-1])
    assert not paged.headers[-1].get("x-ms-continuation")
    assert all("etag" not in h for h in paged.headers)


def test_read_all_items_pages(container: ContainerProxy) -> None:
    _fill(container, 23)
    pages = [list(page) for page in container.read_all_items(max_item_count=5).by_page()]
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert sorted(int(i["id"]) for page in pages for i in page) == list(range(23))


def test_query_metrics_headers_on_request(container: ContainerProxy) -> None:
    _fill(container, 5)
    hook = PageCharges()
    list(
        container.query_items(
            "SELECT * FROM c", partition_key="p1", populate_query_metrics=True, response_hook=hook
        )
    )
    assert "retrievedDocumentCount=" in hook.headers[0]["x-ms-documentdb-query-metrics"]
    plain = PageCharges()
    list(container.query_items("SELECT * FROM c", partition_key="p1", response_hook=plain))
    assert "x-ms-documentdb-query-metrics" not in plain.headers[0]


def test_partition_key_queries_touch_one_partition(
    emulator: LocalEmulator, database: DatabaseProxy
) -> None:
    container = database.create_container("routed", PartitionKey("/pk"), offer_throughput=30000)
    _fill(container, 30)
    name = f"dbs/{database.id}/colls/routed"
    hook = PageCharges()
    assert (
        len(list(container.query_items("SELECT * FROM c", partition_key="p2", response_hook=hook)))
        == 6
    )
    range_id = hook.headers[0]["x-ms-documentdb-partitionkeyrangeid"]
    ledger = fetch_ledger(emulator.endpoint, emulator.key)["containers"][name]["partitions"]
    queried = [p for p, totals in ledger.items() if "Query" in totals.get("operations", {})]
    assert queried == [range_id]
    list(container.query_items("SELECT * FROM c", enable_cross_partition_query=True))
    ledger = fetch_ledger(emulator.endpoint, emulator.key)["containers"][name]["partitions"]
    # "" is the gateway itself: its 1004 answer that starts the SDK's fan-out.
    queried = [p for p, totals in ledger.items() if p and "Query" in totals.get("operations", {})]
    assert len(queried) == 5  # ceil(30000 / 6000) partitions


def test_bad_query_answers_400(container: ContainerProxy) -> None:
    from azure.cosmos import exceptions as errors

    try:
        list(container.query_items("SELEC * FROM c", enable_cross_partition_query=True))
        raise AssertionError("a syntax error was accepted")
    except errors.CosmosHttpResponseError as error:
        assert error.status_code == 400


def test_expired_continuation_is_a_clear_400(container: ContainerProxy, raw) -> None:
    answer = raw(
        "POST",
        f"{container.container_link}/docs",
        b'{"query": "SELECT * FROM c"}',
        headers={
            "x-ms-documentdb-isquery": "true",
            "content-type": "application/query+json",
            "x-ms-continuation": "s999999:10",
            "x-ms-documentdb-query-enablecrosspartition": "true",
        },
    )
    assert answer.status == 400 and "restart the query" in answer.json()["message"]


def test_only_the_most_recently_drained_snapshots_stay_resumable(monkeypatch) -> None:
    """Drained queries stay resumable, but finished ones cannot pile up under load."""
    from bench.emulator import paging
    from bench.emulator.errors import CosmosError

    monkeypatch.setattr(paging, "DRAINED_KEPT", 2)
    snapshots = paging.Snapshots()
    tokens = []
    for _ in range(3):
        first = snapshots.first_page(paging.Snapshot([b"1", b"2"], 2.0), 1)
        tokens.append(first.continuation)
        assert snapshots.next_page(first.continuation, 1)[1].continuation is None  # drained
    for token in tokens[1:]:
        assert snapshots.next_page(token, 1)[1].items == [b"2"]
    try:
        snapshots.next_page(tokens[0], 1)
        raise AssertionError("the oldest drained snapshot was kept")
    except CosmosError as error:
        assert error.status == 400


def test_index_metrics_v2_answers_url_encoded_json(container: ContainerProxy, raw) -> None:
    """`x-ms-cosmos-populateindexmetrics-V2` (the .NET and JavaScript SDKs; azure-cosmos
    4.17.1 sends only the first version) gets the .NET SDK's `IndexMetricsInfo` shape."""
    container.create_item({"id": "1", "pk": "p", "name": "Tim", "age": 20})
    query = {"query": "SELECT * FROM c WHERE c.name = 'Tim' AND c.age > 15"}
    answer = raw(
        "POST",
        f"{container.container_link}/docs",
        json.dumps(query).encode(),
        headers={
            "x-ms-documentdb-isquery": "true",
            "content-type": "application/query+json",
            "x-ms-documentdb-partitionkey": '["p"]',
            "x-ms-cosmos-populateindexmetrics-V2": "True",
        },
    )
    assert answer.status == 200
    document = json.loads(urllib.parse.unquote(answer.headers["x-ms-cosmos-index-utilization"]))
    high = "High"
    assert document == {
        "Utilized": {
            "SingleIndexes": [
                {"IndexSpec": "/name/?", "IndexImpactScore": high},
                {"IndexSpec": "/age/?", "IndexImpactScore": high},
                {"IndexSpec": "/pk/?", "IndexImpactScore": high},
            ],
            "CompositeIndexes": [],
        },
        "Potential": {
            "SingleIndexes": [],
            "CompositeIndexes": [
                {"IndexSpecs": ["/name ASC", "/age ASC"], "IndexImpactScore": high}
            ],
        },
    }
