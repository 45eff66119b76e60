"""Users and their permissions, as a database holds them.

A permission grants one user `Read` or `All` on one resource (a container, an
item, or a container seen through one partition key value). Reading a
permission returns a fresh resource token (`_token`) for it; `resource_tokens.py`
issues and checks those tokens.
"""

from __future__ import annotations

from typing import Any

import bench.emulator.resources as resources
from bench.emulator.errors import CosmosError
from bench.emulator.resources import check_resource_id

PERMISSION_MODES = ("Read", "All")


class Permission:
    def __init__(self, user: User, body: dict[str, Any]) -> None:
        self.user = user
        self.rid = resources.new_permission_rid(user.raw_rid)
        self.apply(body)

    def apply(self, body: dict[str, Any]) -> None:
        """Take a create/replace body, checked as the service checks it."""
        check_resource_id(body)
        mode, resource = body.get("permissionMode"), body.get("resource")
        matched = next((m for m in PERMISSION_MODES if str(mode).lower() == m.lower()), None)
        if matched is None:
            raise CosmosError(
                400, f"The permissionMode {mode!r} is invalid: expected 'Read' or 'All'."
            )
        if not isinstance(resource, str) or not resource.strip("/"):
            raise CosmosError(
                400, "The permission's 'resource' must be a resource link, e.g. dbs/d/colls/c."
            )
        partition_key = body.get("resourcePartitionKey")
        if partition_key is not None and not isinstance(partition_key, list):
            raise CosmosError(
                400, "The permission's 'resourcePartitionKey' must be a list of key values."
            )
        self.id: str = body["id"]
        self.mode: str = mode  # echoed as sent ("Read" or the SDK's "read")
        self.read_only = matched == "Read"
        self.resource = resource
        self.partition_key = partition_key
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()

    @property
    def self_link(self) -> str:
        return f"{self.user.self_link}permissions/{self.rid}/"

    def to_resource(self, token: str) -> dict[str, Any]:
        resource: dict[str, Any] = {"id": self.id, "permissionMode": self.mode}
        resource["resource"] = self.resource
        if self.partition_key is not None:
            resource["resourcePartitionKey"] = self.partition_key
        resource.update(
            {"_rid": self.rid, "_self": self.self_link, "_etag": self.etag, "_ts": self.ts}
        )
        resource["_token"] = token
        return resource


class User:
    def __init__(self, database_raw_rid: bytes, database_self: str, body: dict[str, Any]) -> None:
        check_resource_id(body)
        self.id: str = body["id"]
        self.rid, self.raw_rid = resources.new_user_rid(database_raw_rid)
        self.self_link = f"{database_self}users/{self.rid}/"
        self.permissions: dict[str, Permission] = {}
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()

    def rename(self, body: dict[str, Any]) -> None:
        check_resource_id(body)
        self.id = body["id"]
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()

    def to_resource(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "_rid": self.rid,
            "_self": self.self_link,
            "_etag": self.etag,
            "_permissions": "permissions/",
            "_ts": self.ts,
        }

    def permission(self, name: str) -> Permission:
        permission = self.permissions.get(name) or next(
            (p for p in self.permissions.values() if p.rid == name), None
        )
        if permission is None:
            raise CosmosError(404, f"Permission '{name}' does not exist for user '{self.id}'.")
        return permission
