"""Request handlers, one module per resource kind; `route` picks one from verb and path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.routes import account, containers, databases, feeds, items, offers

if TYPE_CHECKING:
    from bench.emulator.gateway import Handler


def route(call: Call) -> Handler:
    segments, verb = call.segments, call.verb
    depth = len(segments)
    handler = None
    if depth == 0:
        handler = {"GET": account.read_account}.get(verb)
    elif segments[0] == "_emulator" and segments[1:] == ["metrics"]:
        handler = {"GET": account.read_metrics}.get(verb)
    elif segments[0] == "offers":
        handler = offers.route(verb, depth)
    elif segments[0] == "dbs":
        handler = _route_database_tree(call, segments, verb, depth)
    if handler is None:
        raise CosmosError(
            405 if depth else 404,
            f"{verb} /{'/'.join(segments)} is not supported by this emulator.",
        )
    return handler


def _route_database_tree(call: Call, segments: list[str], verb: str, depth: int):
    if depth == 1:
        return {"POST": databases.create, "GET": databases.list_all}.get(verb)
    if depth == 2:
        return {"GET": databases.read, "DELETE": databases.delete}.get(verb)
    if segments[2] != "colls":
        return None
    if depth == 3:
        return {"POST": containers.create, "GET": containers.list_all}.get(verb)
    if depth == 4:
        return {"GET": containers.read, "PUT": containers.replace, "DELETE": containers.delete}.get(
            verb
        )
    kind = segments[4]
    if kind == "docs" and depth == 5:
        if verb == "GET":
            return feeds.read_feed
        if verb != "POST":
            return None
        if call.flag("x-ms-cosmos-is-query-plan-request"):
            return feeds.query_plan
        if call.flag("x-ms-documentdb-isquery") or (call.header("content-type") or "").startswith(
            "application/query+json"
        ):
            return feeds.query
        if call.flag("x-ms-cosmos-is-batch-request"):
            return items.batch
        return items.create
    if kind == "docs" and depth == 6:
        return {
            "GET": items.read,
            "PUT": items.replace,
            "PATCH": items.patch,
            "DELETE": items.delete,
        }.get(verb)
    if kind == "pkranges" and depth == 5:
        return {"GET": feeds.partition_key_ranges}.get(verb)
    if kind == "operations" and segments[5:] == ["partitionkeydelete"]:
        return {"POST": items.delete_partition}.get(verb)
    return None
