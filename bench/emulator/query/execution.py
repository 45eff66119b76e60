"""Running a query: parsed, compiled and planned once per distinct text (load tests repeat
queries), then evaluated over the physical partitions the HTTP layer routed it to; the
service's plan for fanning it out across ranges; and a syntax check for clients."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import bench.emulator.query.ast as ast
import bench.emulator.query.computed as computed
from bench.emulator.errors import CosmosError
from bench.emulator.query.errors import (
    INVALID_QUERY,
    UNKNOWN_FUNCTION,
    UNRESOLVED_IDENTIFIER,
    query_error,
)
from bench.emulator.query.evaluator import (
    CTX,
    SUBQUERY_RESULTS,
    CompiledQuery,
    Compiler,
    Context,
    Row,
)
from bench.emulator.query.loader import DocumentLoader, PartitionSource
from bench.emulator.query.metrics import QueryMetrics
from bench.emulator.query.parser import parse
from bench.emulator.query.partitioned import PartitionedPlan, partitioned_plan
from bench.emulator.query.planner import Plan, check_order_by, plan_query
from bench.emulator.query.values import UNDEFINED, to_json_text
from bench.emulator.slicing import paced

_CACHE_SIZE = 512


@dataclass
class QueryResult:
    documents: list[Any]
    metrics: QueryMetrics


@dataclass(frozen=True)
class _Prepared:
    compiled: CompiledQuery
    plan: Plan
    compiler: Compiler
    source_query: _Prepared | None  # `FROM (SELECT ... FROM c)`: run first, over the container


_prepared: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], _Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def execute(
    query: str,
    parameters: Sequence[Mapping[str, Any]] | None,
    partitions: Sequence[PartitionSource],
    *,
    partition_key_paths: Sequence[str],
    partition_key_prefix: Sequence[Any] | None = None,
    visible: Callable[[Mapping[str, Any]], bool] | None = None,
    computed_properties: Sequence[Mapping[str, Any]] = (),
    udfs: Mapping[str, Callable[[list[Any]], Any]] | None = None,
) -> QueryResult:
    """Run `query` over `partitions` (already chosen by routing), whole; the caller pages it.

    `partition_key_prefix`, when given, scopes the query to the logical
    partition (or hierarchical sub-tree) whose key values start with it; an
    element `{}` stands for "no value" (documents without that path), as the
    SDK sends it. `visible`, when given, hides stored documents it rejects
    (TTL-expired ones not yet swept). `computed_properties` are the container's
    (`[{name, query}]`, see `computed.py`); `udfs` its user-defined functions by
    name, for `udf.name(...)`. Raises CosmosError(400) for syntax and
    semantic errors.
    """
    started = time.perf_counter()
    prepared = _prepare(query, computed_properties)
    compiled_at = time.perf_counter()
    _check_udfs(prepared.compiler.udf_names, udfs or {})
    context = Context(_bind_parameters(parameters, frozenset(prepared.compiler.parameters)), udfs)
    base: Row = {CTX: context}
    metrics = QueryMetrics(partitions_touched=len(partitions))
    try:
        execution = _Execution(
            base, metrics, partitions, partition_key_paths, partition_key_prefix, visible
        )
        documents = _run(prepared, execution)
    except (ArithmeticError, ValueError, TypeError) as error:
        # Values the JSON parser lets through (NaN, Infinity) can still trip Python's math.
        raise query_error(f"The query could not be evaluated over these values: {error}.") from None
    finished = time.perf_counter()
    metrics.output_document_count = len(documents)
    metrics.output_document_size = sum(len(to_json_text(d).encode()) for d in paced(documents))
    written = time.perf_counter()
    timings = metrics.timings_ms
    timings["queryCompileTimeInMs"] = (compiled_at - started) * 1000
    timings["VMExecutionTimeInMs"] = max(
        0.0, (finished - compiled_at) * 1000 - timings.get("indexLookupTimeInMs", 0.0)
    )
    timings["writeOutputTimeInMs"] = (written - finished) * 1000
    timings["totalExecutionTimeInMs"] = (written - started) * 1000
    return QueryResult(documents, metrics)


@dataclass(frozen=True)
class _Execution:
    """One call's inputs besides the query: where to read and what to record."""

    base: Row
    metrics: QueryMetrics
    partitions: Sequence[PartitionSource]
    partition_key_paths: Sequence[str]
    partition_key_prefix: Sequence[Any] | None
    visible: Callable[[Mapping[str, Any]], bool] | None


def _run(prepared: _Prepared, execution: _Execution) -> list[Any]:
    compiled, plan, base = prepared.compiled, prepared.plan, execution.base
    if prepared.source_query is not None:
        inner = _run(prepared.source_query, execution)
        rows = compiled.rows({**base, SUBQUERY_RESULTS: inner})
        return compiled.finish(compiled.filtered(rows), base)
    if compiled.source is None:
        return compiled.finish(compiled.filtered(compiled.rows(base)), base)
    partitions = execution.partitions
    if partitions:
        check_order_by(plan, compiled.node, partitions[0].index)
    loader = DocumentLoader(
        plan,
        prepared.compiler,
        base,
        execution.metrics,
        execution.partition_key_paths,
        execution.partition_key_prefix,
        execution.visible,
    )
    counted = loader.count_from_index(partitions)
    if counted is not None:
        return [counted]
    ordered = loader.ordered_documents(compiled, partitions)
    documents = loader.documents(partitions) if ordered is None else ordered
    rows = compiled.filtered(compiled.document_rows(documents, base[CTX]))
    results = compiled.finish(rows, base, presorted=ordered is not None)
    loader.record_order_by(partitions)
    return results


def fan_out_plan(
    query: str, parameters: Sequence[Mapping[str, Any]] | None, key_paths: Sequence[str]
) -> PartitionedPlan:
    """The service's plan for running `query` range by range; raises CosmosError(400) if the
    query is invalid, as the service's plan request does."""
    prepared = _prepare(query)
    node = prepared.compiled.node
    per_range = node.source is not None and prepared.source_query is None
    return partitioned_plan(node, parameters, per_range=per_range, key_paths=key_paths)


def _prepare(query: Any, computed_properties: Sequence[Mapping[str, Any]] = ()) -> _Prepared:
    """Parse, compile and plan once per distinct query text and computed properties
    (load tests repeat queries)."""
    if not isinstance(query, str) or not query.strip():
        raise CosmosError(400, "The query text is required and must be a non-empty string.")
    key = (query, tuple((p["name"], p["query"]) for p in computed_properties))
    with _cache_lock:
        prepared = _prepared.get(key)
        if prepared is not None:
            _prepared.move_to_end(key)
            return prepared
    compiler = Compiler()
    try:
        node = computed.substitute(parse(query), computed.validate(list(computed_properties)))
        prepared = _build(node, compiler)
    except RecursionError:
        raise query_error("The query is too deeply nested.", code=INVALID_QUERY) from None
    with _cache_lock:
        _prepared[key] = prepared
        if len(_prepared) > _CACHE_SIZE:
            _prepared.popitem(last=False)
    return prepared


def _build(node: ast.Query, compiler: Compiler) -> _Prepared:
    source_query = None
    if node.source is not None and isinstance(node.source.expr, ast.ContainerSubquery):
        source_query = _build(node.source.expr.query, compiler)
    compiled = compiler.query(node, frozenset())
    return _Prepared(compiled, plan_query(node, compiler), compiler, source_query)


def _check_udfs(used: set[str], defined: Mapping[str, Any]) -> None:
    missing = sorted(used - defined.keys())
    if missing:
        raise query_error(
            f"The user-defined function 'udf.{missing[0]}' does not exist in this container.",
            code=UNKNOWN_FUNCTION,
        )


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
    missing = sorted(used - bound.keys())
    if missing:
        raise query_error(
            f"The parameter '{missing[0]}' is used by the query but not given in its parameters.",
            code=UNRESOLVED_IDENTIFIER,
        )
    return bound


def check_syntax(query: str) -> None:
    """Parse `query` without running it: raises the CosmosError(400) the service answers a
    syntax error with, so a client can reject a query that cannot parse before sending it.
    Only syntax: what the emulator's engine does not implement may still run elsewhere."""
    if not isinstance(query, str) or not query.strip():
        raise CosmosError(400, "The query text is required and must be a non-empty string.")
    try:
        parse(query)
    except RecursionError:
        raise query_error("The query is too deeply nested.", code=INVALID_QUERY) from None
