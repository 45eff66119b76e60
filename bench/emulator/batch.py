"""Transactional batch: up to 100 operations on one logical partition, all or nothing.

Operations run in order; each write first saves what it overwrites, so a
failure rolls everything back. A failed batch answers 207 with the failing
operation's status and 424 for every other operation.
"""

from __future__ import annotations

from typing import Any

import bench.emulator.costs as costs
import bench.emulator.documents as documents
import bench.emulator.jsonin as jsonin
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.patch import PatchRequest
from bench.emulator.replies import Reply, dumps
from bench.emulator.resources import check_resource_id
from bench.emulator.storage import Placement

MAX_OPERATIONS = 100
MAX_BATCH_BYTES = 2 * 1024 * 1024
OPERATION_TYPES = ("Create", "Upsert", "Read", "Delete", "Replace", "Patch")


def parse(body: bytes) -> list[dict[str, Any]]:
    if len(body) > MAX_BATCH_BYTES:
        raise CosmosError(413, f"The batch request is larger than {MAX_BATCH_BYTES} bytes.")
    operations = jsonin.loads(body, "The batch payload")
    if not isinstance(operations, list):
        raise CosmosError(400, "The batch payload must be a JSON list of operations.")
    if not operations:
        raise CosmosError(400, "Batch request has no operations.")
    if len(operations) > MAX_OPERATIONS:
        raise CosmosError(
            400,
            "Batch request has more operations than what is supported. "
            f"At most {MAX_OPERATIONS} are allowed; this one has {len(operations)}.",
        )
    for position, operation in enumerate(operations):
        if not isinstance(operation, dict) or operation.get("operationType") not in OPERATION_TYPES:
            raise CosmosError(
                400,
                f"Batch operation {position} is invalid: 'operationType' must be one of "
                f"{OPERATION_TYPES}.",
            )
        try:
            _operation_id(operation)
        except CosmosError as error:
            raise CosmosError(400, f"Batch operation {position}: {error.message}") from None
    return operations


class Undo:
    """What the batch overwrote, to restore on failure."""

    def __init__(self, partition: PhysicalPartition) -> None:
        self.partition = partition
        self.saved: list[tuple[Any, dict | None, bytes | None, str | None]] = []

    def save(self, key: Any) -> None:
        partition = self.partition
        self.saved.append(
            (key, partition.documents.get(key), partition.encoded.get(key), partition.epks.get(key))
        )

    def rollback(self) -> None:
        partition = self.partition
        for key, document, encoded, epk in reversed(self.saved):
            if document is None:
                partition.delete(key)
            else:
                partition.put(key, document, encoded, epk)


def _operation_id(operation: dict[str, Any]) -> str:
    """The id of the item an operation acts on: the body's for Create/Upsert, the operation's
    `id` otherwise (a Replace whose body carries another id renames the item)."""
    kind = operation["operationType"]
    if kind in ("Create", "Upsert", "Replace"):
        body = operation.get("resourceBody")
        check_resource_id(body)
        if kind != "Replace" or "id" not in operation:
            return body["id"]
    item_id = operation.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise CosmosError(400, f"The batch {kind} operation needs an 'id'.")
    return item_id


def _touched_ids(operation: dict[str, Any]) -> set[str]:
    """Every item id an operation may write (a renaming Replace writes two)."""
    ids = {_operation_id(operation)}
    if operation["operationType"] == "Replace":
        ids.add(operation["resourceBody"]["id"])
    return ids


def _run_one(at: Placement, operation: dict[str, Any], call: Call) -> documents.Outcome:
    kind = operation["operationType"]
    item_id = _operation_id(operation)
    if_match = operation.get("ifMatch")
    now = call.now
    if kind == "Read":
        if_none_match = operation.get("ifNoneMatch")
        return documents.read(at, item_id, if_none_match=if_none_match, strong=call.strong, now=now)
    if kind == "Delete":
        return documents.delete(at, item_id, if_match=if_match, now=now)
    if kind in ("Create", "Upsert"):
        body = dict(operation["resourceBody"])
        return documents.create(at, body, upsert=kind == "Upsert", if_match=if_match, now=now)
    if kind == "Replace":
        body = dict(operation["resourceBody"])
        return documents.replace(at, item_id, body, if_match=if_match, now=now)
    paths = at.container.partition_key.paths
    request = PatchRequest.from_body(operation.get("resourceBody"), paths)
    return documents.patch(at, item_id, request, if_match=if_match, now=now)


def _result(
    status: int,
    charge: float,
    etag: str | None = None,
    body: bytes | None = None,
    substatus: int = 0,
) -> bytes:
    result: dict[str, Any] = {"statusCode": status, "requestCharge": round(charge, 2)}
    if substatus:
        result["subStatusCode"] = substatus
    if etag:
        result["eTag"] = etag
    encoded = dumps(result)
    if body:
        encoded = encoded[:-1] + b',"resourceBody":' + body + b"}"
    return encoded


def run(at: Placement, operations: list[dict[str, Any]], call: Call) -> Reply:
    """Apply `operations` in order, all or nothing. The batch commits as one transaction:
    the partition's LSN moves by one if it wrote anything, not once per write."""
    undo = Undo(at.partition)
    first_lsn = at.partition.lsn
    results: list[bytes] = []
    total = 0.0
    for position, operation in enumerate(operations):
        try:
            if operation["operationType"] != "Read":
                for item_id in _touched_ids(operation):
                    undo.save(at.key(item_id))
            outcome = _run_one(at, operation, call)
        except CosmosError as error:
            undo.rollback()
            at.partition.lsn = first_lsn
            charge = costs.failed_request_charge(error.status)
            failed = [_result(424, 0.0) for _ in operations]
            failed[position] = _result(error.status, charge, substatus=error.substatus)
            return Reply(207, b"[" + b",".join(failed) + b"]", {}, total + charge)
        except BaseException:
            undo.rollback()  # any failure at all: all or nothing
            raise
        total += outcome.charge
        results.append(_result(outcome.status, outcome.charge, outcome.etag, outcome.body))
    if undo.saved:
        at.partition.lsn = first_lsn + 1
    return Reply(200, b"[" + b",".join(results) + b"]", {}, total)
