"""Item operations on one container: create, read, replace, upsert, patch, delete, with the
service's system properties, preconditions, TTL visibility and size limit.

Each function is synchronous and either fully applies or raises CosmosError
before changing anything. The HTTP layer has already placed the request on
its partition and admitted it; these return what it needs to answer and charge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bench.emulator.costs as costs
import bench.emulator.jsonin as jsonin
import bench.emulator.resources as resources
from bench.emulator.costs import WriteKind
from bench.emulator.errors import CosmosError
from bench.emulator.partition_keys import check_matches
from bench.emulator.patch import PatchRequest, condition_holds
from bench.emulator.resources import check_resource_id
from bench.emulator.storage import Placement

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
SYSTEM_PROPERTIES = ("_rid", "_self", "_etag", "_attachments", "_ts")


@dataclass
class Outcome:
    """What an item operation did: the answer and what it costs."""

    status: int
    body: bytes | None  # the stored document's JSON; None when there is no body (204, 304)
    etag: str | None
    charge: float


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_document(raw: bytes) -> dict[str, Any]:
    """The item a create/upsert/replace sent. The size limit holds for the body as sent:
    an SDK that escapes non-ASCII as \\uXXXX can exceed it with an item stored smaller."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CosmosError(413, "Request size is too large.")
    document = jsonin.loads(raw, "The request payload")
    check_resource_id(document)
    return document


def visible(at: Placement, key: Any, now: float) -> dict | None:
    """The stored document, or None when absent or expired (expired ones are removed)."""
    document = at.partition.documents.get(key)
    if (
        document is not None
        and at.container.default_ttl is not None
        and at.container.is_expired(document, now)
    ):
        at.partition.delete(key)
        return None
    return document


def existing(at: Placement, item_id: str, if_match: str | None, now: float) -> dict:
    """The current document (404 if none), checked against `If-Match` (412)."""
    current = visible(at, at.key(item_id), now)
    if current is None:
        raise CosmosError(
            404, f"Entity with the specified id '{item_id}' does not exist in the system."
        )
    check_if_match(current, if_match)
    return current


def check_if_match(current: Mapping[str, Any] | None, if_match: str | None) -> None:
    if if_match and if_match != "*" and (current is None or current["_etag"] != if_match):
        raise CosmosError(
            412,
            "Operation cannot be performed because one of the specified precondition is not met.",
        )


def check_ttl(document: Mapping[str, Any]) -> None:
    if "ttl" not in document:
        return
    ttl = document["ttl"]  # null is rejected too, as on the service
    if type(ttl) is not int or ttl == 0 or ttl < -1:
        raise CosmosError(
            400,
            f"The 'ttl' {ttl!r} is invalid: use -1 (never expire) or a positive number of seconds.",
        )


def check_writable(at: Placement, document: Mapping[str, Any]) -> None:
    """What the service checks before it looks the item up (so these are 400, not 404/409):
    the document's partition key agrees with the request's, its `ttl` is valid."""
    check_matches(at.pk, at.container.partition_key.extract(document))
    check_ttl(document)


def _stamp(at: Placement, document: dict[str, Any], rid: str | None) -> bytes:
    """Add system properties (in the service's order, after the user's) and encode."""
    for name in SYSTEM_PROPERTIES:
        document.pop(name, None)
    rid = rid or at.container.next_document_rid()
    document["_rid"] = rid
    document["_self"] = f"{at.container.self_link}docs/{rid}/"
    document["_etag"] = resources.new_etag()
    document["_attachments"] = "attachments/"
    document["_ts"] = resources.now_ts()
    encoded = encode(document)
    if len(encoded) > MAX_DOCUMENT_BYTES:
        raise CosmosError(413, "Request size is too large.")
    return encoded


def write(
    at: Placement,
    document: dict[str, Any],
    *,
    previous: Mapping[str, Any] | None,
    kind: WriteKind,
    status: int,
) -> Outcome:
    """Stamp, size-check and store `document` (replacing `previous` when given)."""
    check_writable(at, document)
    encoded = _stamp(at, document, previous["_rid"] if previous is not None else None)
    key = at.key(document["id"])
    indexed = at.partition.put(key, document, encoded, at.epk)
    at.container.schedule_expiry(key, document)
    charge = costs.write_charge(kind, len(encoded), indexed)
    return Outcome(status, encoded, document["_etag"], charge)


def create(
    at: Placement, document: dict[str, Any], *, upsert: bool, if_match: str | None, now: float
) -> Outcome:
    check_writable(at, document)
    current = visible(at, at.key(document["id"]), now)
    if current is not None and not upsert:
        raise CosmosError(409, "Entity with the specified id already exists in the system.")
    if upsert and current is not None:  # If-Match binds only an upsert that replaces
        check_if_match(current, if_match)
    if current is None:
        kind = WriteKind.UPSERT_CREATE if upsert else WriteKind.CREATE
        return write(at, document, previous=None, kind=kind, status=201)
    return write(at, document, previous=current, kind=WriteKind.UPSERT_REPLACE, status=200)


def read(
    at: Placement, item_id: str, *, if_none_match: str | None, strong: bool, now: float
) -> Outcome:
    current = existing(at, item_id, None, now)
    encoded = at.partition.encoded[at.key(item_id)]
    charge = costs.read_charge(len(encoded), strong=strong)
    if if_none_match and if_none_match in ("*", current["_etag"]):
        return Outcome(304, None, current["_etag"], charge)
    return Outcome(200, encoded, current["_etag"], charge)


def replace(
    at: Placement, item_id: str, document: dict[str, Any], *, if_match: str | None, now: float
) -> Outcome:
    """Replace item `item_id` with `document`; a different `id` in the body renames the item
    (it keeps its `_rid`; 409 if the new id is taken), as on the service."""
    check_writable(at, document)
    current = existing(at, item_id, if_match, now)
    new_id = document["id"]
    if new_id == item_id:
        return write(at, document, previous=current, kind=WriteKind.REPLACE, status=200)
    if visible(at, at.key(new_id), now) is not None:
        raise CosmosError(409, "Entity with the specified id already exists in the system.")
    outcome = write(at, document, previous=current, kind=WriteKind.REPLACE, status=200)
    at.partition.delete(at.key(item_id))
    return outcome


def patch(
    at: Placement, item_id: str, request: PatchRequest, *, if_match: str | None, now: float
) -> Outcome:
    current = existing(at, item_id, if_match, now)
    container = at.container
    if request.condition is not None and not condition_holds(
        request.condition, current, container.partition_key.paths
    ):
        raise CosmosError(412, "Precondition failed: the patch condition is not met.")
    patched = request.applied_to(current)
    return write(at, patched, previous=current, kind=WriteKind.PATCH, status=200)


def delete(at: Placement, item_id: str, *, if_match: str | None, now: float) -> Outcome:
    existing(at, item_id, if_match, now)
    key = at.key(item_id)
    size, terms = len(at.partition.encoded[key]), at.partition.terms[key]
    at.partition.delete(key)
    return Outcome(204, None, None, costs.write_charge(WriteKind.DELETE, size, terms))
