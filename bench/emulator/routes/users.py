"""Users and permissions: create, upsert, read, list, query, replace, delete. Every answer
that carries a permission carries a fresh resource token for it (`_token`), valid for
`resource_token_expiry_seconds` (default one hour), as the service issues them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bench.emulator.resource_tokens as resource_tokens
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply
from bench.emulator.routes.common import metadata_reply
from bench.emulator.routes.resource_feeds import is_query, query_resources, resource_feed
from bench.emulator.storage import Database
from bench.emulator.users import Permission, User

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

UPSERT = "x-ms-documentdb-is-upsert"


# -- users --------------------------------------------------------------------------------
def post_user(gateway: Gateway, call: Call) -> Reply:
    """`POST .../users`: a query, an upsert or a create."""
    database = gateway.account.database(call.segments[1])
    if is_query(call):
        results = query_resources(call, [u.to_resource() for u in database.users.values()])
        return resource_feed(gateway, call, "QueryUsers", "Users", database.rid, results)
    body = call.json_object()
    existing = _upserted(database.users, body, call, "User")
    if existing is not None:
        existing.rename(body)
        return metadata_reply(gateway, "UpsertUser", 200, existing.to_resource())
    user = User(database.raw_rid, database.self_link, body)
    database.users[user.id] = user
    return metadata_reply(gateway, "CreateUser", 201, user.to_resource())


def list_users(gateway: Gateway, call: Call) -> Reply:
    database = gateway.account.database(call.segments[1])
    users = [u.to_resource() for u in database.users.values()]
    return resource_feed(gateway, call, "ReadUserFeed", "Users", database.rid, users)


def read_user(gateway: Gateway, call: Call) -> Reply:
    _, user = _user(gateway, call)
    return metadata_reply(gateway, "ReadUser", 200, user.to_resource())


def replace_user(gateway: Gateway, call: Call) -> Reply:
    database, user = _user(gateway, call)
    _replace(database.users, user, call.json_object(), user.rename, "User")
    return metadata_reply(gateway, "ReplaceUser", 200, user.to_resource())


def delete_user(gateway: Gateway, call: Call) -> Reply:
    """Deleting a user deletes its permissions, which revokes their tokens."""
    database, user = _user(gateway, call)
    del database.users[user.id]
    return metadata_reply(gateway, "DeleteUser", 204, None)


# -- permissions ----------------------------------------------------------------------------
def post_permission(gateway: Gateway, call: Call) -> Reply:
    """`POST .../permissions`: a query, an upsert or a create."""
    database, user = _user(gateway, call)
    if is_query(call):
        resources = [_resource(gateway, call, database, p) for p in user.permissions.values()]
        results = query_resources(call, resources)
        return resource_feed(gateway, call, "QueryPermissions", "Permissions", user.rid, results)
    body = call.json_object()
    existing = _upserted(user.permissions, body, call, "Permission")
    if existing is not None:
        existing.apply(body)
        resource = _resource(gateway, call, database, existing)
        return metadata_reply(gateway, "UpsertPermission", 200, resource)
    permission = Permission(user, body)
    user.permissions[permission.id] = permission
    resource = _resource(gateway, call, database, permission)
    return metadata_reply(gateway, "CreatePermission", 201, resource)


def list_permissions(gateway: Gateway, call: Call) -> Reply:
    database, user = _user(gateway, call)
    resources = [_resource(gateway, call, database, p) for p in user.permissions.values()]
    return resource_feed(gateway, call, "ReadPermissionFeed", "Permissions", user.rid, resources)


def read_permission(gateway: Gateway, call: Call) -> Reply:
    database, user = _user(gateway, call)
    permission = user.permission(call.segments[5])
    resource = _resource(gateway, call, database, permission)
    return metadata_reply(gateway, "ReadPermission", 200, resource)


def replace_permission(gateway: Gateway, call: Call) -> Reply:
    database, user = _user(gateway, call)
    permission = user.permission(call.segments[5])
    _replace(user.permissions, permission, call.json_object(), permission.apply, "Permission")
    resource = _resource(gateway, call, database, permission)
    return metadata_reply(gateway, "ReplacePermission", 200, resource)


def delete_permission(gateway: Gateway, call: Call) -> Reply:
    _, user = _user(gateway, call)
    permission = user.permission(call.segments[5])
    del user.permissions[permission.id]
    return metadata_reply(gateway, "DeletePermission", 204, None)


def _upserted(table: dict[str, Any], body: dict[str, Any], call: Call, kind: str) -> Any:
    """The resource a create body names when it exists: an upsert replaces it, a plain
    create is a 409; None for a new id."""
    existing = table.get(body.get("id")) if isinstance(body.get("id"), str) else None
    if existing is not None and not call.flag(UPSERT):
        raise CosmosError(409, f"{kind} '{existing.id}' already exists.")
    return existing


def _replace(
    table: dict[str, Any],
    resource: User | Permission,
    body: dict[str, Any],
    apply: Callable[[dict[str, Any]], None],
    kind: str,
) -> None:
    """Apply a replace body to `resource`, keeping `table` (by id) right when the id changes:
    409 if the new id is taken; a body that fails validation leaves everything as it was."""
    new_id = body.get("id")
    if new_id != resource.id and new_id in table:
        raise CosmosError(409, f"{kind} '{new_id}' already exists.")
    del table[resource.id]
    try:
        apply(body)
    finally:
        table[resource.id] = resource


def _user(gateway: Gateway, call: Call) -> tuple[Database, User]:
    database = gateway.account.database(call.segments[1])
    name = call.segments[3]
    user = database.users.get(name) or next(
        (u for u in database.users.values() if u.rid == name), None
    )
    if user is None:
        raise CosmosError(404, f"User '{name}' does not exist in database '{database.id}'.")
    return database, user


def _resource(gateway: Gateway, call: Call, database: Database, permission: Permission) -> Any:
    seconds = resource_tokens.expiry_seconds(call)
    token = gateway.authenticator.resource_tokens.issue(permission, database.rid, seconds)
    return permission.to_resource(token)
