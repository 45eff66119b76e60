"""The Cosmos DB NoSQL query engine (lexer -> parser -> planner -> evaluator).

`execute` runs a whole query over the physical partitions the HTTP layer
routed it to (that layer pages the result); the storage keeps each
partition's `PartitionIndex` current on every write. Usage:

    result = execute("SELECT * FROM c WHERE c.kind = @k", [{"name": "@k", "value": "a"}],
                     partitions, partition_key_paths=["/pk"])
    result.documents, query_charge(result.metrics)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bench.emulator.errors import CosmosError
from bench.emulator.query.errors import UNRESOLVED_IDENTIFIER, query_error
from bench.emulator.query.evaluator import CTX, ROOT, CompiledQuery, Compiler, Context, Row
from bench.emulator.query.indexing import PartitionIndex, parse_path
from bench.emulator.query.metrics import QueryMetrics, index_metrics_header, query_metrics_header
from bench.emulator.query.parser import parse
from bench.emulator.query.planner import (
    AnyOf,
    Lookup,
    Plan,
    check_order_by,
    index_spec,
    partition_key_lookups,
    plan_query,
)
from bench.emulator.query.values import UNDEFINED, deep_equal, to_json_text

__all__ = [
    "PartitionIndex",
    "PartitionSource",
    "QueryMetrics",
    "QueryResult",
    "execute",
    "index_metrics_header",
    "query_metrics_header",
]

_CACHE_SIZE = 512


class PartitionSource(Protocol):
    """What the engine reads from one physical partition (the storage provides it)."""

    id: str
    documents: Mapping[Any, dict]  # stored documents (with system properties) by storage key
    index: PartitionIndex


@dataclass
class QueryResult:
    documents: list[Any]
    metrics: QueryMetrics


@dataclass(frozen=True)
class _Prepared:
    compiled: CompiledQuery
    plan: Plan
    parameters: frozenset[str]
    compiler: Compiler


_prepared: OrderedDict[str, _Prepared] = OrderedDict()


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
    partition (or hierarchical sub-tree) whose key values start with it; an
    element `{}` stands for "no value" (documents without that path), as the
    SDK sends it. Raises CosmosError(400) for syntax and semantic errors.
    """
    started = time.perf_counter()
    prepared = _prepare(query)
    compiled_at = time.perf_counter()
    context = Context(_bind_parameters(parameters, prepared.parameters))
    base: Row = {CTX: context}
    compiled = prepared.compiled
    metrics = QueryMetrics(partitions_touched=len(partitions))
    if compiled.source is None:
        documents = compiled.finish(compiled.filtered(compiled.rows(base)), base)
    else:
        if partitions:
            check_order_by(prepared.plan, compiled.node, partitions[0].index)
        scan = _PartitionScan(prepared, base, metrics, partition_key_paths, partition_key_prefix)
        rows = (
            row
            for document in scan.documents(partitions)
            for row in compiled.rows({CTX: context, ROOT: document})
        )
        documents = compiled.finish(compiled.filtered(rows), base)
        _record_order_by(prepared.plan, metrics, partitions)
    finished = time.perf_counter()
    metrics.output_document_count = len(documents)
    metrics.output_document_size = sum(len(to_json_text(d).encode()) for d in documents)
    written = time.perf_counter()
    timings = metrics.timings_ms
    timings["queryCompileTimeInMs"] = (compiled_at - started) * 1000
    timings["VMExecutionTimeInMs"] = max(
        0.0, (finished - compiled_at) * 1000 - timings.get("indexLookupTimeInMs", 0.0)
    )
    timings["writeOutputTimeInMs"] = (written - finished) * 1000
    timings["totalExecutionTimeInMs"] = (written - started) * 1000
    return QueryResult(documents, metrics)


def _prepare(query: Any) -> _Prepared:
    """Parse, compile and plan once per distinct query text (load tests repeat queries)."""
    if not isinstance(query, str) or not query.strip():
        raise CosmosError(400, "The query text is required and must be a non-empty string.")
    prepared = _prepared.get(query)
    if prepared is not None:
        _prepared.move_to_end(query)
        return prepared
    node = parse(query)
    compiler = Compiler()
    try:
        compiled = compiler.query(node, frozenset())
    except RecursionError:
        raise query_error("The query is too deeply nested.") from None
    prepared = _Prepared(
        compiled, plan_query(node, compiler), frozenset(compiler.parameters), compiler
    )
    _prepared[query] = prepared
    if len(_prepared) > _CACHE_SIZE:
        _prepared.popitem(last=False)
    return prepared


def _bind_parameters(
    parameters: Sequence[Mapping[str, Any]] | None, used: frozenset[str]
) -> dict[str, Any]:
    bound: dict[str, Any] = {}
    for position, parameter in enumerate(parameters or []):
        name = parameter.get("name") if isinstance(parameter, Mapping) else None
        if not isinstance(name, str) or not name.startswith("@"):
            raise CosmosError(
                400,
                f"Query parameter {position} must be an object with a 'name' starting with '@' "
                "and a 'value'.",
            )
        bound[name] = parameter.get("value", UNDEFINED)
    for name in sorted(used - bound.keys()):
        raise query_error(
            f"The parameter '{name}' is used by the query but not given in its parameters.",
            code=UNRESOLVED_IDENTIFIER,
        )
    return bound


class _PartitionScan:
    """Loads the documents a query needs from each partition: through indexes, else a scan."""

    def __init__(
        self,
        prepared: _Prepared,
        base: Row,
        metrics: QueryMetrics,
        partition_key_paths: Sequence[str],
        partition_key_prefix: Sequence[Any] | None,
    ) -> None:
        self.lookups = prepared.plan.lookups
        self.base = base
        self.metrics = metrics
        self.scope_lookups: list[Lookup] = []
        self.in_scope: Callable[[Mapping[str, Any]], bool] | None = None
        if partition_key_prefix:
            self.scope_lookups = partition_key_lookups(
                partition_key_paths, partition_key_prefix, prepared.compiler
            )
            self.in_scope = _scope_filter(partition_key_paths, partition_key_prefix)

    def documents(self, partitions: Sequence[PartitionSource]) -> Iterator[dict]:
        for partition in partitions:
            yield from self._partition(partition)

    def _partition(self, partition: PartitionSource) -> Iterator[dict]:
        index, stored, metrics = partition.index, partition.documents, self.metrics
        started = time.perf_counter()
        hits = self._lookup(index, self.lookups, record=True)
        scope = self._lookup(index, self.scope_lookups, record=False)
        metrics.timings_ms["indexLookupTimeInMs"] = (
            metrics.timings_ms.get("indexLookupTimeInMs", 0.0)
            + (time.perf_counter() - started) * 1000
        )
        if hits is not None:
            metrics.index_hit_document_count += len(hits if scope is None else hits & scope)
        candidates = hits if scope is None else scope if hits is None else hits & scope
        in_scope = self.in_scope
        if candidates is None:
            keys: Any = stored.keys()
        elif len(candidates) * 8 > len(stored):
            keys = [key for key in stored if key in candidates]
        else:
            keys = sorted(candidates, key=index.position)
        for key in keys:
            document = stored.get(key)
            if document is None:
                continue
            if candidates is None:
                metrics.scanned_document_count += 1
            if in_scope is not None and not in_scope(document):
                continue
            metrics.retrieved_document_count += 1
            metrics.retrieved_document_size += index.document_size(key, document)
            yield document

    def _lookup(
        self, index: PartitionIndex, lookups: Sequence[Lookup | AnyOf], *, record: bool
    ) -> set[Any] | None:
        """Intersection of the usable lookups' results; None when none is usable (scan)."""
        found: list[set[Any]] = []
        for lookup in lookups:
            options = lookup.options if isinstance(lookup, AnyOf) else (lookup,)
            if not all(index.is_indexed(o.path) for o in options):
                if record:
                    self._note(self.metrics.potential_indexes, options)
                continue
            union: set[Any] | None = set()
            for option in options:
                self.metrics.index_lookup_count += 1
                keys = option.run(index, self.base)
                if keys is None:
                    union = None
                    break
                union |= keys
            if union is not None:
                found.append(union)
                if record:
                    self._note(self.metrics.utilized_indexes, options)
        if not found:
            return None
        found.sort(key=len)
        result = set(found[0])
        for keys in found[1:]:
            result &= keys
        return result

    @staticmethod
    def _note(entries: list[tuple[str, str]], options: Sequence[Lookup]) -> None:
        for option in options:
            entry = (option.text, index_spec(option.path))
            if entry not in entries:
                entries.append(entry)


def _scope_filter(
    paths: Sequence[str], prefix: Sequence[Any]
) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a document's partition-key values start with `prefix`."""
    wanted = [
        (parse_path(path, terminal=False).segments, UNDEFINED if value == {} else value)
        for path, value in zip(paths, prefix, strict=False)
    ]

    def in_scope(document: Mapping[str, Any]) -> bool:
        for segments, value in wanted:
            current: Any = document
            for segment in segments:
                current = current.get(segment, UNDEFINED) if type(current) is dict else UNDEFINED
            if value is UNDEFINED:
                if current is not UNDEFINED:
                    return False
            elif not deep_equal(current, value):
                return False
        return True

    return in_scope


def _record_order_by(plan: Plan, metrics: QueryMetrics, partitions: Sequence[PartitionSource]):
    """ORDER BY on an indexed path (or a composite index) counts as served by the index."""
    if not plan.order_by:
        return
    if plan.order_paths is None or not partitions:
        metrics.in_memory_sort = True
        return
    index = partitions[0].index
    if len(plan.order_paths) > 1:
        composite = index.find_composite(plan.order_paths)
        if composite is not None:
            metrics.utilized_composite_indexes.append(
                [f"/{'/'.join(p)} {'DESC' if d else 'ASC'}" for p, d in composite.paths]
            )
    elif index.is_indexed(plan.order_paths[0][0]):
        path = plan.order_paths[0][0]
        entry = (f"ORDER BY ROOT.{'.'.join(path)}", index_spec(path))
        if entry not in metrics.utilized_indexes:
            metrics.utilized_indexes.append(entry)
    else:
        metrics.in_memory_sort = True
