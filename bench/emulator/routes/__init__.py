"""Request handlers, one module per resource kind; `route` picks one from verb and path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.routes import (
    account,
    change_feed,
    conflicts,
    containers,
    databases,
    feeds,
    items,
    offers,
    scripts,
    users,
)
from bench.emulator.routes.resource_feeds import is_query

if TYPE_CHECKING:
    from bench.emulator.gateway import Handler

# Handlers by resource shape, then verb. `POST .../docs` is resolved by headers (below).
_ACCOUNT = {"GET": account.read_account}
_METRICS = {"GET": account.read_metrics}
_OFFERS = {"POST": offers.query, "GET": offers.list_all}
_OFFER = {"GET": offers.read, "PUT": offers.replace}
_DATABASES = {"POST": databases.create, "GET": databases.list_all}
_DATABASE = {"GET": databases.read, "DELETE": databases.delete}
_CONTAINERS = {"POST": containers.create, "GET": containers.list_all}
_CONTAINER = {"GET": containers.read, "PUT": containers.replace, "DELETE": containers.delete}
_ITEM = {"GET": items.read, "PUT": items.replace, "PATCH": items.patch, "DELETE": items.delete}
_PARTITION_KEY_RANGES = {"GET": feeds.partition_key_ranges}
_PARTITION_DELETE = {"POST": items.delete_partition}
_CONFLICTS = {"GET": conflicts.list_all, "POST": conflicts.list_all}
_CONFLICT = {"GET": conflicts.missing, "DELETE": conflicts.missing}
_USERS = {"POST": users.post_user, "GET": users.list_users}
_USER = {"GET": users.read_user, "PUT": users.replace_user, "DELETE": users.delete_user}
_PERMISSIONS = {"POST": users.post_permission, "GET": users.list_permissions}
_PERMISSION = {
    "GET": users.read_permission,
    "PUT": users.replace_permission,
    "DELETE": users.delete_permission,
}
_SCRIPTS = {"GET": scripts.list_all, "POST": scripts.create_or_query}
_SCRIPT = {"GET": scripts.read, "PUT": scripts.replace, "DELETE": scripts.delete}
_SPROC = {**_SCRIPT, "POST": scripts.execute}
_NOTHING: dict[str, Handler] = {}
# `POST /dbs` and `POST /dbs/{db}/colls` create, unless they carry a query (by depth).
_RESOURCE_QUERIES = {1: databases.query, 3: containers.query}


def route(call: Call) -> Handler:
    handler = _table(call.segments).get(call.verb)
    if handler in (databases.create, containers.create) and is_query(call):
        handler = _RESOURCE_QUERIES[len(call.segments)]
    if handler is None and call.segments[-1:] == ["docs"] and len(call.segments) == 5:
        handler = _docs_handler(call)
    if handler is None:
        raise CosmosError(
            405 if call.segments else 404,
            f"{call.verb} /{'/'.join(call.segments)} is not supported by this emulator.",
        )
    return handler


def _table(segments: list[str]) -> dict[str, Handler]:
    depth = len(segments)
    if depth == 0:
        return _ACCOUNT
    if segments == ["_emulator", "metrics"]:
        return _METRICS
    if segments[0] == "offers":
        return {1: _OFFERS, 2: _OFFER}.get(depth, _NOTHING)
    if segments[0] != "dbs":
        return _NOTHING
    if depth <= 2:
        return _DATABASES if depth == 1 else _DATABASE
    if segments[2] == "users":
        return _user_table(segments)
    if segments[2] != "colls":
        return _NOTHING
    if depth <= 4:
        return _CONTAINERS if depth == 3 else _CONTAINER
    kind = segments[4]
    if kind == "docs" and depth == 6:
        return _ITEM
    if kind == "conflicts":
        return {5: _CONFLICTS, 6: _CONFLICT}.get(depth, _NOTHING)
    if kind in ("sprocs", "triggers", "udfs"):
        return {5: _SCRIPTS, 6: _SPROC if kind == "sprocs" else _SCRIPT}.get(depth, _NOTHING)
    if kind == "pkranges" and depth == 5:
        return _PARTITION_KEY_RANGES
    if segments[4:] == ["operations", "partitionkeydelete"]:
        return _PARTITION_DELETE
    return _NOTHING


def _user_table(segments: list[str]) -> dict[str, Handler]:
    depth = len(segments)
    if depth <= 4:
        return _USERS if depth == 3 else _USER
    if segments[4] != "permissions":
        return _NOTHING
    return {5: _PERMISSIONS, 6: _PERMISSION}.get(depth, _NOTHING)


def _docs_handler(call: Call) -> Handler | None:
    """`.../docs`: a change feed or a read feed, or a POST that is a query, a query plan, a
    batch or a create."""
    if call.verb == "GET" and change_feed.is_change_feed(call):
        return change_feed.read
    if call.verb == "GET":
        return feeds.read_feed
    if call.verb != "POST":
        return None
    if call.flag("x-ms-cosmos-is-query-plan-request"):
        return feeds.query_plan
    if is_query(call):
        return feeds.query
    if call.flag("x-ms-cosmos-is-batch-request"):
        return items.batch
    return items.create
