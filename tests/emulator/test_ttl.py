"""Time to live: container default and per-item `ttl` (-1 = never), enforced by the server."""

from __future__ import annotations

import time

from azure.cosmos import DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors


def _ids(container) -> set[str]:
    return {i["id"] for i in container.read_all_items()}


def test_items_expire_by_container_default_and_item_ttl(database: DatabaseProxy) -> None:
    by_default = database.create_container("default", PartitionKey("/pk"), default_ttl=1)
    by_default.create_item({"id": "expires", "pk": "a"})
    by_default.create_item({"id": "never", "pk": "a", "ttl": -1})
    by_default.create_item({"id": "long", "pk": "a", "ttl": 600})

    on_without_default = database.create_container("on", PartitionKey("/pk"), default_ttl=-1)
    on_without_default.create_item({"id": "kept", "pk": "a"})
    on_without_default.create_item({"id": "expires", "pk": "a", "ttl": 1})

    off = database.create_container("off", PartitionKey("/pk"))
    off.create_item({"id": "ignored", "pk": "a", "ttl": 1})

    # (no check that "expires" is there first: on a busy machine creating the other two
    # containers can take longer than its 1 s to live)
    time.sleep(2.6)  # `_ts` is whole seconds: expiry is within 2 s, the sweep runs every 1 s

    assert _ids(by_default) == {"never", "long"}
    assert _ids(on_without_default) == {"kept"}
    assert _ids(off) == {"ignored"}
    try:
        by_default.read_item("expires", "a")
        raise AssertionError("an expired item was readable")
    except errors.CosmosResourceNotFoundError:
        pass
    query = "SELECT VALUE c.id FROM c"
    assert set(by_default.query_items(query, partition_key="a")) == {"never", "long"}
    # An expired id can be created again.
    by_default.create_item({"id": "expires", "pk": "a", "ttl": -1})


def test_turning_ttl_on_applies_to_existing_items(database: DatabaseProxy) -> None:
    container = database.create_container("later", PartitionKey("/pk"))
    container.create_item({"id": "old", "pk": "a"})
    database.replace_container(container, PartitionKey("/pk"), default_ttl=1)
    time.sleep(2.6)
    assert _ids(container) == set()
