"""Partial document update and transactional batch through the real SDK."""

from __future__ import annotations

import pytest
from azure.cosmos import ContainerProxy
from azure.cosmos import exceptions as errors


@pytest.fixture
def item(container: ContainerProxy) -> dict:
    return container.create_item(
        {"id": "1", "pk": "a", "n": 1, "tags": ["x"], "nested": {"k": "v"}, "old": True}
    )


def test_every_patch_operation(container: ContainerProxy, item: dict) -> None:
    patched = container.patch_item(
        "1",
        "a",
        [
            {"op": "add", "path": "/added", "value": 1},
            {"op": "add", "path": "/tags/0", "value": "first"},
            {"op": "add", "path": "/tags/-", "value": "last"},
            {"op": "set", "path": "/nested/k", "value": "set"},
            {"op": "replace", "path": "/n", "value": 10},
            {"op": "incr", "path": "/n", "value": 5},
            {"op": "incr", "path": "/counter", "value": 2},
            {"op": "remove", "path": "/old"},
            {"op": "move", "from": "/added", "path": "/moved"},
        ],
    )
    assert patched["tags"] == ["first", "x", "last"]
    assert patched["nested"] == {"k": "set"}
    assert patched["n"] == 15 and patched["counter"] == 2 and patched["moved"] == 1
    assert "old" not in patched and "added" not in patched
    assert patched["_etag"] != item["_etag"]
    assert container.read_item("1", "a") == patched


def test_patch_condition(container: ContainerProxy, item: dict) -> None:
    applied = container.patch_item(
        "1", "a", [{"op": "set", "path": "/n", "value": 2}], filter_predicate="FROM c WHERE c.n = 1"
    )
    assert applied["n"] == 2
    with pytest.raises(errors.CosmosAccessConditionFailedError):
        container.patch_item(
            "1",
            "a",
            [{"op": "set", "path": "/n", "value": 3}],
            filter_predicate="FROM c WHERE c.n = 1",
        )
    assert container.read_item("1", "a")["n"] == 2


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([{"op": "replace", "path": "/missing", "value": 1}], "does not exist"),
        ([{"op": "remove", "path": "/missing"}], "does not exist"),
        ([{"op": "incr", "path": "/nested", "value": 1}], "not a number"),
        ([{"op": "set", "path": "/pk", "value": "b"}], "partition key"),
        ([{"op": "set", "path": f"/f{i}", "value": i} for i in range(11)], "at most 10"),
        (
            [{"op": "set", "path": "/n", "value": 9}, {"op": "remove", "path": "/nope"}],
            "does not exist",
        ),
    ],
)
def test_bad_patches_answer_400_and_change_nothing(
    container: ContainerProxy, item: dict, operations: list, message: str
) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.patch_item("1", "a", operations)
    assert raised.value.status_code == 400
    assert message in raised.value.message
    assert container.read_item("1", "a") == item


def test_patch_if_match(container: ContainerProxy, item: dict) -> None:
    from azure.core import MatchConditions

    with pytest.raises(errors.CosmosAccessConditionFailedError):
        container.patch_item(
            "1",
            "a",
            [{"op": "set", "path": "/n", "value": 2}],
            etag='"stale"',
            match_condition=MatchConditions.IfNotModified,
        )


def test_batch_applies_every_operation_type(container: ContainerProxy, item: dict) -> None:
    container.create_item({"id": "gone", "pk": "a"})
    results = container.execute_item_batch(
        [
            ("create", ({"id": "2", "pk": "a"},)),
            ("upsert", ({"id": "3", "pk": "a", "v": 1},)),
            ("replace", ("1", {"id": "1", "pk": "a", "n": 99})),
            ("read", ("1",)),
            ("patch", ("3", [{"op": "incr", "path": "/v", "value": 1}])),
            ("delete", ("gone",)),
        ],
        partition_key="a",
    )
    assert [r["statusCode"] for r in results] == [201, 201, 200, 200, 200, 204]
    assert results[3]["resourceBody"]["n"] == 99
    assert all(r["requestCharge"] > 0 for r in results)
    assert container.read_item("3", "a")["v"] == 2
    assert {i["id"] for i in container.read_all_items()} == {"1", "2", "3"}


def test_failed_batch_is_atomic(container: ContainerProxy, item: dict) -> None:
    with pytest.raises(errors.CosmosBatchOperationError) as raised:
        container.execute_item_batch(
            [
                ("create", ({"id": "new", "pk": "a"},)),
                ("replace", ("1", {"id": "1", "pk": "a", "n": 2})),
                ("delete", ("1",)),
                ("create", ({"id": "new", "pk": "a"},)),
                ("upsert", ({"id": "later", "pk": "a"},)),
            ],
            partition_key="a",
        )
    error = raised.value
    assert error.error_index == 3
    assert [r["statusCode"] for r in error.operation_responses] == [424, 424, 424, 409, 424]
    assert [i["id"] for i in container.read_all_items()] == ["1"]
    assert container.read_item("1", "a") == item


def test_batch_limits(container: ContainerProxy) -> None:
    too_many = [("create", ({"id": str(n), "pk": "a"},)) for n in range(101)]
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.execute_item_batch(too_many, partition_key="a")
    assert raised.value.status_code == 400
    big = "x" * (1024 * 1024)
    too_large = [("create", ({"id": str(n), "pk": "a", "blob": big},)) for n in range(3)]
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.execute_item_batch(too_large, partition_key="a")
    assert raised.value.status_code == 413
    assert list(container.read_all_items()) == []
