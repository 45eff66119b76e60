"""Feeds: SQL queries (evaluated whole by `bench.emulator.query`, then paged), read feeds
(`read_all_items`), and the partition key ranges the SDK routes by."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bench.emulator import costs
from bench.emulator import query as engine
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.paging import Snapshot, page_size
from bench.emulator.partition_keys import LogicalKey, parse_header
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.replies import Reply, dumps, feed_body
from bench.emulator.routes.common import metadata_reply
from bench.emulator.routes.items import PARTITION_KEY
from bench.emulator.scripts import udfs
from bench.emulator.storage import Container

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

PARTITION_KEY_RANGE_ID = "x-ms-documentdb-partitionkeyrangeid"
START_EPK = "x-ms-start-epk"
END_EPK = "x-ms-end-epk"
CONTINUATION = "x-ms-continuation"


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
        partition = partitions.by_id.get(range_id.split(",")[0])
        if partition is None:
            raise CosmosError(
                410,
                f"Partition key range {range_id} is gone (split); refresh the routing map.",
                substatus=1002,
            )
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
    gateway: Gateway, call: Call, container: Container, execute: Callable[[], Snapshot]
) -> Reply:
    """Serve the page the continuation points at, or `execute()` and serve its first page."""
    size = page_size(call.header("x-ms-max-item-count"))
    continuation = call.header(CONTINUATION)
    if continuation:
        snapshot, page = gateway.snapshots.next_page(continuation, size)
    else:
        snapshot = execute()
        page = gateway.snapshots.first_page(snapshot, size)
    # The execution's metrics go with its first page only: the work happened once, and clients
    # (like the service's) add up the metrics of every page they receive.
    headers = {} if continuation else dict(snapshot.headers)
    if page.continuation:
        headers[CONTINUATION] = page.continuation
    return Reply(200, feed_body(container.rid, "Documents", page.items), headers, page.charge)


def query(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    spec = call.json_object()
    text, parameters = spec.get("query"), spec.get("parameters")
    if not isinstance(text, str):
        raise CosmosError(400, "The query body must have a string 'query'.")
    if parameters is not None and not isinstance(parameters, list):
        raise CosmosError(400, "The query 'parameters' must be a list of {name, value}.")
    partitions, prefix, sources = _scope(call, container)

    def work() -> Reply:
        return _paged(
            gateway,
            call,
            container,
            lambda: _execute(call, container, text, parameters, sources, prefix),
        )

    return gateway.on_partitions(call, container, partitions, "Query", work)


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
        partition_key_prefix=list(prefix.components) if prefix else None,
        # TTL-expired items the sweeper has not removed yet are already gone for clients.
        visible=(lambda document: not container.is_expired(document, call.now))
        if container.default_ttl is not None
        else None,
        udfs=udfs.by_name(container.scripts),
    )
    headers = {}
    if call.flag("x-ms-documentdb-populatequerymetrics"):
        headers["x-ms-documentdb-query-metrics"] = engine.query_metrics_header(result.metrics)
    if call.flag("x-ms-cosmos-populateindexmetrics"):
        headers["x-ms-cosmos-index-utilization"] = engine.index_metrics_header(result.metrics)
    charge = costs.query_charge(result.metrics, strong=call.strong)
    items = [dumps(document) for document in result.documents]
    return Snapshot(items, charge, headers)


def query_plan(gateway: Gateway, call: Call) -> Reply:
    raise CosmosError(
        400,
        "This emulator evaluates queries whole in the gateway and does not serve query plans; "
        "send the query itself.",
    )


def read_feed(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    if (call.header("a-im") or "").lower() == "incremental feed":
        raise CosmosError(400, "The change feed is not supported by this emulator.")
    partitions, prefix, sources = _scope(call, container)

    def work() -> Reply:
        return _paged(
            gateway, call, container, lambda: _read_all(container, sources, prefix, call.now)
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
