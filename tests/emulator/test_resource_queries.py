"""SQL queries and paged feeds over databases, containers and offers, through the real SDK
(`query_databases`, `query_containers`, `get_throughput`'s offer query, `list_*` pages)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.cosmos import CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors


def test_query_databases_with_parameters_text_and_no_match(
    client: CosmosClient, new_name: Callable[[str], str]
) -> None:
    names = [new_name("qdb"), new_name("qdb")]
    for name in names:
        client.create_database(name)
    try:
        by_parameter = list(
            client.query_databases(
                {
                    "query": "SELECT * FROM root r WHERE r.id=@id",
                    "parameters": [{"name": "@id", "value": names[0]}],
                }
            )
        )
        assert [d["id"] for d in by_parameter] == [names[0]]
        assert {"_rid", "_self", "_etag", "_colls"} <= by_parameter[0].keys()
        as_text = list(client.query_databases(f'SELECT * FROM root r WHERE r.id="{names[1]}"'))
        assert [d["id"] for d in as_text] == [names[1]]
        assert list(client.query_databases('SELECT * FROM root r WHERE r.id="none"')) == []
        # A query creates nothing.
        assert not any(d["id"] == "none" for d in client.list_databases())
    finally:
        for name in names:
            client.delete_database(name)


def test_query_containers_projects_and_orders(database: DatabaseProxy) -> None:
    for name in ("b", "a", "c"):
        database.create_container(name, PartitionKey("/pk"))
    found = list(database.query_containers("SELECT VALUE r.id FROM root r ORDER BY r.id DESC"))
    assert found == ["c", "b", "a"]
    selected = list(
        database.query_containers(
            query="SELECT * FROM root r WHERE r.id = @id",
            parameters=[{"name": "@id", "value": "a"}],
        )
    )
    assert [c["id"] for c in selected] == ["a"]
    assert selected[0]["partitionKey"]["paths"] == ["/pk"]


def test_bad_query_on_containers_is_a_400(database: DatabaseProxy) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        list(database.query_containers("SELECT * FROM"))
    assert raised.value.status_code == 400


def test_container_feed_pages_by_max_item_count(database: DatabaseProxy) -> None:
    for position in range(5):
        database.create_container(f"p{position}", PartitionKey("/pk"))
    pages = [list(page) for page in database.list_containers(max_item_count=2).by_page()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(c["id"] for page in pages for c in page) == [f"p{i}" for i in range(5)]


def test_offer_query_finds_the_offer_of_a_resource(database: DatabaseProxy) -> None:
    first = database.create_container("o1", PartitionKey("/pk"), offer_throughput=500)
    database.create_container("o2", PartitionKey("/pk"), offer_throughput=700)
    offers = list(
        database.client_connection.QueryOffers(
            {
                "query": "SELECT * FROM root r WHERE r.resource=@link",
                "parameters": [{"name": "@link", "value": first.read()["_self"]}],
            }
        )
    )
    assert [o["content"]["offerThroughput"] for o in offers] == [500]
