"""The latest-version change feed through the real SDK (sync and async): where it starts
(beginning, now, a point in time, a continuation), what it is scoped to (partition key,
feed range, partition key range id), latest-version semantics, 304s, charges, and
continuations that survive a split."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator, costs, fetch_ledger
from bench.emulator.documents import encode

from .rawhttp import RawResponse


def _ids(feed: Any) -> list[str]:
    return [item["id"] for item in feed]


def _etag(container: ContainerProxy) -> str:
    return container.client_connection.last_response_headers["etag"]


def _create(container: ContainerProxy, ids: list[str], pk: Callable[[str], str]) -> None:
    for item_id in ids:
        container.create_item({"id": item_id, "pk": pk(item_id)})


def test_beginning_continuation_and_now(container: ContainerProxy) -> None:
    assert list(container.query_items_change_feed()) == []  # from now (the default)
    assert list(container.query_items_change_feed(start_time="Beginning")) == []
    empty = _etag(container)
    _create(container, ["a", "b", "c"], lambda i: f"p-{i}")
    feed = list(container.query_items_change_feed(start_time="Beginning"))
    assert _ids(feed) == ["a", "b", "c"]
    assert [item["_lsn"] for item in feed] == sorted(item["_lsn"] for item in feed)
    assert _ids(container.query_items_change_feed(continuation=empty)) == ["a", "b", "c"]
    after_abc = _etag(container)
    assert list(container.query_items_change_feed(continuation=after_abc)) == []

    container.upsert_item({"id": "a", "pk": "p-a", "v": 2})  # an update moves "a" to the end
    container.delete_item("b", "p-b")  # deletes are not shown
    container.create_item({"id": "d", "pk": "p-d"})
    changed = list(container.query_items_change_feed(continuation=after_abc))
    assert _ids(changed) == ["a", "d"] and changed[0]["v"] == 2
    assert _ids(container.query_items_change_feed(start_time="Beginning")) == ["c", "a", "d"]

    now = container.query_items_change_feed(start_time="Now")
    assert list(now) == []
    from_now = _etag(container)
    container.create_item({"id": "e", "pk": "p-e"})
    assert _ids(container.query_items_change_feed(continuation=from_now)) == ["e"]


def test_many_updates_leave_one_entry_per_item(container: ContainerProxy) -> None:
    """Enough updates that the change log compacts its superseded entries."""
    _create(container, ["a", "b", "c"], lambda i: "p")
    for version in range(150):
        container.upsert_item({"id": "a", "pk": "p", "v": version})
    container.delete_item("b", "p")
    feed = list(container.query_items_change_feed(start_time="Beginning"))
    assert _ids(feed) == ["c", "a"] and feed[1]["v"] == 149


def test_pages_follow_max_item_count(container: ContainerProxy) -> None:
    names = [f"i{n:02}" for n in range(25)]
    _create(container, names, lambda i: "one")
    pages = container.query_items_change_feed(start_time="Beginning", max_item_count=10).by_page()
    sizes = [len(list(page)) for page in pages]
    assert sizes == [10, 10, 5]
    assert _ids(container.query_items_change_feed(start_time="Beginning")) == names


def test_point_in_time(container: ContainerProxy) -> None:
    _create(container, ["old1", "old2"], lambda i: i)
    boundary = int(time.time()) + 1  # every "old" item has _ts below it
    time.sleep(max(0.0, boundary - time.time()))
    _create(container, ["new1", "new2"], lambda i: i)
    start = datetime.fromtimestamp(boundary, UTC)
    assert _ids(container.query_items_change_feed(start_time=start)) == ["new1", "new2"]
    future = datetime.fromtimestamp(boundary + 3600, UTC)
    assert list(container.query_items_change_feed(start_time=future)) == []


def test_scoped_by_partition_key_and_feed_range(database: DatabaseProxy) -> None:
    container = database.create_container("scoped", PartitionKey("/pk"), offer_throughput=12000)
    keys = [f"k{n}" for n in range(12)]
    _create(container, [f"{k}-{m}" for m in range(2) for k in keys], lambda i: i.split("-")[0])
    everything = set(_ids(container.query_items_change_feed(start_time="Beginning")))
    assert len(everything) == 24

    assert _ids(container.query_items_change_feed(start_time="Beginning", partition_key="k3")) == [
        "k3-0",
        "k3-1",
    ]
    ranges = list(container.read_feed_ranges())
    per_range = [
        _ids(container.query_items_change_feed(start_time="Beginning", feed_range=r))
        for r in ranges
    ]
    assert (
        len(ranges) == 2 and all(per_range) and {i for ids in per_range for i in ids} == everything
    )


def test_partition_key_of_a_version_1_hash_container(database: DatabaseProxy) -> None:
    """Version-1 EPKs are lower-case hex; the SDK's feed range bounds are upper case."""
    container = database.create_container("v1", PartitionKey("/pk", kind="Hash", version=1))
    _create(container, ["a-0", "b-0", "a-1"], lambda i: i.split("-")[0])
    feed = container.query_items_change_feed(start_time="Beginning", partition_key="a")
    assert _ids(feed) == ["a-0", "a-1"]


@pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")
def test_partition_key_range_id_and_its_plain_etag(container: ContainerProxy) -> None:
    """The deprecated `partition_key_range_id` (the SDK sends no range header with it, so the
    container must have one range) continues from a plain etag, not the SDK's token."""
    _create(container, ["a", "b"], lambda i: i)
    feed = container.query_items_change_feed(partition_key_range_id="0", start_time="Beginning")
    assert _ids(feed) == ["a", "b"]
    etag = _etag(container)
    assert etag.strip('"').isdigit()
    _create(container, ["c"], lambda i: i)
    resumed = container.query_items_change_feed(partition_key_range_id="0", continuation=etag)
    assert _ids(resumed) == ["c"]


def test_not_modified_and_charges(
    emulator: LocalEmulator, container: ContainerProxy, raw: Callable[..., RawResponse]
) -> None:
    charges: list[float] = []

    def hook(headers: Any, _: Any) -> None:
        charges.append(float(headers["x-ms-request-charge"]))

    list(container.query_items_change_feed(start_time="Beginning", response_hook=hook))
    assert charges == [costs.change_feed_charge(())]
    _create(container, ["x", "y"], lambda i: "p")
    feed = list(container.query_items_change_feed(start_time="Beginning", response_hook=hook))
    stored = [_stored_size(item) for item in feed]
    assert charges[1:] == [costs.change_feed_charge(stored), costs.change_feed_charge(())]

    docs = container.container_link + "/docs"
    answer = raw("GET", docs, headers={"a-im": "Incremental Feed"})
    etag = _lower(answer)["etag"]
    assert answer.status == 200 and len(answer.json()["Documents"]) == 2
    again = raw("GET", docs, headers={"a-im": "Incremental Feed", "if-none-match": etag})
    assert again.status == 304 and _lower(again)["etag"] == etag
    charges += [float(_lower(reply)["x-ms-request-charge"]) for reply in (answer, again)]
    assert charges[-1] == costs.change_feed_charge(())
    ledger = fetch_ledger(emulator.endpoint, emulator.key)["containers"][container.container_link]
    recorded = ledger["operations"]["ChangeFeed"]
    assert recorded["requests"] == 5 and recorded["request_charge"] == round(sum(charges), 2)


def _stored_size(item: dict[str, Any]) -> int:
    """The stored document's size: the change feed copy minus its `_lsn`."""
    stored = {k: v for k, v in item.items() if k != "_lsn"}
    return len(encode(stored))


def _lower(answer: RawResponse) -> dict[str, str]:
    return {k.lower(): v for k, v in answer.headers.items()}


def test_bad_requests_say_what_is_allowed(
    container: ContainerProxy, raw: Callable[..., RawResponse]
) -> None:
    docs = container.container_link + "/docs"
    bad_etag = raw("GET", docs, headers={"a-im": "Incremental Feed", "if-none-match": "abc"})
    assert bad_etag.status == 400 and "If-None-Match" in bad_etag.json()["message"]
    charge = float(_lower(bad_etag)["x-ms-request-charge"])
    assert charge == costs.failed_request_charge(400) > 0
    bad_time = raw("GET", docs, headers={"a-im": "Incremental Feed", "if-modified-since": "soon"})
    assert bad_time.status == 400 and "If-Modified-Since" in bad_time.json()["message"]
    with pytest.raises(errors.CosmosHttpResponseError) as caught:
        list(container.query_items_change_feed(mode="AllVersionsAndDeletes"))
    assert caught.value.status_code == 400
    assert "All Versions and Deletes" in str(caught.value) and "must be enabled" in str(
        caught.value
    )


def test_continuations_survive_a_split(database: DatabaseProxy) -> None:
    container = database.create_container("split", PartitionKey("/pk"), offer_throughput=400)
    before = [f"b{n}" for n in range(30)]
    _create(container, before, lambda i: f"p{i}")
    assert _ids(container.query_items_change_feed(start_time="Beginning")) == before
    whole = _etag(container)
    assert _ids(container.query_items_change_feed(start_time="Beginning", partition_key="pb7")) == [
        "b7"
    ]
    one_key = _etag(container)

    container.replace_throughput(30000)  # 1 -> 3 partitions: the old range answers 410/1002
    after = [f"a{n}" for n in range(30)]
    _create(container, after, lambda i: f"p{i}")
    container.upsert_item({"id": "b7", "pk": "pb7", "v": 2})
    resumed = _ids(container.query_items_change_feed(continuation=whole))
    assert sorted(resumed) == sorted([*after, "b7"]) and len(resumed) == len(set(resumed))
    assert _ids(container.query_items_change_feed(continuation=one_key)) == ["b7"]
    assert len(list(container.query_items_change_feed(start_time="Beginning"))) == 60


def test_async_sdk_reads_and_resumes_across_a_split(emulator: LocalEmulator) -> None:
    async def scenario() -> None:
        async with AsyncCosmosClient(emulator.endpoint, emulator.key) as client:
            database = await client.create_database("change-feed-async")
            try:
                container = await database.create_container(
                    "c", PartitionKey("/pk"), offer_throughput=400
                )
                for n in range(10):
                    await container.create_item({"id": f"b{n}", "pk": f"p{n}"})
                feed = container.query_items_change_feed(start_time="Beginning")
                assert [i["id"] async for i in feed] == [f"b{n}" for n in range(10)]
                etag = container.client_connection.last_response_headers["etag"]
                await container.replace_throughput(30000)
                for n in range(10):
                    await container.create_item({"id": f"a{n}", "pk": f"p{n}"})
                resumed = container.query_items_change_feed(continuation=etag)
                assert sorted([i["id"] async for i in resumed]) == sorted(
                    f"a{n}" for n in range(10)
                )
                by_key = container.query_items_change_feed(
                    start_time="Beginning", partition_key="p3"
                )
                assert [i["id"] async for i in by_key] == ["b3", "a3"]
            finally:
                await client.delete_database("change-feed-async")

    asyncio.run(scenario())
