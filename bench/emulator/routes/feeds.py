"""Feeds: SQL queries, read feeds (`read_all_items`), and the partition key ranges the SDK
routes by.

Queries follow the service's request flow. A query with a partition key (or partition key
range id) is evaluated on its physical partition and paged. Without one, it must be
allowed to cross partitions (`enable_cross_partition_query`) unless its filter pins the
whole key to one value (else 400, as on the service), and a query that needs no merging is
served by the gateway one partition after another (only the partitions of the key values
its filter pins), each page one request on one partition. One that needs merging (ORDER
BY, aggregates, DISTINCT, TOP, OFFSET/LIMIT, GROUP BY) gets 400/1004 with the query plan
in `additionalErrorInfo`, even on a one-partition container or when its filter pins one
key value (the plan's `queryRanges` then name that key); the SDK then asks for the plan
(`query_plan`), reads `/pkranges` and sends the plan's rewritten query once per partition
key range, merging on the client. Either way a query pays one charged request (or more,
when paged) per partition, as on the service.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import bench.emulator.costs as costs
import bench.emulator.query as engine
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.paging import Page, Snapshot, page_size
from bench.emulator.partition_keys import LogicalKey, parse_header
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.replies import Reply, dumps, feed_body
from bench.emulator.routes.common import metadata_reply
from bench.emulator.routes.items import PARTITION_KEY
from bench.emulator.scripts import udfs
from bench.emulator.slicing import SlicedExecution, paced
from bench.emulator.storage import Container

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

PARTITION_KEY_RANGE_ID = "x-ms-documentdb-partitionkeyrangeid"
START_EPK = "x-ms-start-epk"
END_EPK = "x-ms-end-epk"
CONTINUATION = "x-ms-continuation"
SUPPORTED_QUERY_FEATURES = "x-ms-cosmos-supported-query-features"
INDEX_UTILIZATION = "x-ms-cosmos-index-utilization"
ENABLE_CROSS_PARTITION = "x-ms-documentdb-query-enablecrosspartition"
CROSS_PARTITION_DISABLED = (
    "Cross partition query is required but disabled. Please set "
    "x-ms-documentdb-query-enablecrosspartition to true, specify "
    "x-ms-documentdb-partitionkey, or revise your query to avoid this exception."
)
NOT_SERVABLE = (
    "The provided cross partition query can not be directly served by the gateway. This is a "
    "first chance (internal) exception that all newer clients will know how to handle "
    "gracefully. This exception is traced, but unless you see it bubble up as an exception "
    "(which only happens on older SDK clients), then you can safely ignore this message."
)


class _EpkSlice:
    """A partition seen through an EPK sub-range (feed ranges, hierarchical prefixes)."""

    def __init__(self, partition: PhysicalPartition, low: str, high: str) -> None:
        self.id = partition.id
        self.index = partition.index
        self.documents = {
            key: document
            for key, document in partition.documents.items()
            if low <= partition.epks[key] < high
        }


def _scope(
    call: Call, container: Container
) -> tuple[list[PhysicalPartition], LogicalKey | None, list[Any]]:
    """Partitions a feed request covers, the key prefix it is scoped to, and the sources
    to read (partitions, or slices of them when an EPK range was sent)."""
    partitions = container.partitions
    range_id = call.header(PARTITION_KEY_RANGE_ID)
    prefix = None
    if call.header(PARTITION_KEY) is not None:
        prefix = parse_header(call.header(PARTITION_KEY))
        if len(prefix.components) > len(container.partition_key.paths):
            raise CosmosError(400, "The partition key has more components than the container's.")
    if range_id is not None:
        partition = partitions.for_range_id(range_id)
        low, high = call.header(START_EPK), call.header(END_EPK)
        if low is not None and high is not None:
            return [partition], prefix, [_EpkSlice(partition, low, high)]
        return [partition], prefix, [partition]
    if prefix is None:
        chosen = list(partitions)
    else:
        epk = container.partition_key.epk(prefix)
        if len(prefix.components) == len(container.partition_key.paths):
            chosen = [partitions.for_epk(epk)]
        elif prefix.components:
            chosen = partitions.overlapping(epk, epk + "FF")
        else:
            chosen = list(partitions)
    return chosen, prefix, list(chosen)


def _paged(
    gateway: Gateway,
    call: Call,
    container: Container,
    execute: Callable[[], Snapshot],
    continuation: str | None,
) -> Reply:
    """Serve the page the continuation points at, or `execute()` and serve its first page."""
    if not continuation:
        return _first_page(gateway, call, container, execute())
    _, page = gateway.snapshots.next_page(
        continuation, page_size(call.header("x-ms-max-item-count"))
    )
    return _page_reply(container, page, {})


async def _sliced(
    gateway: Gateway,
    call: Call,
    container: Container,
    execute: Callable[[], Snapshot],
    continuation: str | None,
) -> Reply:
    """`_paged` for queries: the execution runs in slices (see `bench.emulator.slicing`);
    when the page budget runs out first, the page is empty, carries no charge (the whole
    charge goes with the result's pages) and continues the execution."""
    execution = gateway.parked.take(continuation) if continuation else None
    if continuation and execution is None:
        return _paged(gateway, call, container, execute, continuation)
    if execution is None:
        execution = SlicedExecution(execute)
    try:
        done = await execution.run_page()
    except CosmosError as error:
        if continuation:
            gateway.parked.failed(continuation, error)
        raise
    if not done:
        headers = {CONTINUATION: gateway.parked.park(execution), "x-ms-item-count": "0"}
        return Reply(200, feed_body(container.rid, "Documents", []), headers, 0.0)
    return _first_page(gateway, call, container, execution.result)


def _first_page(gateway: Gateway, call: Call, container: Container, snapshot: Snapshot) -> Reply:
    page = gateway.snapshots.first_page(snapshot, page_size(call.header("x-ms-max-item-count")))
    # The execution's metrics go with its first page only: the work happened once, and clients
    # (like the service's) add up the metrics of every page they receive.
    return _page_reply(container, page, dict(snapshot.headers))


def _page_reply(container: Container, page: Page, headers: dict[str, str]) -> Reply:
    headers["x-ms-item-count"] = str(len(page.items))
    if page.continuation:
        headers[CONTINUATION] = page.continuation
    return Reply(200, feed_body(container.rid, "Documents", page.items), headers, page.charge)


def query(gateway: Gateway, call: Call) -> Awaitable[Reply]:
    container = gateway.account.container(call.segments[1], call.segments[3])
    text, parameters = call.query_spec()
    partitions, prefix, sources = _scope(call, container)
    if prefix is None and call.header(PARTITION_KEY_RANGE_ID) is None:
        plan = engine.fan_out_plan(text, parameters, container.partition_key.paths)
        if plan.per_range:
            if not (call.flag(ENABLE_CROSS_PARTITION) or plan.pins_one_key):
                raise CosmosError(400, CROSS_PARTITION_DISABLED)
            ranges = _pinned_ranges(container, plan)
            if ranges:
                pinned = {container.partitions.for_epk(r["min"]).id for r in ranges}
                partitions = sources = [p for p in partitions if p.id in pinned]
            # Without a partition key the gateway leaves merging to the SDK, however many
            # partitions the container has and even when the filter pins one key value.
            if plan.needs_client_merge:
                _not_servable(gateway, container, plan.body(ranges))
            if len(partitions) > 1:
                return _one_partition_after_another(
                    gateway, call, container, partitions, text, parameters
                )

    def work() -> Awaitable[Reply]:
        return _sliced(
            gateway,
            call,
            container,
            lambda: _execute(call, container, text, parameters, sources, prefix),
            call.header(CONTINUATION),
        )

    return gateway.on_partitions_sliced(call, container, partitions, "Query", work)


def _not_servable(gateway: Gateway, container: Container, plan: Mapping[str, Any]) -> None:
    """400/1004 with the plan: the gateway answers without reading a partition (no charge,
    no throttling); the SDK then fans the query out itself."""
    gateway.ledger.record(
        container=container.name_link,
        partition="",
        operation="Query",
        request_charge=0.0,
        status=400,
    )
    raise CosmosError(400, NOT_SERVABLE, substatus=1004, additional_info=json.dumps(plan))


def _one_partition_after_another(
    gateway: Gateway,
    call: Call,
    container: Container,
    partitions: Sequence[PhysicalPartition],
    text: str,
    parameters: Any,
) -> Awaitable[Reply]:
    """A query that needs no merging, served by the gateway across partitions as the service
    serves it: each page is one request on one partition, in EPK order. The continuation
    `<low>:<high>|<page token>` names the EPK range being read (so it survives a split) and
    where in it the next page starts; an exhausted range hands over to the next partition,
    so some pages are empty."""
    token = call.header(CONTINUATION)
    if token:
        bounds, separator, inner = token.partition("|")
        low, _, high = bounds.partition(":")
        if not separator or not high:
            raise CosmosError(400, f"The continuation token {token!r} is invalid.")
    else:
        low, high, inner = partitions[0].min_inclusive, partitions[0].max_exclusive, ""
    partition = container.partitions.for_epk(low)
    if not inner:  # a fresh execution reads the partition there now (after a split: a child)
        high = partition.max_exclusive

    async def work() -> Reply:
        reply = await _sliced(
            gateway,
            call,
            container,
            lambda: _execute(call, container, text, parameters, [partition], None),
            inner or None,
        )
        following = reply.headers.pop(CONTINUATION, None)
        after = next((p for p in partitions if p.min_inclusive >= high), None)
        if following is not None:
            reply.headers[CONTINUATION] = f"{low}:{high}|{following}"
        elif after is not None:
            reply.headers[CONTINUATION] = f"{after.min_inclusive}:{after.max_exclusive}|"
        return reply

    return gateway.on_partitions_sliced(call, container, [partition], "Query", work)


def query_plan(gateway: Gateway, call: Call) -> Reply:
    """The plan the SDK asks for after a 1004 (served by the gateway: no charge)."""
    container = gateway.account.container(call.segments[1], call.segments[3])
    text, parameters = call.query_spec()
    plan = engine.fan_out_plan(text, parameters, container.partition_key.paths)
    plan.check_supported(call.header(SUPPORTED_QUERY_FEATURES))
    body = plan.body(_pinned_ranges(container, plan))
    gateway.ledger.record(
        container=container.name_link,
        partition="",
        operation="QueryPlan",
        request_charge=0.0,
        status=200,
    )
    return Reply(200, dumps(body), {}, 0.0)


def _pinned_ranges(container: Container, plan: engine.PartitionedPlan) -> list[dict[str, Any]]:
    """Point ranges (one EPK each) of the partition keys the filter pins; empty if none."""
    if plan.pinned_keys is None:
        return []
    epks = sorted({container.partition_key.epk(LogicalKey.of([v])) for v in plan.pinned_keys})
    return [{"min": e, "max": e, "isMinInclusive": True, "isMaxInclusive": True} for e in epks]


def _execute(
    call: Call,
    container: Container,
    text: str,
    parameters: Any,
    sources: Sequence[Any],
    prefix: LogicalKey | None,
) -> Snapshot:
    result = engine.execute(
        text,
        parameters,
        sources,
        partition_key_paths=list(container.partition_key.paths),
        partition_key_prefix=prefix.wire_components() if prefix else None,
        # TTL-expired items the sweeper has not removed yet are already gone for clients.
        visible=(lambda document: not container.is_expired(document, call.now))
        if container.default_ttl is not None
        else None,
        computed_properties=container.computed_properties,
        udfs=udfs.by_name(container.scripts),
    )
    headers = {}
    if call.flag("x-ms-documentdb-populatequerymetrics"):
        headers["x-ms-documentdb-query-metrics"] = engine.query_metrics_header(result.metrics)
    # Asking costs nothing: the service documents an overhead in latency, no RU figure.
    if call.flag("x-ms-cosmos-populateindexmetrics-v2"):
        headers[INDEX_UTILIZATION] = engine.index_metrics_v2_header(result.metrics)
    elif call.flag("x-ms-cosmos-populateindexmetrics"):
        headers[INDEX_UTILIZATION] = engine.index_metrics_header(result.metrics)
    charge = costs.query_charge(result.metrics, strong=call.strong)
    items = [dumps(document) for document in paced(result.documents)]
    return Snapshot(items, charge, headers)


def read_feed(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    partitions, prefix, sources = _scope(call, container)

    def work() -> Reply:
        return _paged(
            gateway,
            call,
            container,
            lambda: _read_all(container, sources, prefix, call.now),
            call.header(CONTINUATION),
        )

    return gateway.on_partitions(call, container, partitions, "ReadFeed", work)


def _read_all(
    container: Container, sources: Sequence[Any], prefix: LogicalKey | None, now: float
) -> Snapshot:
    # `["a","b"` matches the keys that start with that prefix.
    wanted = prefix.canonical[:-1] if prefix and prefix.components else None
    items: list[bytes] = []
    metrics = engine.QueryMetrics(partitions_touched=len(sources))
    for source in sources:
        encoded = source.encoded if isinstance(source, PhysicalPartition) else None
        for key, document in source.documents.items():
            if wanted is not None and not (
                key[0] == wanted + "]" or key[0].startswith(wanted + ",")
            ):
                continue
            if container.default_ttl is not None and container.is_expired(document, now):
                continue
            body = encoded[key] if encoded is not None else dumps(document)
            items.append(body)
            metrics.retrieved_document_count += 1
            metrics.retrieved_document_size += len(body)
    metrics.output_document_count = metrics.retrieved_document_count
    metrics.output_document_size = metrics.retrieved_document_size
    metrics.scanned_document_count = metrics.retrieved_document_count
    return Snapshot(items, costs.query_charge(metrics))


def partition_key_ranges(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    etag = f'"{container.rid}-{container.partitions.generation}"'
    if call.header("if-none-match") == etag:
        return Reply(304, b"", {"etag": etag}, 0.0)
    body: Mapping[str, Any] = {
        "_rid": container.rid,
        "PartitionKeyRanges": container.partitions.resources(container.rid),
        "_count": len(container.partitions),
    }
    reply = metadata_reply(
        gateway, "ReadPartitionKeyRanges", 200, body, container=container.name_link
    )
    reply.headers["etag"] = etag
    return reply
