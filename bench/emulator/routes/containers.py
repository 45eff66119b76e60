"""Containers: create (with throughput, partition key, TTL, indexing policy), read, list,
query, replace (a PUT of the whole definition), delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import bench.emulator.usage as usage
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply
from bench.emulator.routes.common import metadata_reply, throughput_from_headers
from bench.emulator.routes.resource_feeds import query_resources, resource_feed

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

POPULATE_QUOTA_INFO = "x-ms-documentdb-populatequotainfo"
POPULATE_PARTITION_STATISTICS = "x-ms-documentdb-populatepartitionstatistics"
INDEX_TRANSFORMATION_PROGRESS = "x-ms-documentdb-collection-index-transformation-progress"


def create(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    container = gateway.account.create_container(
        database, call.json_object(), throughput_from_headers(call)
    )
    return metadata_reply(
        gateway, "CreateContainer", 201, container.to_resource(), container=container.name_link
    )


def read(gateway: Gateway, call: Call) -> Reply:
    """The definition; with `populate_partition_key_range_statistics` its `statistics`, with
    `populate_quota_info` the quota and usage headers (see `bench.emulator.usage`)."""
    container = gateway.account.container(call.segments[1], call.segments[3])
    resource = container.to_resource()
    if call.flag(POPULATE_PARTITION_STATISTICS):
        resource["statistics"] = usage.partition_statistics(container)
    reply = metadata_reply(gateway, "ReadContainer", 200, resource, container=container.name_link)
    if call.flag(POPULATE_QUOTA_INFO):
        reply.headers.update(usage.quota_headers(container))
        # Indexing is synchronous here: every policy change has finished transforming.
        reply.headers[INDEX_TRANSFORMATION_PROGRESS] = "100"
    return reply


def list_all(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    containers = [c.to_resource() for c in database.containers.values()]
    return resource_feed(
        gateway, call, "ReadContainerFeed", "DocumentCollections", database.rid, containers
    )


def query(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    results = query_resources(call, [c.to_resource() for c in database.containers.values()])
    return resource_feed(
        gateway, call, "QueryContainers", "DocumentCollections", database.rid, results
    )


def replace(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    body = call.json_object()
    if body.get("id") != container.id:
        raise CosmosError(
            400,
            f"The id {body.get('id')!r} in the body does not match the container '{container.id}'.",
        )
    container.replace(body)
    return metadata_reply(
        gateway, "ReplaceContainer", 200, container.to_resource(), container=container.name_link
    )


def delete(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    gateway.account.delete_container(database, call.segments[3])
    return metadata_reply(gateway, "DeleteContainer", 204, None)
