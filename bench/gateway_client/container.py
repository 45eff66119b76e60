"""`GatewayContainer`: the item operations of one container, as REST requests.

Mirrors the SDK's `ContainerProxy` (read/create/upsert/replace/patch/delete, a
transactional batch, bulk creates; queries are `bench.gateway_client.queries`, which
builds on this) with results that carry `CallStats`. The container's
properties (`_rid`, partition key definition) and its partition key ranges are read on
first use, as the SDK reads them; the ranges again after a split. Under Session
consistency, reads and queries carry the session token of the range they go to.

Every call takes an optional `stats`: the CallStats it fills attempt by attempt. A caller
that can be interrupted mid-call (Locust kills its users' greenlets to stop a run, also
while they wait out a 429) passes its own, to still record what was charged::

    items = GatewayContainer(client, "shop", "products")
    items.upsert_item({"id": "1", "pk": "p1", "price": 5}).stats.ru
    items.replace_item("1", {...}, if_match=etag)       # 412 raises GatewayError
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gevent.lock import BoundedSemaphore

from bench.gateway_client.outcome import CallStats, GatewayError, Response
from bench.gateway_client.routing import KeyRange, PartitionKeyDefinition, RoutingMap
from bench.gateway_client.session import SessionTokens

if TYPE_CHECKING:
    from bench.gateway_client.client import GatewayClient

PARTITION_KEY = "x-ms-documentdb-partitionkey"
RANGE_ID = "x-ms-documentdb-partitionkeyrangeid"
SESSION_TOKEN = "x-ms-session-token"
JSON = "application/json"
BATCH_OPERATIONS = {
    "create": ("Create", ("resourceBody",)),
    "upsert": ("Upsert", ("resourceBody",)),
    "read": ("Read", ("id",)),
    "delete": ("Delete", ("id",)),
    "replace": ("Replace", ("id", "resourceBody")),
    "patch": ("Patch", ("id", "operations")),
}


def _timed(stats: CallStats, started: float) -> CallStats:
    stats.latency_ms = (time.perf_counter() - started) * 1000
    return stats


class GatewayContainer:
    """One container of the account, by database and container name."""

    def __init__(self, client: GatewayClient, database: str, container: str) -> None:
        self.client = client
        self.link = f"dbs/{database}/colls/{container}"  # what requests are signed with
        self.path = f"/dbs/{quote(database, safe='')}/colls/{quote(container, safe='')}"
        self.sessions = SessionTokens()
        # query text -> what needs merging: queries NeedsSdk is raised for without asking
        self.needs_sdk: dict[str, list[str]] = {}
        self._properties: dict[str, Any] | None = None
        self._partition_key: PartitionKeyDefinition | None = None
        self._routing: RoutingMap | None = None
        self._routing_stale = False
        # gevent's, not threading's: a greenlet waiting on a thread lock blocks the hub,
        # and the greenlet holding it never resumes (without monkey-patching)
        self._properties_lock = BoundedSemaphore()
        self._routing_lock = BoundedSemaphore()

    # what the container is -------------------------------------------------------------

    @property
    def properties(self) -> dict[str, Any]:
        """The container's definition, read once (one greenlet reads, the others wait)."""
        if self._properties is None:
            with self._properties_lock:
                if self._properties is None:
                    status, _, raw = self.client.send_metadata(
                        "GET", self.path, "colls", self.link, {}
                    )
                    if status >= 400:
                        raise self.client.failure(
                            "GET", self.path, status, raw, self.client.metadata
                        )
                    self._properties = json.loads(raw)
        return self._properties

    @property
    def partition_key(self) -> PartitionKeyDefinition:
        if self._partition_key is None:
            self._partition_key = PartitionKeyDefinition.from_container(self.properties)
        return self._partition_key

    def routing_map(self, refresh: bool = False) -> RoutingMap:
        """The partition key ranges (read once; again on `refresh` or after a response
        named a range the map does not know); one greenlet reads, the others wait."""
        if self._routing is not None and not (refresh or self._routing_stale):
            return self._routing
        with self._routing_lock:
            if self._routing is None or refresh or self._routing_stale:
                self._routing = self._read_ranges()
                self._routing_stale = False
            return self._routing

    def _read_ranges(self) -> RoutingMap:
        """All current ranges, as the SDK reads them: the `/pkranges` change feed from
        its start, page after page (each asks for changes after the previous page's
        etag) until a 304; a range that is another's parent is gone (split)."""
        path = f"{self.path}/pkranges"
        by_id: dict[str, dict[str, Any]] = {}
        etag: str | None = None
        while True:
            headers = {"A-IM": "Incremental Feed"}
            if etag:
                headers["If-None-Match"] = etag
            status, response_headers, content = self.client.send_metadata(
                "GET", path, "pkranges", self.link, headers
            )
            if status == 304:
                break
            if status >= 400:
                raise self.client.failure("GET", path, status, content, self.client.metadata)
            for key_range in json.loads(content)["PartitionKeyRanges"]:
                by_id[str(key_range["id"])] = key_range
            following = response_headers.get("etag")
            if not following or following == etag:  # nothing to page by: this was all
                break
            etag = following
        gone = {str(parent) for r in by_id.values() for parent in r.get("parents") or ()}
        return RoutingMap([r for i, r in by_id.items() if i not in gone])

    def _observe(self, stats: CallStats, headers: Any) -> None:
        """Ranges and session tokens a response reports."""
        range_id = headers.get(RANGE_ID)
        stats.touched(range_id)
        self.sessions.update(headers.get(SESSION_TOKEN))
        routing = self._routing
        if range_id and routing is not None and range_id not in routing.by_id:
            self._routing_stale = True  # a split the map has not seen yet

    def session_headers(self, headers: dict[str, str], pk: Any) -> None:
        """Under Session consistency, the token of the range `pk` lives in."""
        if not self.client.session_consistency:
            return
        routing = self.routing_map()
        if len(routing.ranges) == 1:  # no need to hash the key to find it
            key_range = routing.ranges[0]
        else:
            definition = self.partition_key
            epk = definition.epk(pk)
            if definition.is_prefix(pk):  # a hierarchical prefix: the first range it spans
                key_range = routing.overlapping(epk, epk + "FF")[0]
            else:
                key_range = routing.range_of(epk)
        token = self.sessions.for_range(key_range.id, key_range.parents)
        if token:
            headers[SESSION_TOKEN] = token

    def range_session_header(self, headers: dict[str, str], key_range: KeyRange) -> None:
        if self.client.session_consistency:
            token = self.sessions.for_range(key_range.id, key_range.parents)
            if token:
                headers[SESSION_TOKEN] = token

    # one request -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        link: str,
        headers: dict[str, str],
        body: bytes = b"",
        *,
        operation: str,
        resource_type: str = "docs",
        stats: CallStats | None = None,
    ) -> Response:
        """A point operation or batch: one request (with retries) timed into its stats
        (`stats`, when the caller passes its own: see the module's docstring)."""
        started = time.perf_counter()
        stats = CallStats() if stats is None else stats
        headers["x-ms-cosmos-intended-collection-rid"] = self.properties["_rid"]
        status, response_headers, content = self.client.send(
            method, path, resource_type, link, headers, body, stats
        )
        self._observe(stats, response_headers)
        _timed(stats, started)
        if status >= 400:
            raise self.client.failure(method, f"{path} ({operation})", status, content, stats)
        stats.pages = 1
        stats.item_count = 1 if content else 0  # a batch counts its operations (below)
        return Response(stats, raw=content, etag=response_headers.get("etag"))

    def _item(self, item_id: str) -> tuple[str, str]:
        return f"{self.path}/docs/{quote(item_id, safe='')}", f"{self.link}/docs/{item_id}"

    def _key_headers(self, pk: Any, **extra: str) -> dict[str, str]:
        return {PARTITION_KEY: self.partition_key.header(pk), **extra}

    # point operations ------------------------------------------------------------------

    def read_item(
        self, item_id: str, partition_key: Any, *, stats: CallStats | None = None
    ) -> Response:
        path, link = self._item(item_id)
        headers = self._key_headers(partition_key, Accept=JSON)
        self.session_headers(headers, partition_key)
        return self._call("GET", path, link, headers, operation="read", stats=stats)

    def create_item(self, body: Mapping[str, Any], *, stats: CallStats | None = None) -> Response:
        return self._write_document(body, operation="create", stats=stats)

    def upsert_item(self, body: Mapping[str, Any], *, stats: CallStats | None = None) -> Response:
        return self._write_document(body, operation="upsert", stats=stats)

    def _write_document(
        self, body: Mapping[str, Any], *, operation: str, stats: CallStats | None
    ) -> Response:
        headers = self._key_headers(self.partition_key.of_document(body))
        headers["Content-Type"] = JSON
        if operation == "upsert":
            headers["x-ms-documentdb-is-upsert"] = "True"
        return self._call(
            "POST",
            f"{self.path}/docs",
            self.link,
            headers,
            _encode(body),
            operation=operation,
            stats=stats,
        )

    def replace_item(
        self,
        item_id: str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        stats: CallStats | None = None,
    ) -> Response:
        """PUT the whole document; with `if_match` (an etag) a changed document is a 412."""
        path, link = self._item(item_id)
        headers = self._key_headers(self.partition_key.of_document(body), **{"Content-Type": JSON})
        if if_match:
            headers["If-Match"] = if_match
        return self._call(
            "PUT", path, link, headers, _encode(body), operation="replace", stats=stats
        )

    def patch_item(
        self,
        item_id: str,
        partition_key: Any,
        operations: Sequence[Mapping[str, Any]],
        *,
        condition: str | None = None,
        if_match: str | None = None,
        stats: CallStats | None = None,
    ) -> Response:
        path, link = self._item(item_id)
        headers = self._key_headers(
            partition_key, **{"Content-Type": "application/json-patch+json"}
        )
        if if_match:
            headers["If-Match"] = if_match
        body: dict[str, Any] = {"operations": list(operations)}
        if condition is not None:
            body["condition"] = condition
        return self._call(
            "PATCH", path, link, headers, _encode(body), operation="patch", stats=stats
        )

    def delete_item(
        self,
        item_id: str,
        partition_key: Any,
        *,
        if_match: str | None = None,
        stats: CallStats | None = None,
    ) -> Response:
        path, link = self._item(item_id)
        headers = self._key_headers(partition_key)
        if if_match:
            headers["If-Match"] = if_match
        return self._call("DELETE", path, link, headers, operation="delete", stats=stats)

    def execute_stored_procedure(
        self,
        procedure: str,
        partition_key: Any,
        params: Sequence[Any] = (),
        *,
        stats: CallStats | None = None,
    ) -> Response:
        """Run a stored procedure on one logical partition; `params` are its positional
        arguments (as the SDK's `scripts.execute_stored_procedure` sends them)."""
        path = f"{self.path}/sprocs/{quote(procedure, safe='')}"
        link = f"{self.link}/sprocs/{procedure}"
        headers = self._key_headers(partition_key, **{"Content-Type": JSON})
        return self._call(
            "POST",
            path,
            link,
            headers,
            _encode(list(params)),
            operation="stored procedure",
            resource_type="sprocs",
            stats=stats,
        )

    # several items ---------------------------------------------------------------------

    def execute_batch(
        self,
        operations: Sequence[tuple[str, tuple[Any, ...]]],
        partition_key: Any,
        *,
        stats: CallStats | None = None,
    ) -> Response:
        """A transactional batch on one logical partition; `operations` as the SDK's
        `execute_item_batch` takes them: `("upsert", (doc,))`, `("read", (id,))`,
        `("replace", (id, doc))`, `("patch", (id, [ops]))`, ... A failed batch (HTTP 207)
        raises GatewayError with the failing operation's status; nothing was applied."""
        headers = self._key_headers(
            partition_key,
            **{
                "Content-Type": JSON,
                "x-ms-cosmos-is-batch-request": "True",
                "x-ms-cosmos-batch-atomic": "True",
                "x-ms-cosmos-batch-continue-on-error": "False",
            },
        )
        body = _encode([batch_operation(kind, args) for kind, args in operations])
        response = self._call(
            "POST", f"{self.path}/docs", self.link, headers, body, operation="batch", stats=stats
        )
        response.stats.item_count = len(response.body or [])
        if response.stats.status == 207:
            results = response.body or []
            failed = next((r for r in results if r.get("statusCode") != 424), {})
            index = results.index(failed) if failed in results else -1
            response.stats.status = int(failed.get("statusCode", 207))
            response.stats.substatus = int(failed.get("subStatusCode", 0) or 0)
            raise GatewayError(
                f"batch operation {index} failed with {response.stats.status}; nothing applied",
                response.stats,
                results,
            )
        return response

    def bulk_create(
        self, documents: Iterable[Mapping[str, Any]], *, concurrency: int = 10
    ) -> list[Response | GatewayError]:
        """Creates with `concurrency` requests in flight (greenlets): one result per
        document, in order, a GatewayError where that create failed."""
        from gevent.pool import Pool

        def create(document: Mapping[str, Any]) -> Response | GatewayError:
            try:
                return self.create_item(document)
            except GatewayError as error:
                return error

        return list(Pool(concurrency).imap(create, documents))


def batch_operation(kind: str, args: tuple[Any, ...]) -> dict[str, Any]:
    try:
        operation_type, fields = BATCH_OPERATIONS[kind.lower()]
    except KeyError:
        allowed = ", ".join(BATCH_OPERATIONS)
        raise ValueError(f"batch operation {kind!r}: expected one of {allowed}") from None
    if len(args) != len(fields):
        raise ValueError(f"batch operation {kind!r} takes {len(fields)} argument(s): {fields}")
    operation: dict[str, Any] = {"operationType": operation_type}
    for name, value in zip(fields, args, strict=True):
        if name == "operations":
            operation["resourceBody"] = {"operations": value}
        else:
            operation[name] = value
    return operation


# json.dumps builds a new encoder per call when given options; one, made once
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _encode(body: Any) -> bytes:
    return _COMPACT.encode(body).encode()
