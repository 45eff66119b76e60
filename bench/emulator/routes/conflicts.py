"""Conflicts: the feed of write conflicts between regions. The emulator is a single-region
account, where the service never records a conflict: the feed is empty and any named
conflict is missing (404), as the service answers there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply
from bench.emulator.routes.feeds import CROSS_PARTITION_DISABLED, ENABLE_CROSS_PARTITION
from bench.emulator.routes.items import PARTITION_KEY
from bench.emulator.routes.resource_feeds import resource_feed

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway


def list_all(gateway: Gateway, call: Call) -> Reply:
    """`list_conflicts` (GET) and `query_conflicts` (POST): always an empty feed. A query
    names a partition key or is allowed to cross partitions, as item queries must."""
    container = gateway.account.container(call.segments[1], call.segments[3])
    if call.verb == "POST" and not (
        call.header(PARTITION_KEY) is not None or call.flag(ENABLE_CROSS_PARTITION)
    ):
        raise CosmosError(400, CROSS_PARTITION_DISABLED)
    return resource_feed(
        gateway,
        call,
        "ReadConflictFeed",
        "Conflicts",
        container.rid,
        [],
        container=container.name_link,
    )


def missing(gateway: Gateway, call: Call) -> Reply:
    """`get_conflict` / `delete_conflict`: the container must exist; the conflict never does."""
    container = gateway.account.container(call.segments[1], call.segments[3])
    gateway.record_metadata("ReadConflict", 404, container.name_link)
    raise CosmosError(404, "Entity with the specified id does not exist in the system.")
