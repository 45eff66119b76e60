"""Conflicts on a single-region account, as the service answers them: an empty feed for
list and query, 404 for a named conflict, 404 when the container itself is missing."""

from __future__ import annotations

import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy
from azure.cosmos import exceptions as errors


def test_conflict_feeds_are_empty(container: ContainerProxy) -> None:
    container.create_item({"id": "a", "pk": "p"})
    assert list(container.list_conflicts()) == []
    query = "SELECT * FROM root r WHERE r.resourceType = 'document'"
    assert list(container.query_conflicts(query, enable_cross_partition_query=True)) == []
    assert list(container.query_conflicts(query, partition_key="p")) == []


@pytest.mark.parametrize("operation", ["get_conflict", "delete_conflict"])
def test_a_named_conflict_is_not_found(container: ContainerProxy, operation: str) -> None:
    with pytest.raises(errors.CosmosResourceNotFoundError):
        getattr(container, operation)("no-such-conflict", partition_key="p")


def test_conflicts_of_a_missing_container_are_not_found(database: DatabaseProxy) -> None:
    missing = database.get_container_client("no-such-container")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        list(missing.list_conflicts())
