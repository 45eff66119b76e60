"""Databases: create (optionally with shared throughput), read, list, query, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.replies import Reply
from bench.emulator.routes.common import metadata_reply, throughput_from_headers
from bench.emulator.routes.resource_feeds import query_resources, resource_feed

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway


def create(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.create_database(call.json_object(), throughput_from_headers(call))
    return metadata_reply(gateway, "CreateDatabase", 201, database.to_resource())


def read(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    return metadata_reply(gateway, "ReadDatabase", 200, database.to_resource())


def list_all(gateway: Gateway, call: Call) -> Reply:
    return resource_feed(gateway, call, "ReadDatabaseFeed", "Databases", "", _databases(gateway))


def query(gateway: Gateway, call: Call) -> Reply:
    results = query_resources(call, _databases(gateway))
    return resource_feed(gateway, call, "QueryDatabases", "Databases", "", results)


def _databases(gateway: Gateway) -> list[dict]:
    return [d.to_resource() for d in gateway.account.databases.values()]


def delete(gateway: Gateway, call: Call) -> Reply:
    gateway.account.delete_database(call.segments[1])
    return metadata_reply(gateway, "DeleteDatabase", 204, None)
