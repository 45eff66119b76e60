"""Item requests: create/upsert, read, replace, patch, delete, transactional batch and
delete-all-items-by-partition-key. Each runs on the physical partition the key hashes to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.emulator import batch as batches
from bench.emulator import costs, documents
from bench.emulator.call import Call
from bench.emulator.costs import WriteKind
from bench.emulator.errors import CosmosError
from bench.emulator.partition_keys import LogicalKey, parse_header
from bench.emulator.patch import PatchRequest, condition_holds
from bench.emulator.replies import Reply
from bench.emulator.storage import Container

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

PARTITION_KEY = "x-ms-documentdb-partitionkey"


def _container(gateway: Gateway, call: Call) -> Container:
    return gateway.account.container(call.segments[1], call.segments[3])


def header_key(call: Call, container: Container, *, required: bool = True) -> LogicalKey | None:
    """The full partition key from the header (400 if missing or of the wrong length)."""
    value = call.header(PARTITION_KEY)
    if value is None:
        if required:
            raise CosmosError(
                400,
                f"PartitionKey value must be supplied for this operation (header {PARTITION_KEY}).",
            )
        return None
    pk = parse_header(value)
    if len(pk.components) != len(container.partition_key.paths):
        raise CosmosError(
            400,
            f"Partition key {value} is invalid for this container: it has "
            f"{len(container.partition_key.paths)} path(s) {list(container.partition_key.paths)}.",
        )
    return pk


def outcome_reply(outcome: documents.Outcome) -> Reply:
    headers = {"etag": outcome.etag} if outcome.etag else {}
    return Reply(outcome.status, outcome.body or b"", headers, outcome.charge)


def create(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    document = documents.parse_document(call.body)
    pk = header_key(call, container, required=False)
    if pk is None:
        pk = container.partition_key.extract(document)
    partition, epk = container.partition_for(pk)
    upsert = call.flag("x-ms-documentdb-is-upsert")

    def work() -> Reply:
        return outcome_reply(
            documents.create(
                container,
                partition,
                epk,
                pk,
                document,
                upsert=upsert,
                if_match=call.header("if-match"),
                now=call.now,
            )
        )

    return gateway.on_partitions(
        call, container, [partition], "Upsert" if upsert else "Create", work
    )


def read(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    pk = header_key(call, container)
    partition, _ = container.partition_for(pk)

    def work() -> Reply:
        return outcome_reply(
            documents.read(
                container,
                partition,
                pk,
                call.segments[5],
                if_none_match=call.header("if-none-match"),
                strong=call.strong,
                now=call.now,
            )
        )

    return gateway.on_partitions(call, container, [partition], "Read", work)


def replace(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    document = documents.parse_document(call.body)
    pk = header_key(call, container)
    partition, epk = container.partition_for(pk)

    def work() -> Reply:
        return outcome_reply(
            documents.replace(
                container,
                partition,
                epk,
                pk,
                call.segments[5],
                document,
                if_match=call.header("if-match"),
                now=call.now,
            )
        )

    return gateway.on_partitions(call, container, [partition], "Replace", work)


def delete(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    pk = header_key(call, container)
    partition, _ = container.partition_for(pk)

    def work() -> Reply:
        return outcome_reply(
            documents.delete(
                container,
                partition,
                pk,
                call.segments[5],
                if_match=call.header("if-match"),
                now=call.now,
            )
        )

    return gateway.on_partitions(call, container, [partition], "Delete", work)


def patch(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    pk = header_key(call, container)
    partition, epk = container.partition_for(pk)
    request = PatchRequest.from_body(call.json(), container.partition_key.paths)
    item_id = call.segments[5]

    def work() -> Reply:
        current = documents.visible(
            container, partition, documents.storage_key(pk, item_id), call.now
        )
        if current is None:
            raise documents.not_found(item_id)
        documents.check_if_match(current, call.header("if-match"))
        if request.condition is not None and not condition_holds(
            request.condition, current, container.indexing_policy, container.partition_key.paths
        ):
            raise CosmosError(412, "Precondition failed: the patch condition is not met.")
        patched = request.applied_to(current)
        return outcome_reply(
            documents.write(
                container,
                partition,
                epk,
                pk,
                patched,
                previous=current,
                kind=WriteKind.PATCH,
                operation="Patch",
                status=200,
            )
        )

    return gateway.on_partitions(call, container, [partition], "Patch", work)


def batch(gateway: Gateway, call: Call) -> Reply:
    container = _container(gateway, call)
    pk = header_key(call, container)
    partition, epk = container.partition_for(pk)
    operations = batches.parse(call.body)

    def work() -> Reply:
        return batches.run(container, partition, epk, pk, operations, call)

    return gateway.on_partitions(call, container, [partition], "Batch", work)


def delete_partition(gateway: Gateway, call: Call) -> Reply:
    """Delete every item of one logical partition (the service does it in the background;
    here it is immediate, charged as one delete per item)."""
    container = _container(gateway, call)
    pk = header_key(call, container)
    partition, _ = container.partition_for(pk)
    prefix = pk.canonical

    def work() -> Reply:
        charge = costs.write_charge(WriteKind.DELETE, 0, 0)
        for key in [k for k in partition.documents if k[0] == prefix]:
            charge += costs.write_charge(
                WriteKind.DELETE, len(partition.encoded[key]), partition.terms[key]
            )
            partition.delete(key)
        return Reply(200, b"", {}, charge)

    return gateway.on_partitions(call, container, [partition], "DeletePartition", work)
