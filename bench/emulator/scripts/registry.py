"""The script resources of one container: stored procedures, triggers and UDFs, with the
service's fields and validation (`body` required; triggers need a type and an operation)."""

from __future__ import annotations

import base64
import itertools
import struct
from enum import StrEnum
from typing import Any

import bench.emulator.resources as resources
from bench.emulator.errors import CosmosError

_numbers = itertools.count(1)


class Kind(StrEnum):
    """The path segment of each script resource, e.g. `.../colls/c/sprocs`."""

    SPROC = "sprocs"
    TRIGGER = "triggers"
    UDF = "udfs"

    @property
    def feed_key(self) -> str:
        return {
            "sprocs": "StoredProcedures",
            "triggers": "Triggers",
            "udfs": "UserDefinedFunctions",
        }[self.value]


TRIGGER_TYPES = ("pre", "post")
TRIGGER_OPERATIONS = ("all", "create", "update", "delete", "replace")


def _validated(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in body.items() if not k.startswith("_")}
    if not isinstance(fields.get("body"), str):
        raise CosmosError(
            400, f"The {kind.feed_key} resource '{body.get('id')}' needs a string 'body'."
        )
    if kind is Kind.TRIGGER:
        for name, allowed in (
            ("triggerType", TRIGGER_TYPES),
            ("triggerOperation", TRIGGER_OPERATIONS),
        ):
            value = fields.get(name)
            if not isinstance(value, str) or value.lower() not in allowed:
                raise CosmosError(
                    400,
                    f"The trigger '{body.get('id')}' has {name} {value!r}: use one of {allowed}.",
                )
    return fields


class ScriptRegistry:
    """Script resources by kind and id, as stored (with system properties)."""

    def __init__(self, collection_raw_rid: bytes, collection_self: str) -> None:
        self._raw_rid = collection_raw_rid
        self._self = collection_self
        self._by_kind: dict[Kind, dict[str, dict[str, Any]]] = {kind: {} for kind in Kind}

    def all(self, kind: Kind) -> list[dict[str, Any]]:
        return list(self._by_kind[kind].values())

    def get(self, kind: Kind, name: str) -> dict[str, Any]:
        found = self._by_kind[kind].get(name) or next(
            (r for r in self._by_kind[kind].values() if r["_rid"] == name), None
        )
        if found is None:
            raise CosmosError(
                404, f"Entity with the specified id '{name}' does not exist in the system."
            )
        return found

    def create(self, kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
        if body["id"] in self._by_kind[kind]:
            raise CosmosError(409, "Entity with the specified id already exists in the system.")
        rid = base64.b64encode(self._raw_rid + struct.pack("<Q", next(_numbers))).decode()
        return self._store(kind, _validated(kind, body), rid.replace("/", "-"))

    def replace(self, kind: Kind, name: str, body: dict[str, Any]) -> dict[str, Any]:
        current = self.get(kind, name)
        if body.get("id") != current["id"]:
            raise CosmosError(
                400, f"The id {body.get('id')!r} in the body does not match '{current['id']}'."
            )
        return self._store(kind, _validated(kind, body), current["_rid"])

    def delete(self, kind: Kind, name: str) -> None:
        del self._by_kind[kind][self.get(kind, name)["id"]]

    def _store(self, kind: Kind, body: dict[str, Any], rid: str) -> dict[str, Any]:
        stored = {
            **body,
            "_rid": rid,
            "_self": f"{self._self}{kind.value}/{rid}/",
            "_etag": resources.new_etag(),
            "_ts": resources.now_ts(),
        }
        self._by_kind[kind][stored["id"]] = stored
        return stored
