"""Item requests: create/upsert, read, replace, patch, delete, transactional batch and
delete-all-items-by-partition-key. Each runs on the physical partition the key hashes to."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import bench.emulator.batch as batches
import bench.emulator.costs as costs
import bench.emulator.documents as documents
from bench.emulator.call import Call
from bench.emulator.costs import WriteKind
from bench.emulator.errors import CosmosError
from bench.emulator.partition_keys import PARTITION_KEY_MISMATCH, LogicalKey, parse_header
from bench.emulator.patch import PatchRequest
from bench.emulator.replies import Reply
from bench.emulator.scripts import triggers
from bench.emulator.storage import Container, Placement

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

PARTITION_KEY = "x-ms-documentdb-partitionkey"


def _container(gateway: Gateway, call: Call) -> Container:
    return gateway.account.container(call.segments[1], call.segments[3])


def header_key(call: Call, container: Container) -> LogicalKey | None:
    """The full partition key from the header (400 if of the wrong length), if sent."""
    value = call.header(PARTITION_KEY)
    if value is None:
        return None
    pk = parse_header(value)
    if len(pk.components) != len(container.partition_key.paths):
        raise CosmosError(
            400,
            "Partition key provided either doesn't correspond to definition in the collection or "
            "doesn't match partition key field values specified in the document. "
            f"{value} has {len(pk.components)} component(s); the container's key has "
            f"{len(container.partition_key.paths)}: {list(container.partition_key.paths)}.",
            substatus=PARTITION_KEY_MISMATCH,
        )
    return pk


def _placed(gateway: Gateway, call: Call) -> Placement:
    """The container and partition of a request that must name its partition key."""
    container = _container(gateway, call)
    pk = header_key(call, container)
    if pk is None:
        raise CosmosError(
            400, f"PartitionKey value must be supplied for this operation (header {PARTITION_KEY})."
        )
    return container.place(pk)


def _run(
    gateway: Gateway, call: Call, at: Placement, operation: str, work: Callable[[], Reply]
) -> Reply:
    return gateway.on_partitions(call, at.container, [at.partition], operation, work)


def _reply(outcome: documents.Outcome) -> Reply:
    headers = {"etag": outcome.etag} if outcome.etag else {}
    return Reply(outcome.status, outcome.body or b"", headers, outcome.charge)


def _write_reply(outcome: documents.Outcome, call: Call) -> Reply:
    """The answer to a write; one sent with `Prefer: return=minimal` (the SDK's
    `no_response=True`) gets no body, as on the service (the charge is the same)."""
    reply = _reply(outcome)
    if (call.header("prefer") or "").lower() == "return=minimal":
        reply.body = b""
    return reply


def _item_id(call: Call, at: Placement) -> str:
    """The id of the item the URL names: its last segment, or on a rid-based link
    (`.../docs/<_rid>`, from `read_item(item=doc)`) the id of the item with that `_rid`."""
    named = call.segments[5]
    if not call.by_rid:
        return named
    key = at.partition.rids.get(named)
    if key is None or key[0] != at.pk.canonical:
        raise CosmosError(404, "Entity with the specified id does not exist in the system.")
    return key[1]


def create(gateway: Gateway, call: Call) -> Reply:
    """Create, or upsert with `x-ms-documentdb-is-upsert`; without the partition key
    header the key is taken from the document."""
    container = _container(gateway, call)
    document = documents.parse_document(call.body)
    at = container.place(header_key(call, container) or container.partition_key.extract(document))
    upsert = call.flag("x-ms-documentdb-is-upsert")
    if_match = call.header("if-match")

    def work() -> Reply:
        outcome = triggers.around(
            call,
            at,
            "create",
            document,
            None,
            lambda body: documents.create(at, body, upsert=upsert, if_match=if_match, now=call.now),
        )
        return _write_reply(outcome, call)

    return _run(gateway, call, at, "Upsert" if upsert else "Create", work)


def read(gateway: Gateway, call: Call) -> Reply:
    at = _placed(gateway, call)
    if_none_match = call.header("if-none-match")

    def work() -> Reply:
        item_id = _item_id(call, at)
        outcome = documents.read(
            at, item_id, if_none_match=if_none_match, strong=call.strong, now=call.now
        )
        return _reply(outcome)

    return _run(gateway, call, at, "Read", work)


def replace(gateway: Gateway, call: Call) -> Reply:
    at = _placed(gateway, call)
    document = documents.parse_document(call.body)

    def work() -> Reply:
        item_id = _item_id(call, at)
        outcome = triggers.around(
            call,
            at,
            "replace",
            document,
            item_id,
            lambda body: documents.replace(
                at, item_id, body, if_match=call.header("if-match"), now=call.now
            ),
        )
        return _write_reply(outcome, call)

    return _run(gateway, call, at, "Replace", work)


def patch(gateway: Gateway, call: Call) -> Reply:
    at = _placed(gateway, call)
    request = PatchRequest.from_body(call.json(), at.container.partition_key.paths)

    def work() -> Reply:
        outcome = documents.patch(
            at, _item_id(call, at), request, if_match=call.header("if-match"), now=call.now
        )
        return _write_reply(outcome, call)

    return _run(gateway, call, at, "Patch", work)


def delete(gateway: Gateway, call: Call) -> Reply:
    at = _placed(gateway, call)

    def work() -> Reply:
        item_id = _item_id(call, at)
        return _reply(
            triggers.around(
                call,
                at,
                "delete",
                None,
                item_id,
                lambda _: documents.delete(
                    at, item_id, if_match=call.header("if-match"), now=call.now
                ),
            )
        )

    return _run(gateway, call, at, "Delete", work)


def batch(gateway: Gateway, call: Call) -> Reply:
    at = _placed(gateway, call)
    operations = batches.parse(call.body)
    return _run(gateway, call, at, "Batch", lambda: batches.run(at, operations, call))


def delete_partition(gateway: Gateway, call: Call) -> Reply:
    """Delete every item of one logical partition (the service does it in the background;
    here it is immediate, charged as one delete per item)."""
    at = _placed(gateway, call)
    partition = at.partition

    def work() -> Reply:
        charge = costs.write_charge(WriteKind.DELETE, 0, 0)
        for key in [k for k in partition.documents if k[0] == at.pk.canonical]:
            size, terms = len(partition.encoded[key]), partition.terms[key]
            charge += costs.write_charge(WriteKind.DELETE, size, terms)
            partition.delete(key)
        return Reply(200, b"", {}, charge)

    return _run(gateway, call, at, "DeletePartition", work)
