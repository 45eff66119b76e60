"""Feeds of databases, containers, offers and conflicts: read feeds (`list_databases`,
`list_containers`, ...) and SQL queries over them (`query_databases`,
`query_containers`, `QueryOffers`), paged by `x-ms-max-item-count` with a
continuation, as the service pages them.

Queries run through the same engine as item queries, over the resources as
the service returns them (`SELECT * FROM root r WHERE r.id = @id`). Every
page carries the fixed metadata charge (the cost model prices item and
query work only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import bench.emulator.query as engine
from bench.emulator.call import Call
from bench.emulator.costs import METADATA_CHARGE
from bench.emulator.paging import Snapshot, page_size
from bench.emulator.query.indexing import DEFAULT_POLICY
from bench.emulator.replies import Reply, dumps, feed_body

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

CONTINUATION = "x-ms-continuation"


def is_query(call: Call) -> bool:
    """A POST that carries a SQL query rather than a resource to create."""
    content_type = call.header("content-type") or ""
    return call.flag("x-ms-documentdb-isquery") or content_type.startswith(
        ("application/query+json", "application/sql")
    )


def query_resources(call: Call, resources: Sequence[dict[str, Any]]) -> list[Any]:
    """Run the call's query (`{"query", "parameters"}`, or plain SQL text) over `resources`."""
    text, parameters = call.query_spec()
    result = engine.execute(text, parameters, [_ResourceSource(resources)], partition_key_paths=[])
    return result.documents


def resource_feed(
    gateway: Gateway,
    call: Call,
    operation: str,
    key: str,
    rid: str,
    results: Sequence[Any],
    *,
    container: str = "",
) -> Reply:
    """One page of `results` as `{"_rid", key: [...], "_count"}`, with a continuation when
    more remain; the first request snapshots the results, so pages never shift. The ledger
    records the request under `container` (a container's name link) when it is about one."""
    size = page_size(call.header("x-ms-max-item-count"))
    continuation = call.header(CONTINUATION)
    if continuation:
        _, page = gateway.snapshots.next_page(continuation, size)
    else:
        snapshot = Snapshot([dumps(result) for result in results], METADATA_CHARGE)
        page = gateway.snapshots.first_page(snapshot, size)
    gateway.record_metadata(operation, 200, container)
    headers = {"x-ms-item-count": str(len(page.items))}
    if page.continuation:
        headers[CONTINUATION] = page.continuation
    return Reply(200, feed_body(rid, key, page.items), headers, METADATA_CHARGE)


@dataclass
class _ResourceSource:
    """Resources seen by the query engine as one partition's documents, fully indexed."""

    resources: Sequence[dict[str, Any]]
    id: str = "0"
    documents: dict[Any, dict] = field(init=False)
    index: engine.PartitionIndex = field(init=False)

    def __post_init__(self) -> None:
        self.documents = {position: r for position, r in enumerate(self.resources)}
        self.index = engine.PartitionIndex(DEFAULT_POLICY, [])
        for position, resource in self.documents.items():
            self.index.insert(position, resource)
