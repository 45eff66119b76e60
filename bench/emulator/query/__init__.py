"""The Cosmos DB NoSQL query engine (lexer -> parser -> planner -> evaluator).

INTERFACE STUB: the query-engine work (issue 3) replaces the body of this
package; the signatures below are the contract with the storage and the HTTP
layer, and may only grow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.emulator.errors import CosmosError
from bench.emulator.query.indexing import PartitionIndex


class PartitionSource(Protocol):
    """What the engine reads from one physical partition (the storage provides it)."""

    id: str
    documents: Mapping[Any, dict]  # stored documents (with system properties) by storage key
    index: PartitionIndex


@dataclass
class QueryMetrics:
    """What one execution did; the cost model charges from it and it feeds the metrics header."""

    retrieved_document_count: int = 0
    retrieved_document_size: int = 0  # bytes of the documents loaded
    output_document_count: int = 0
    output_document_size: int = 0  # bytes of the results
    index_lookup_count: int = 0  # index seeks/range scans performed
    index_hit_document_count: int = 0  # documents found through an index
    scanned_document_count: int = 0  # documents visited by a full scan
    partitions_touched: int = 0
    in_memory_sort: bool = False  # ORDER BY not served by an index
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class QueryResult:
    documents: list[Any]
    metrics: QueryMetrics


def execute(
    query: str,
    parameters: Sequence[Mapping[str, Any]] | None,
    partitions: Sequence[PartitionSource],
    *,
    partition_key_paths: Sequence[str],
    partition_key_prefix: Sequence[Any] | None = None,
) -> QueryResult:
    """Run `query` over `partitions` (already chosen by routing), whole; the caller pages it.

    `partition_key_prefix`, when given, scopes the query to the logical
    partition (or hierarchical sub-tree) whose key values start with it.
    Raises CosmosError(400) for syntax and semantic errors.
    """
    raise CosmosError(400, "Queries are not supported by this emulator build yet.")


def query_metrics_header(metrics: QueryMetrics) -> str:
    """The `x-ms-documentdb-query-metrics` value, in the service's `key=value;...` format."""
    return ""


def index_metrics_header(metrics: QueryMetrics) -> str:
    """The index-utilization header value sent when the client asks for index metrics."""
    return ""
