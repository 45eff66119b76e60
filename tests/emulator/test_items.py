"""Items through the real SDK: CRUD, system properties, preconditions, feeds, and the
service's error answers (a failed request changes nothing)."""

from __future__ import annotations

import json
import re

import pytest
from azure.core import MatchConditions
from azure.cosmos import ContainerProxy
from azure.cosmos import exceptions as errors


def _docs_path(container: ContainerProxy) -> str:
    return f"{container.container_link}/docs"


def test_create_read_replace_upsert_delete(container: ContainerProxy) -> None:
    created = container.create_item({"id": "1", "pk": "a", "n": 1})
    assert {"_rid", "_self", "_etag", "_ts", "_attachments"} <= created.keys()
    assert created["_self"] == f"{container.read()['_self']}docs/{created['_rid']}/"
    assert container.read_item("1", "a") == created

    replaced = container.replace_item("1", {"id": "1", "pk": "a", "n": 2})
    assert replaced["n"] == 2 and replaced["_etag"] != created["_etag"]
    assert replaced["_rid"] == created["_rid"]

    upserted = container.upsert_item({"id": "1", "pk": "a", "n": 3})
    assert container.client_connection.last_response_headers["x-ms-request-charge"]
    assert upserted["n"] == 3
    container.upsert_item({"id": "2", "pk": "a"})
    assert container.read_item("2", "a")["id"] == "2"

    container.delete_item("1", "a")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.read_item("1", "a")


def test_same_id_in_different_logical_partitions(container: ContainerProxy) -> None:
    container.create_item({"id": "x", "pk": "a", "v": 1})
    container.create_item({"id": "x", "pk": "b", "v": 2})
    assert container.read_item("x", "a")["v"] == 1
    assert container.read_item("x", "b")["v"] == 2


def test_partition_key_value_types(container: ContainerProxy) -> None:
    from azure.cosmos.partition_key import NonePartitionKeyValue

    container.create_item({"id": "n", "pk": 5})
    container.create_item({"id": "b", "pk": True})
    container.create_item({"id": "z", "pk": None})
    container.create_item({"id": "u"})
    assert container.read_item("n", 5)["pk"] == 5
    assert container.read_item("b", True)["pk"] is True
    assert container.read_item("z", None)["pk"] is None
    assert container.read_item("u", NonePartitionKeyValue)["id"] == "u"


def test_response_headers(container: ContainerProxy) -> None:
    headers = {}
    container.create_item({"id": "1", "pk": "a"}, response_hook=lambda h, _: headers.update(h))
    assert float(headers["x-ms-request-charge"]) > 0
    assert headers["x-ms-activity-id"]
    assert headers["etag"].startswith('"')
    assert re.fullmatch(r"\d+:-1#\d+", headers["x-ms-session-token"])
    assert headers["x-ms-documentdb-partitionkeyrangeid"] == "0"


def test_if_match_and_if_none_match(container: ContainerProxy) -> None:
    item = container.create_item({"id": "1", "pk": "a"})
    with pytest.raises(errors.CosmosAccessConditionFailedError):
        container.replace_item(
            "1",
            {"id": "1", "pk": "a", "n": 1},
            etag='"stale"',
            match_condition=MatchConditions.IfNotModified,
        )
    with pytest.raises(errors.CosmosAccessConditionFailedError):
        container.delete_item(
            "1", "a", etag='"stale"', match_condition=MatchConditions.IfNotModified
        )
    with pytest.raises(errors.CosmosAccessConditionFailedError):
        container.upsert_item(
            {"id": "1", "pk": "a"}, etag='"stale"', match_condition=MatchConditions.IfNotModified
        )
    assert container.read_item("1", "a")["_etag"] == item["_etag"]
    container.replace_item(
        "1",
        {"id": "1", "pk": "a", "n": 1},
        etag=item["_etag"],
        match_condition=MatchConditions.IfNotModified,
    )
    current = container.read_item("1", "a")
    # 304 Not Modified: the SDK returns an empty item instead of raising.
    unchanged = container.read_item(
        "1", "a", etag=current["_etag"], match_condition=MatchConditions.IfModified
    )
    assert unchanged == {}
    assert container.client_connection.last_response_headers["etag"] == current["_etag"]


def test_if_none_match_returns_304_raw(container: ContainerProxy, raw) -> None:
    item = container.create_item({"id": "1", "pk": "a"})
    path = f"{_docs_path(container)}/1"
    headers = {"x-ms-documentdb-partitionkey": '["a"]'}
    unchanged = raw("GET", path, headers={**headers, "if-none-match": item["_etag"]})
    assert unchanged.status == 304 and unchanged.body == b""
    changed = raw("GET", path, headers={**headers, "if-none-match": '"other"'})
    assert changed.status == 200 and changed.json()["id"] == "1"


def test_read_all_items_and_delete_by_partition_key(container: ContainerProxy) -> None:
    for number in range(25):
        container.create_item({"id": str(number), "pk": "ab"[number % 2]})
    assert len(list(container.read_all_items(max_item_count=4))) == 25
    container.delete_all_items_by_partition_key("a")
    remaining = list(container.read_all_items())
    assert len(remaining) == 12 and {i["pk"] for i in remaining} == {"b"}


def test_conflict_and_not_found(container: ContainerProxy) -> None:
    container.create_item({"id": "1", "pk": "a"})
    with pytest.raises(errors.CosmosResourceExistsError):
        container.create_item({"id": "1", "pk": "a", "changed": True})
    assert "changed" not in container.read_item("1", "a")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.replace_item("missing", {"id": "missing", "pk": "a"})
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.delete_item("missing", "a")


@pytest.mark.parametrize(
    ("body", "message", "substatus"),
    [
        (b'{"id": "1", "pk": ', "invalid JSON", "0"),
        (b'{"pk": "a"}', "required properties - 'id; ' - are missing", "0"),
        (b'{"id": "a/b", "pk": "a"}', "is invalid", "0"),
        (b'{"id": 7, "pk": "a"}', "is invalid", "0"),
        (b'{"id": "1", "pk": "other"}', "doesn't match the one specified in the header", "1001"),
        (b'{"id": "1", "pk": "a", "ttl": 0}', "'ttl' 0 is invalid", "0"),
        (b'{"id": "1", "pk": "a", "ttl": null}', "'ttl' None is invalid", "0"),
    ],
)
def test_bad_item_bodies_answer_400_and_change_nothing(
    container: ContainerProxy, raw, body: bytes, message: str, substatus: str
) -> None:
    answer = raw(
        "POST", _docs_path(container), body, headers={"x-ms-documentdb-partitionkey": '["a"]'}
    )
    assert answer.status == 400
    assert answer.json()["code"] == "BadRequest"
    assert message in answer.json()["message"]
    assert answer.headers["x-ms-substatus"] == substatus
    assert float(answer.headers["x-ms-request-charge"]) >= 0
    assert list(container.read_all_items()) == []


def test_replace_cannot_move_an_item_to_another_partition_key(
    container: ContainerProxy, raw
) -> None:
    container.create_item({"id": "1", "pk": "a"})
    answer = raw(
        "PUT",
        f"{_docs_path(container)}/1",
        b'{"id": "1", "pk": "b"}',
        headers={"x-ms-documentdb-partitionkey": '["a"]'},
    )
    assert answer.status == 400
    assert container.read_item("1", "a")["pk"] == "a"


def test_item_over_2_mb_answers_413(container: ContainerProxy) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item({"id": "big", "pk": "a", "blob": "x" * (2 * 1024 * 1024)})
    assert raised.value.status_code == 413
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.read_item("big", "a")


def test_missing_partition_key_header_on_read(container: ContainerProxy, raw) -> None:
    answer = raw("GET", f"{_docs_path(container)}/1")
    assert answer.status == 400
    assert "PartitionKey value must be supplied" in answer.json()["message"]


def test_unknown_container_and_database(container: ContainerProxy, raw) -> None:
    answer = raw(
        "GET", "dbs/nope/colls/c/docs/1", headers={"x-ms-documentdb-partitionkey": '["a"]'}
    )
    assert answer.status == 404 and answer.json()["code"] == "NotFound"
    path = container.container_link.rsplit("/", 1)[0] + "/nope/docs/1"
    answer = raw("GET", path, headers={"x-ms-documentdb-partitionkey": '["a"]'})
    assert answer.status == 404 and "Container 'nope' does not exist" in answer.json()["message"]


def test_bad_container_definition(container: ContainerProxy, raw) -> None:
    database_path = container.container_link.rsplit("/", 2)[0]
    body = json.dumps({"id": "c2", "partitionKey": {"paths": ["pk"], "kind": "Hash"}}).encode()
    answer = raw("POST", f"{database_path}/colls", body)
    assert answer.status == 400 and "partitionKey.paths" in answer.json()["message"]
