"""Databases, containers and throughput offers through the real SDK."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.cosmos import CosmosClient, DatabaseProxy, PartitionKey, ThroughputProperties
from azure.cosmos import exceptions as errors


def test_database_lifecycle(client: CosmosClient, new_name: Callable[[str], str]) -> None:
    name = new_name("life")
    created = client.create_database(name)
    assert created.read()["id"] == name
    assert client.create_database_if_not_exists(name).id == name
    assert name in [d["id"] for d in client.list_databases()]
    with pytest.raises(errors.CosmosResourceExistsError):
        client.create_database(name)
    client.delete_database(name)
    with pytest.raises(errors.CosmosResourceNotFoundError):
        client.get_database_client(name).read()
    assert client.create_database_if_not_exists(name).read()["id"] == name
    client.delete_database(name)


def test_container_lifecycle_keeps_definition_as_the_service_completes_it(
    database: DatabaseProxy,
) -> None:
    policy = {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/name/?"}],
        "excludedPaths": [{"path": "/*"}],
        "compositeIndexes": [[{"path": "/a", "order": "ascending"}, {"path": "/b"}]],
    }
    container = database.create_container(
        "c", PartitionKey("/tenant"), indexing_policy=policy, default_ttl=60
    )
    properties = container.read()
    # As sent, plus the system path the service always excludes.
    assert properties["indexingPolicy"] == {
        **policy,
        "excludedPaths": [{"path": "/*"}, {"path": '/"_etag"/?'}],
    }
    assert properties["defaultTtl"] == 60
    assert properties["partitionKey"] == {"paths": ["/tenant"], "kind": "Hash", "version": 2}
    assert {"_rid", "_self", "_etag", "_ts"} <= properties.keys()
    assert database.create_container_if_not_exists("c", PartitionKey("/tenant")).id == "c"
    assert [c["id"] for c in database.list_containers()] == ["c"]
    with pytest.raises(errors.CosmosResourceExistsError):
        database.create_container("c", PartitionKey("/tenant"))

    replaced = database.replace_container(
        container,
        PartitionKey("/tenant"),
        default_ttl=-1,
        indexing_policy={"indexingMode": "none", "automatic": False},
    ).read()
    assert replaced["defaultTtl"] == -1
    assert replaced["indexingPolicy"] == {
        "indexingMode": "none",
        "automatic": False,
        "includedPaths": [],
        "excludedPaths": [],
    }
    assert replaced["_etag"] != properties["_etag"]

    database.delete_container("c")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        container.read()


def test_partition_key_cannot_change_on_replace(database: DatabaseProxy) -> None:
    container = database.create_container("c", PartitionKey("/a"))
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.replace_container(container, PartitionKey("/b"))
    assert raised.value.status_code == 400


def test_hierarchical_partition_keys_up_to_three_paths(database: DatabaseProxy) -> None:
    container = database.create_container(
        "h", PartitionKey(["/tenant", "/user", "/session"], kind="MultiHash")
    )
    assert container.read()["partitionKey"]["kind"] == "MultiHash"
    for name in ("h4", "h"):  # an invalid definition is 400 even when the id is taken (not 409)
        with pytest.raises(errors.CosmosHttpResponseError) as raised:
            database.create_container(
                name, PartitionKey(["/a", "/b", "/c", "/d"], kind="MultiHash")
            )
        assert raised.value.status_code == 400
        assert "Too many partition key paths (4)" in raised.value.message


def test_manual_throughput_read_and_replace(database: DatabaseProxy) -> None:
    container = database.create_container("m", PartitionKey("/pk"), offer_throughput=400)
    assert container.get_throughput().offer_throughput == 400
    container.replace_throughput(1000)
    assert container.get_throughput().offer_throughput == 1000
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.replace_throughput(450)
    assert raised.value.status_code == 400
    assert container.get_throughput().offer_throughput == 1000


def test_autoscale_throughput_read_and_replace(database: DatabaseProxy) -> None:
    container = database.create_container(
        "a",
        PartitionKey("/pk"),
        offer_throughput=ThroughputProperties(auto_scale_max_throughput=4000),
    )
    assert container.get_throughput().auto_scale_max_throughput == 4000
    container.replace_throughput(ThroughputProperties(auto_scale_max_throughput=8000))
    assert container.get_throughput().auto_scale_max_throughput == 8000


def test_autoscale_increment_percent_round_trips(
    client: CosmosClient, database: DatabaseProxy, new_name: Callable[[str], str]
) -> None:
    container = database.create_container(
        "inc",
        PartitionKey("/pk"),
        offer_throughput=ThroughputProperties(
            auto_scale_max_throughput=5000, auto_scale_increment_percent=0
        ),
    )
    offer = container.get_throughput()
    assert (offer.auto_scale_max_throughput, offer.auto_scale_increment_percent) == (5000, 0)
    assert offer.offer_throughput is None
    # The SDK's replace writes into the offer's autoUpgradePolicy: it must be there.
    container.replace_throughput(
        ThroughputProperties(auto_scale_max_throughput=7000, auto_scale_increment_percent=20)
    )
    offer = container.get_throughput()
    assert (offer.auto_scale_max_throughput, offer.auto_scale_increment_percent) == (7000, 20)

    shared = client.create_database(
        new_name("inc"),
        offer_throughput=ThroughputProperties(
            auto_scale_max_throughput=9000, auto_scale_increment_percent=11
        ),
    )
    try:
        assert shared.get_throughput().auto_scale_increment_percent == 11
    finally:
        client.delete_database(shared.id)


def test_autoscale_below_the_minimum_is_refused_in_the_service_words(
    database: DatabaseProxy,
) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.create_container(
            "low",
            PartitionKey("/pk"),
            offer_throughput=ThroughputProperties(
                auto_scale_max_throughput=-200, auto_scale_increment_percent=0
            ),
        )
    assert raised.value.status_code == 400
    assert "Requested throughput -200 is less than required minimum throughput 1000" in str(
        raised.value
    )


def test_shared_database_throughput(client: CosmosClient, new_name: Callable[[str], str]) -> None:
    database = client.create_database(new_name("shared"), offer_throughput=1000)
    try:
        assert database.get_throughput().offer_throughput == 1000
        database.create_container("c", PartitionKey("/pk")).create_item({"id": "1", "pk": "a"})
        database.replace_throughput(2000)
        assert database.get_throughput().offer_throughput == 2000
    finally:
        client.delete_database(database.id)


def test_invalid_throughput_is_refused(database: DatabaseProxy) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.create_container("bad", PartitionKey("/pk"), offer_throughput=300)
    assert raised.value.status_code == 400
    with pytest.raises(errors.CosmosResourceNotFoundError):
        database.get_container_client("bad").read()


def test_only_provisioned_resources_have_offers(
    client: CosmosClient, database: DatabaseProxy
) -> None:
    # (get_throughput() on a container without an offer crashes inside azure-cosmos 4.17.1:
    # its "no offer" 404 goes through a retry path that needs a container link it lacks.)
    provisioned = database.create_container("p", PartitionKey("/pk"), offer_throughput=400)
    unprovisioned = database.create_container("u", PartitionKey("/pk"))
    resources = {o["resource"] for o in client.client_connection.ReadOffers()}
    assert provisioned.read()["_self"] in resources
    assert unprovisioned.read()["_self"] not in resources
