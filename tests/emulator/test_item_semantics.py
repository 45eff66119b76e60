"""Item and partition-key semantics the SDK's own suite checks: rid-based (`_self`) links,
replaces that rename, `no_response`, LSN headers, items without a partition-key value,
computed properties, and the service's answers to wrong keys."""

from __future__ import annotations

import asyncio
import json
from email.utils import formatdate

import pytest
from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient
from azure.cosmos.partition_key import NonePartitionKeyValue

from bench.emulator import LocalEmulator
from bench.emulator.auth import master_key_header

from .rawhttp import send


def test_items_addressed_by_their_self_link(container: ContainerProxy) -> None:
    """`read_item(item=doc)` & co. send `dbs/<rid>/colls/<rid>/docs/<rid>/`, signed with the
    lower-cased item rid; the emulator answered 401 before."""
    doc = container.create_item({"id": "1", "pk": "a", "n": 1})
    assert container.read_item(item=doc, partition_key="a")["n"] == 1

    replaced = container.replace_item(item=doc, body={"id": "1", "pk": "a", "n": 2})
    assert replaced["n"] == 2 and replaced["_rid"] == doc["_rid"]

    with pytest.raises(errors.CosmosResourceNotFoundError):  # the rid is in another partition
        container.read_item(item=doc, partition_key="b")

    container.delete_item(item=replaced, partition_key="a")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.read_item(item=doc, partition_key="a")


def test_async_sdk_self_links_and_no_response(
    emulator: LocalEmulator, container: ContainerProxy
) -> None:
    async def scenario() -> None:
        async with AsyncCosmosClient(emulator.endpoint, emulator.key) as client:
            proxy = client.get_database_client(container.container_link.split("/")[1])
            items = proxy.get_container_client(container.id)
            doc = await items.create_item({"id": "1", "pk": "a"})
            assert (await items.read_item(item=doc, partition_key="a"))["id"] == "1"
            body = {"id": "2", "pk": "a"}
            assert await items.replace_item(item=doc, body=body, no_response=True) == {}
            await items.delete_item(item=doc, partition_key="a")  # the rid now names item "2"
            assert [i["id"] async for i in items.read_all_items()] == []

    asyncio.run(scenario())


def test_database_and_container_read_by_rid_link(
    emulator: LocalEmulator, container: ContainerProxy
) -> None:
    """A `_self` link of a container is signed with its lower-cased rid (the SDK's rule)."""
    properties = container.read()
    date = formatdate(usegmt=True)
    rid = properties["_rid"]
    authorization = master_key_header(emulator.key, "GET", "colls", rid.lower(), date)
    answer = send(
        emulator.endpoint, emulator.key, "GET", properties["_self"], date=date,
        authorization=authorization,
    )  # fmt: skip
    assert answer.status == 200, answer.body
    assert answer.json()["id"] == container.id

    authorization = master_key_header(emulator.key, "POST", "docs", rid.lower(), date)
    created = send(
        emulator.endpoint, emulator.key, "POST", f"{properties['_self']}docs",
        b'{"id": "by-rid", "pk": "a"}', {"x-ms-documentdb-partitionkey": '["a"]'},
        date=date, authorization=authorization,
    )  # fmt: skip
    assert created.status == 201, created.body
    assert container.read_item("by-rid", "a")["_rid"] == created.json()["_rid"]


def test_replace_with_another_id_renames_the_item(container: ContainerProxy) -> None:
    doc = container.create_item({"id": "old", "pk": "a"})
    container.create_item({"id": "taken", "pk": "a"})

    renamed = container.replace_item(item="old", body={"id": "new", "pk": "a", "v": 1})
    assert renamed["id"] == "new" and renamed["_rid"] == doc["_rid"]
    assert sorted(i["id"] for i in container.read_all_items()) == ["new", "taken"]
    assert container.read_item(item=renamed, partition_key="a")["v"] == 1  # by _self, too

    with pytest.raises(errors.CosmosResourceExistsError):
        container.replace_item(item="new", body={"id": "taken", "pk": "a"})
    assert container.read_item("new", "a")["v"] == 1


def test_batch_replace_renames_the_item_its_operation_names(container: ContainerProxy) -> None:
    container.create_item({"id": "old", "pk": "a"})
    results = container.execute_item_batch(
        [("replace", ("old", {"id": "new", "pk": "a"}))], partition_key="a"
    )
    assert results[0]["statusCode"] == 200
    assert [i["id"] for i in container.read_all_items()] == ["new"]


def test_no_response_writes_answer_without_a_body(container: ContainerProxy) -> None:
    """`no_response=True` sends `Prefer: return=minimal`; the SDK returns `{}` only when the
    body is empty."""
    assert container.create_item({"id": "1", "pk": "a"}, no_response=True) == {}
    assert container.upsert_item({"id": "1", "pk": "a", "n": 1}, no_response=True) == {}
    assert container.replace_item("1", {"id": "1", "pk": "a", "n": 2}, no_response=True) == {}
    patch = [{"op": "add", "path": "/n", "value": 3}]
    assert container.patch_item("1", "a", patch, no_response=True) == {}
    assert container.read_item("1", "a")["n"] == 3


def test_lsn_headers_and_one_lsn_per_batch(container: ContainerProxy) -> None:
    container.create_item({"id": "1", "pk": "a"})
    read = container.read_item("1", "a").get_response_headers()
    assert read["lsn"] == read["x-ms-lsn"]
    container.upsert_item({"id": "1", "pk": "a", "n": 1})
    written = int(container.client_connection.last_response_headers["lsn"])
    assert written == int(read["lsn"]) + 1

    batch = [("create", ({"id": f"b{i}", "pk": "a"},)) for i in range(3)]
    results = container.execute_item_batch(batch, partition_key="a")
    assert int(results.get_response_headers()["lsn"]) == written + 1


def test_items_without_the_key_property_are_found_by_none_partition_key_value(
    container: ContainerProxy,
) -> None:
    container.create_item({"id": "keyless"})
    container.create_item({"id": "null", "pk": None})
    found = list(container.query_items("SELECT * FROM c", partition_key=NonePartitionKeyValue))
    assert [d["id"] for d in found] == ["keyless"]
    assert container.read_item("keyless", NonePartitionKeyValue)["id"] == "keyless"


def test_upsert_of_a_new_item_ignores_if_match(container: ContainerProxy) -> None:
    etag = '"00000000-0000-0000-0000-000000000000"'
    new = container.upsert_item(
        {"id": "1", "pk": "a"}, etag=etag, match_condition=MatchConditions.IfNotModified
    )
    assert new["id"] == "1"
    with pytest.raises(errors.CosmosAccessConditionFailedError):  # an existing item: it binds
        container.upsert_item(
            {"id": "1", "pk": "a"}, etag=etag, match_condition=MatchConditions.IfNotModified
        )


def test_size_limit_holds_for_the_body_as_sent(container: ContainerProxy) -> None:
    """Escaped as the SDK sends it by default (\\uXXXX), this item is over 2 MB; stored as
    UTF-8 it would be under."""
    item = {"id": "big", "pk": "a", "text": "漢" * 500_000}
    assert len(json.dumps(item).encode()) > 2 * 1024 * 1024
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item(item)
    assert raised.value.status_code == 413


def test_partition_key_mismatch_is_400_1001_before_the_item_is_looked_up(
    container: ContainerProxy, database: DatabaseProxy, new_name, raw
) -> None:
    answer = raw(  # no such item, and the body's key disagrees with the header's: 400, not 404
        "PUT",
        f"{container.container_link}/docs/missing",
        b'{"id": "missing", "pk": "a"}',
        headers={"x-ms-documentdb-partitionkey": '["b"]'},
    )
    assert (answer.status, answer.headers["x-ms-substatus"]) == (400, "1001")

    hierarchical = database.create_container(
        new_name("hier"), PartitionKey(["/state", "/city"], kind="MultiHash")
    )
    doc = hierarchical.create_item({"id": "1", "state": "WA", "city": "Redmond"})
    for call in (
        lambda: hierarchical.read_item(doc, partition_key=["WA"]),
        lambda: hierarchical.create_item({"id": "2", "city": "Redmond"}),
        lambda: hierarchical.execute_item_batch([("read", ("1",))], partition_key=["WA"]),
    ):
        with pytest.raises(errors.CosmosHttpResponseError) as raised:
            call()
        assert (raised.value.status_code, raised.value.sub_status) == (400, 1001)
        assert "Partition key" in raised.value.message or "PartitionKey" in raised.value.message


def test_invalid_ttl_is_400_before_conflict_or_not_found(container: ContainerProxy) -> None:
    container.create_item({"id": "1", "pk": "a"})
    for write in (
        lambda: container.create_item({"id": "1", "pk": "a", "ttl": 0}),  # id taken
        lambda: container.replace_item("missing", {"id": "missing", "pk": "a", "ttl": 0}),
    ):
        with pytest.raises(errors.CosmosHttpResponseError) as raised:
            write()
        assert raised.value.status_code == 400


def test_batch_error_texts(container: ContainerProxy) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.execute_item_batch([], partition_key="a")
    assert "Batch request has no operations." in raised.value.message
    too_many = [("create", ({"id": str(i), "pk": "a"},)) for i in range(101)]
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.execute_item_batch(too_many, partition_key="a")
    assert "Batch request has more operations than what is supported." in raised.value.message


COMPUTED = [
    {"name": "cp_lower", "query": "SELECT VALUE LOWER(c.group) FROM c"},
    {"name": "cp_square", "query": "SELECT VALUE POWER(c.n, 2) FROM c"},
]


def test_computed_properties_are_seen_by_queries_not_stored(
    database: DatabaseProxy, new_name
) -> None:
    container = database.create_container(
        new_name("cp"), PartitionKey("/pk"), computed_properties=COMPUTED
    )
    assert container.read()["computedProperties"] == COMPUTED
    for i, group in enumerate(["GroupA", "groupa", "GroupB"]):
        container.create_item({"id": str(i), "pk": "p", "group": group, "n": i})

    def ids(query: str) -> list[str]:
        return sorted(d["id"] for d in container.query_items(query, partition_key="p"))

    assert ids("SELECT * FROM c WHERE c.cp_lower = 'groupa'") == ["0", "1"]
    assert ids("SELECT * FROM root r WHERE r['cp_square'] = 4") == ["2"]
    values = list(container.query_items("SELECT VALUE c.cp_square FROM c", partition_key="p"))
    assert sorted(values) == [0, 1, 4]
    everything = list(container.query_items("SELECT * FROM c", partition_key="p"))
    assert all("cp_lower" not in d for d in everything)
    assert "cp_lower" not in container.read_item("0", "p")

    database.replace_container(container, PartitionKey("/pk"), computed_properties=COMPUTED[1:])
    assert ids("SELECT * FROM c WHERE c.cp_lower = 'groupa'") == []


@pytest.mark.parametrize(
    "definitions",
    [
        {"name": "cp", "query": "SELECT VALUE LOWER(c.a) FROM c"},  # not a list
        [{"name": "cp", "query": "SELECT LOWER(c.a) FROM c"}],  # not SELECT VALUE
        [{"name": "cp", "query": "SELECT VALUE c.a FROM c WHERE c.b = 1"}],
        [{"name": "id", "query": "SELECT VALUE c.a FROM c"}],  # reserved name
        [{"name": "x", "query": "SELECT VALUE c.a FROM c"}] * 2,  # duplicate name
        [
            {"name": "x", "query": "SELECT VALUE c.y FROM c"},  # uses another one
            {"name": "y", "query": "SELECT VALUE 1 FROM c"},
        ],
        [{"name": "x", "query": "SELECT VALUE FROM c"}],  # does not parse
    ],
)  # fmt: skip
def test_invalid_computed_properties_are_rejected_at_create_and_replace(
    database: DatabaseProxy, new_name, definitions: object
) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.create_container(
            new_name("cp"), PartitionKey("/pk"), computed_properties=definitions
        )
    assert raised.value.status_code == 400
    assert "One of the specified inputs is invalid" in raised.value.message

    container = database.create_container(new_name("cp"), PartitionKey("/pk"))
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.replace_container(container, PartitionKey("/pk"), computed_properties=definitions)
    assert raised.value.status_code == 400
    assert "computedProperties" not in container.read()


def test_quoted_partition_key_path_segments_may_hold_slashes(
    database: DatabaseProxy, new_name
) -> None:
    paths = ['/"first level\' 1"/"le/vel2"', "/'second level\" 1'/'le/vel2'"]
    container = database.create_container(new_name("q"), PartitionKey(paths, kind="MultiHash"))
    doc = {"id": "1", "first level' 1": {"le/vel2": "v1"}, 'second level" 1': {"le/vel2": "v2"}}
    container.create_item(doc)  # the SDK extracts ["v1","v2"]; the emulator must agree
    assert container.read_item("1", ["v1", "v2"])["id"] == "1"
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.create_container(new_name("q"), PartitionKey('/"unclosed'))
    assert raised.value.status_code == 400 and '/"unclosed' in raised.value.message


def test_database_and_container_names_are_limited_to_254_characters(
    client, database: DatabaseProxy, container: ContainerProxy
) -> None:
    long_name = "n" * 255
    for create in (
        client.create_database,
        lambda name: database.create_container(name, PartitionKey("/pk")),
    ):
        with pytest.raises(errors.CosmosHttpResponseError) as raised:
            create(long_name)
        assert "less than '255' characters." in raised.value.message
    container.create_item({"id": long_name, "pk": "a"})  # item ids may be up to 1023 bytes
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item({"id": "i" * 1024, "pk": "a"})
    assert "less than '1024' characters." in raised.value.message


@pytest.mark.parametrize("version", [1, 2])
def test_feed_range_of_a_key_finds_its_items(
    database: DatabaseProxy, new_name, version: int
) -> None:
    container = database.create_container(new_name("fr"), PartitionKey("/pk", version=version))
    container.create_item({"id": "keyless"})
    container.create_item({"id": "keyed", "pk": "a"})
    for key, expected in ((NonePartitionKeyValue, "keyless"), ("a", "keyed")):
        feed_range = container.feed_range_from_partition_key(key)
        found = container.query_items("SELECT * FROM c", feed_range=feed_range)
        assert [d["id"] for d in found] == [expected]
