"""Query rules the SDK's own suite checks: a query without a partition key must be allowed to
cross partitions (400 otherwise, as the service answers), and spatial distance on points."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors


def test_a_query_without_a_key_must_be_allowed_to_cross_partitions(
    container: ContainerProxy,
) -> None:
    container.create_item({"id": "a", "pk": "p"})
    query = "SELECT * FROM c WHERE c.id = 'a'"
    with pytest.raises(errors.CosmosHttpResponseError) as refused:
        list(container.query_items(query))
    assert refused.value.status_code == 400
    assert "Cross partition query is required but disabled" in refused.value.message
    assert len(list(container.query_items(query, enable_cross_partition_query=True))) == 1
    assert len(list(container.query_items(query, partition_key="p"))) == 1
    pinned = "SELECT * FROM c WHERE c.pk = @pk AND c.id = 'a'"  # the service routes it
    assert len(list(container.query_items(pinned, [{"name": "@pk", "value": "p"}]))) == 1
    with pytest.raises(errors.CosmosHttpResponseError) as conflicts:
        list(container.query_conflicts("SELECT * FROM c"))
    assert conflicts.value.status_code == 400


def test_an_empty_prefix_key_or_a_partial_filter_is_a_cross_partition_query(
    database: DatabaseProxy, new_name: Callable[[str], str]
) -> None:
    container = database.create_container(
        new_name("hier"), PartitionKey(["/tenant", "/user"], kind="MultiHash")
    )
    container.create_item({"id": "a", "tenant": "t", "user": "u"})
    with pytest.raises(errors.CosmosHttpResponseError) as refused:
        list(container.query_items("SELECT * FROM c", partition_key=[]))
    assert refused.value.status_code == 400
    whole_key = "SELECT * FROM c WHERE c.tenant = 't' AND c.user = 'u'"
    assert len(list(container.query_items(whole_key))) == 1
    with pytest.raises(errors.CosmosHttpResponseError):
        list(container.query_items("SELECT * FROM c WHERE c.tenant = 't'"))  # a prefix only


def test_st_distance_between_points_in_meters(container: ContainerProxy) -> None:
    for name, longitude in (("near", 20.0), ("far", 100.0)):
        container.create_item(
            {"id": name, "pk": "p", "at": {"type": "Point", "coordinates": [longitude, 20.0]}}
        )
    query = (
        "SELECT c.id, ST_DISTANCE(c.at, {type: 'Point', coordinates: [20.1, 20]}) AS meters "
        "FROM c WHERE ST_DISTANCE(c.at, {type: 'Point', coordinates: [20.1, 20]}) < 20000"
    )
    [near] = container.query_items(query, partition_key="p")
    assert near["id"] == "near"
    assert near["meters"] == pytest.approx(10_450, rel=0.01)  # 0.1 degree at latitude 20
    invalid = "SELECT VALUE ST_ISVALID({type: 'Point', coordinates: [200, 0]}) FROM c"
    assert set(container.query_items(invalid, partition_key="p")) == {False}
