"""The document operations a script queues, performed on its logical partition.

Everything runs inside one transaction: each write first saves what it
overwrites (`batch.Undo`), so a script that throws or runs out of time
leaves the partition as it found it. Every operation is charged as the same
request from a client would be; `charge` adds them up.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import bench.emulator.costs as costs
import bench.emulator.documents as documents
import bench.emulator.jsonin as jsonin
import bench.emulator.query as engine
import bench.emulator.scripts.udfs as udfs
from bench.emulator.batch import Undo
from bench.emulator.errors import CosmosError
from bench.emulator.resources import check_resource_id
from bench.emulator.storage import Placement

READ_ALL = "SELECT * FROM root"


class Host:
    """Performs the requests of one script execution on placement `at`."""

    def __init__(self, at: Placement, now: float, *, strong: bool) -> None:
        self.at = at
        self.now = now
        self.strong = strong
        self.undo = Undo(at.partition)
        self.first_lsn = at.partition.lsn
        self.charge = 0.0
        self.operations = 0

    def perform(self, request: dict[str, Any]) -> dict[str, Any]:
        """One queued request -> `{"value", "options"}` or `{"err": {"number", "message"}}`."""
        self.operations += 1
        try:
            for argument in request["args"]:
                jsonin.check(argument, "The request payload")
            value, options = self._dispatch(
                request["operation"], request["args"], request["options"]
            )
        except CosmosError as error:
            self.charge += costs.failed_request_charge(error.status)
            return {"err": {"number": error.status, "message": error.message}}
        return {"value": value, "options": options}

    def rollback(self) -> None:
        """Restore everything the script wrote, and the partition's LSN with it."""
        self.undo.rollback()
        self.at.partition.lsn = self.first_lsn

    def _dispatch(
        self, operation: str, args: list[Any], options: dict[str, Any]
    ) -> tuple[Any, dict]:
        if operation in ("create", "upsert"):
            document = args[0]
            if (
                isinstance(document, dict)
                and "id" not in document
                and not options.get("disableAutomaticIdGeneration")
            ):
                # The server-side API names a document without an id, unless told not to.
                document = {**document, "id": str(uuid.uuid4())}
            check_resource_id(document)
            self.undo.save(self.at.key(document["id"]))
            outcome = documents.create(
                self.at,
                dict(document),
                upsert=operation == "upsert",
                if_match=_if_match(options),
                now=self.now,
            )
            return self._written(outcome)
        if operation in ("query", "readAll"):
            spec = args[0] if operation == "query" else {"query": READ_ALL, "parameters": []}
            return self._query(spec), {"continuation": None}
        item_id = self._item_id(args[0])
        if operation == "read":
            outcome = documents.read(
                self.at, item_id, if_none_match=None, strong=self.strong, now=self.now
            )
            return self._written(outcome)
        self.undo.save(self.at.key(item_id))
        if operation == "replace":
            if not isinstance(args[1], dict):
                raise CosmosError(400, "replaceDocument needs a document object.")
            check_resource_id(args[1])
            self.undo.save(self.at.key(args[1]["id"]))  # a replace may rename the item
            outcome = documents.replace(
                self.at, item_id, dict(args[1]), if_match=_if_match(options), now=self.now
            )
            return self._written(outcome)
        if operation == "delete":
            outcome = documents.delete(self.at, item_id, if_match=_if_match(options), now=self.now)
            self.charge += outcome.charge
            return None, {}
        raise CosmosError(400, f"Unknown script operation {operation!r}.")

    def _written(self, outcome: documents.Outcome) -> tuple[Any, dict]:
        self.charge += outcome.charge
        return (json.loads(outcome.body) if outcome.body else None), {}

    def _query(self, spec: Any) -> list[Any]:
        if not isinstance(spec, dict) or not isinstance(spec.get("query"), str):
            raise CosmosError(400, "queryDocuments needs a query string or {query, parameters}.")
        container = self.at.container
        result = engine.execute(
            spec["query"],
            spec.get("parameters"),
            [self.at.partition],
            partition_key_paths=list(container.partition_key.paths),
            partition_key_prefix=list(self.at.pk.components),
            visible=(lambda document: not container.is_expired(document, self.now))
            if container.default_ttl is not None
            else None,
            computed_properties=container.computed_properties,
            udfs=udfs.by_name(container.scripts),
        )
        self.charge += costs.query_charge(result.metrics, strong=self.strong)
        return result.documents

    def _item_id(self, link: Any) -> str:
        """A document link (`.../docs/{id}`, or the `_self` with its rid) -> the item id."""
        if not isinstance(link, str) or not link.strip("/"):
            raise CosmosError(400, f"The document link {link!r} is invalid.")
        last = link.rstrip("/").rsplit("/", 1)[-1]
        if self.at.key(last) in self.at.partition.documents:
            return last
        key = self.at.partition.rids.get(last)
        return key[1] if key is not None and key[0] == self.at.pk.canonical else last


def _if_match(options: dict[str, Any]) -> str | None:
    """`{etag}` or `{accessCondition: {type: "IfMatch", condition}}` of the request options."""
    condition = options.get("accessCondition")
    if isinstance(condition, dict) and condition.get("type", "IfMatch") == "IfMatch":
        return condition.get("condition")
    etag = options.get("etag")
    return etag if isinstance(etag, str) else None
