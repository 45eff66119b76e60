"""Item operations on one container: create, read, replace, upsert, delete, with the
service's system properties, preconditions, TTL visibility and size limit.

Each function is synchronous and either fully applies or raises CosmosError
before changing anything. The HTTP layer has already chosen the partition
and admitted the request; these return what it needs to answer and charge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.emulator import costs, resources
from bench.emulator.costs import WriteKind
from bench.emulator.errors import CosmosError
from bench.emulator.partition_keys import LogicalKey, check_matches
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.storage import Container, check_resource_id

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
SYSTEM_PROPERTIES = ("_rid", "_self", "_etag", "_attachments", "_ts")


@dataclass
class Outcome:
    """What an item operation did: the answer and what it costs."""

    status: int
    body: bytes | None  # the stored document's JSON; None when there is no body (204, 304)
    etag: str | None
    charge: float
    operation: str


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_document(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise CosmosError(400, f"The request payload is invalid JSON: {error}.") from None
    check_resource_id(document)
    return document


def storage_key(pk: LogicalKey, item_id: str) -> tuple[str, str]:
    return (pk.canonical, item_id)


def visible(
    container: Container, partition: PhysicalPartition, key: Any, now: float
) -> dict | None:
    """The stored document, or None when absent or expired (expired ones are removed)."""
    document = partition.documents.get(key)
    if (
        document is not None
        and container.default_ttl is not None
        and container.is_expired(document, now)
    ):
        partition.delete(key)
        return None
    return document


def check_if_match(current: Mapping[str, Any] | None, if_match: str | None) -> None:
    if if_match and if_match != "*" and (current is None or current["_etag"] != if_match):
        raise CosmosError(
            412,
            "Operation cannot be performed because one of the specified precondition is not met.",
        )


def not_found(item_id: str) -> CosmosError:
    return CosmosError(
        404, f"Entity with the specified id '{item_id}' does not exist in the system."
    )


def _stamp(container: Container, document: dict[str, Any], rid: str | None) -> bytes:
    """Add system properties (in the service's order, after the user's) and encode."""
    for name in SYSTEM_PROPERTIES:
        document.pop(name, None)
    rid = rid or container.next_document_rid()
    document["_rid"] = rid
    document["_self"] = f"{container.self_link}docs/{rid}/"
    document["_etag"] = resources.new_etag()
    document["_attachments"] = "attachments/"
    document["_ts"] = resources.now_ts()
    encoded = encode(document)
    if len(encoded) > MAX_DOCUMENT_BYTES:
        raise CosmosError(413, "Request size is too large.")
    return encoded


def check_ttl(document: Mapping[str, Any]) -> None:
    ttl = document.get("ttl")
    if ttl is not None and (type(ttl) is not int or ttl == 0 or ttl < -1):
        raise CosmosError(
            400,
            f"The 'ttl' {ttl!r} is invalid: use -1 (never expire) or a positive number of seconds.",
        )


def write(
    container: Container,
    partition: PhysicalPartition,
    epk: str,
    pk: LogicalKey,
    document: dict[str, Any],
    *,
    previous: Mapping[str, Any] | None,
    kind: WriteKind,
    operation: str,
    status: int,
) -> Outcome:
    """Stamp, size-check and store `document` (replacing `previous` when given)."""
    check_matches(pk, container.partition_key.extract(document))
    check_ttl(document)
    encoded = _stamp(container, document, previous["_rid"] if previous is not None else None)
    key = storage_key(pk, document["id"])
    indexed = partition.put(key, document, encoded, epk)
    container.schedule_expiry(key, document)
    return Outcome(
        status,
        encoded,
        document["_etag"],
        costs.write_charge(kind, len(encoded), indexed),
        operation,
    )


def create(
    container: Container,
    partition: PhysicalPartition,
    epk: str,
    pk: LogicalKey,
    document: dict[str, Any],
    *,
    upsert: bool,
    if_match: str | None,
    now: float,
) -> Outcome:
    key = storage_key(pk, document["id"])
    current = visible(container, partition, key, now)
    if current is not None and not upsert:
        raise CosmosError(409, "Entity with the specified id already exists in the system.")
    if upsert:
        check_if_match(current, if_match)
    if current is None:
        kind = WriteKind.UPSERT_CREATE if upsert else WriteKind.CREATE
        return write(
            container,
            partition,
            epk,
            pk,
            document,
            previous=None,
            kind=kind,
            operation="Upsert" if upsert else "Create",
            status=201,
        )
    return write(
        container,
        partition,
        epk,
        pk,
        document,
        previous=current,
        kind=WriteKind.UPSERT_REPLACE,
        operation="Upsert",
        status=200,
    )


def read(
    container: Container,
    partition: PhysicalPartition,
    pk: LogicalKey,
    item_id: str,
    *,
    if_none_match: str | None,
    strong: bool,
    now: float,
) -> Outcome:
    key = storage_key(pk, item_id)
    current = visible(container, partition, key, now)
    if current is None:
        raise not_found(item_id)
    encoded = partition.encoded[key]
    charge = costs.read_charge(len(encoded), strong=strong)
    if if_none_match and (if_none_match == "*" or if_none_match == current["_etag"]):
        return Outcome(304, None, current["_etag"], charge, "Read")
    return Outcome(200, encoded, current["_etag"], charge, "Read")


def replace(
    container: Container,
    partition: PhysicalPartition,
    epk: str,
    pk: LogicalKey,
    item_id: str,
    document: dict[str, Any],
    *,
    if_match: str | None,
    now: float,
) -> Outcome:
    if document["id"] != item_id:
        raise CosmosError(
            400,
            f"The id '{document['id']}' in the body does not match the id '{item_id}' in the URL.",
        )
    current = visible(container, partition, storage_key(pk, item_id), now)
    if current is None:
        raise not_found(item_id)
    check_if_match(current, if_match)
    return write(
        container,
        partition,
        epk,
        pk,
        document,
        previous=current,
        kind=WriteKind.REPLACE,
        operation="Replace",
        status=200,
    )


def delete(
    container: Container,
    partition: PhysicalPartition,
    pk: LogicalKey,
    item_id: str,
    *,
    if_match: str | None,
    now: float,
) -> Outcome:
    key = storage_key(pk, item_id)
    current = visible(container, partition, key, now)
    if current is None:
        raise not_found(item_id)
    check_if_match(current, if_match)
    size = len(partition.encoded[key])
    terms = partition.terms[key]
    partition.delete(key)
    return Outcome(204, None, None, costs.write_charge(WriteKind.DELETE, size, terms), "Delete")
