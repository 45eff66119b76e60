"""What a container read returns, through the real SDK: the indexing policy as the service
completes it, and the quota, usage and statistics asked for on a read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors

DEFAULT_INCLUDED = [{"path": "/*"}]
ETAG_EXCLUDED = {"path": '/"_etag"/?'}


@pytest.mark.parametrize(
    "sent",
    [
        None,
        {},
        {"indexingMode": "consistent", "automatic": True},
        {"includedPaths": [{"path": "/*", "indexes": [{"kind": "Hash", "dataType": "String"}]}]},
    ],
    ids=["none", "empty", "partial", "with-legacy-indexes"],
)
def test_missing_paths_get_the_service_defaults(
    database: DatabaseProxy, sent: dict | None, new_name: Callable[[str], str]
) -> None:
    container = database.create_container(
        new_name("policy"), PartitionKey("/pk"), indexing_policy=sent
    )
    policy = container.read()["indexingPolicy"]
    assert policy["indexingMode"] == "consistent"
    assert policy["automatic"] is True
    assert policy["includedPaths"] == DEFAULT_INCLUDED
    assert policy["excludedPaths"] == [ETAG_EXCLUDED]


def test_legacy_root_path_becomes_the_wildcard(database: DatabaseProxy) -> None:
    container = database.create_container(
        "legacy",
        PartitionKey("/pk"),
        indexing_policy={
            "indexingMode": "Consistent",
            "includedPaths": [{"path": "/", "indexes": [{"kind": "Range", "dataType": "Number"}]}],
            "excludedPaths": [{"path": '/"systemMetadata"/*'}],
        },
    )
    policy = container.read()["indexingPolicy"]
    assert policy["includedPaths"] == DEFAULT_INCLUDED
    assert policy["excludedPaths"] == [{"path": '/"systemMetadata"/*'}, ETAG_EXCLUDED]


def test_completed_policy_indexes_what_it_says(database: DatabaseProxy) -> None:
    """A partial policy indexes every path, as the default does: a filter is served from
    the index and charges the same as on a container with the default policy."""
    charges = []
    for name, policy in (("full", None), ("partial", {"automatic": True})):
        container = database.create_container(name, PartitionKey("/pk"), indexing_policy=policy)
        for number in range(50):
            container.create_item({"id": str(number), "pk": "p", "n": number})
        charges.append(_query_charge(container, "SELECT * FROM c WHERE c.n = 7"))
    assert charges[0] == charges[1]


def _query_charge(container: ContainerProxy, query: str) -> float:
    headers: dict[str, str] = {}
    list(
        container.query_items(
            query, partition_key="p", response_hook=lambda h, _: headers.update(h)
        )
    )
    return float(headers["x-ms-request-charge"])


def test_mode_none_keeps_no_paths(database: DatabaseProxy) -> None:
    container = database.create_container(
        "plain", PartitionKey("/pk"), indexing_policy={"indexingMode": "none", "automatic": False}
    )
    policy = container.read()["indexingPolicy"]
    assert policy == {
        "indexingMode": "none",
        "automatic": False,
        "includedPaths": [],
        "excludedPaths": [],
    }


def test_malformed_policy_is_refused_and_nothing_is_created(database: DatabaseProxy) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.create_container(
            "badmode", PartitionKey("/pk"), indexing_policy={"indexingMode": "sometimes"}
        )
    assert raised.value.status_code == 400
    assert "indexingMode" in raised.value.message
    with pytest.raises(errors.CosmosResourceNotFoundError):
        database.get_container_client("badmode").read()


def test_replace_with_a_bad_path_changes_nothing(database: DatabaseProxy) -> None:
    container = database.create_container("keep", PartitionKey("/pk"))
    before = container.read()
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        database.replace_container(
            container, PartitionKey("/pk"), indexing_policy={"includedPaths": [{"path": "a"}]}
        )
    assert raised.value.status_code == 400
    assert container.read()["indexingPolicy"] == before["indexingPolicy"]


def test_quota_and_usage_headers_when_asked(database: DatabaseProxy) -> None:
    container = database.create_container("quota", PartitionKey("/pk"))
    for number in range(3):
        container.create_item({"id": str(number), "pk": "p", "text": "x" * 1000})
    plain = container.read()
    assert "x-ms-resource-usage" not in plain.get_response_headers()
    headers = container.read(populate_quota_info=True).get_response_headers()
    usage = dict(part.split("=") for part in headers["x-ms-resource-usage"].strip(";").split(";"))
    assert usage == {"documentsSize": "4", "documentsCount": "3"}  # 3 x ~1.1 KB
    assert "documentsCount=-1" in headers["x-ms-resource-quota"]
    assert headers["x-ms-documentdb-collection-index-transformation-progress"] == "100"


def test_partition_key_range_statistics_when_asked(database: DatabaseProxy) -> None:
    container = database.create_container("stats", PartitionKey("/pk"), offer_throughput=12000)
    for number in range(20):
        container.create_item({"id": str(number), "pk": "big" if number < 15 else f"k{number}"})
    assert "statistics" not in container.read()
    statistics = container.read(populate_partition_key_range_statistics=True)["statistics"]
    assert sorted(s["id"] for s in statistics) == ["0", "1"]
    assert sum(s["documentCount"] for s in statistics) == 20
    assert sum(s["sampledDistinctPartitionKeyCount"] for s in statistics) == 6
    largest = [s["partitionKeys"][0]["partitionKey"] for s in statistics if s["partitionKeys"]]
    assert ["big"] in largest  # the heaviest logical partition heads its range's list
