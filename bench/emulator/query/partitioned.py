"""The service's plan for running one query over several partition key ranges.

The gateway does not merge results across partitions: it answers a query that
needs merging with 400/1004 and this plan, and the SDK then sends `rewrittenQuery`
to every partition key range and merges the pages itself (ORDER BY, aggregates,
DISTINCT, OFFSET/LIMIT, TOP; GROUP BY for SDKs that declare it). The plan's
shape is the service's `partitionedQueryExecutionInfoVersion` 2 document.

Rewrites, as the service writes them:
- ORDER BY: `SELECT c._rid, [{"item": e1}, ...] AS orderByItems, <projection> AS payload
  FROM c WHERE (<filter>) AND ({documentdb-formattableorderbyquery-filter}) ORDER BY ...`;
- VALUE aggregates: `SELECT VALUE [{"item": COUNT(1)}] ...` (AVG as `{"sum", "count"}`);
- GROUP BY: `SELECT [{"item": g1}, ...] AS groupByItems, {...} AS payload ... GROUP BY ...`;
- OFFSET o LIMIT l: every range returns its first o + l results (`OFFSET 0 LIMIT o+l`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

import bench.emulator.query.ast as ast
from bench.emulator.errors import CosmosError
from bench.emulator.query.aggregates import AGGREGATES
from bench.emulator.query.errors import INVALID_QUERY, query_error
from bench.emulator.query.evaluator import contains_aggregate
from bench.emulator.query.sqltext import clauses_after_select, expr_text, select_text

PLAN_VERSION = 2
ORDER_BY_FILTER = "{documentdb-formattableorderbyquery-filter}"
FULL_RANGE = {"min": "", "max": "FF", "isMinInclusive": True, "isMaxInclusive": False}
_AGGREGATE_NAMES = {"COUNT": "Count", "SUM": "Sum", "AVG": "Average", "MIN": "Min", "MAX": "Max"}
UNSUPPORTED_FEATURES = (
    "Query contains 1 or more unsupported features. Upgrade your SDK to a version that does "
    "support the requested features:\r\nQuery contained {features}, which the calling client "
    "does not support."
)


@dataclass(frozen=True)
class PartitionedPlan:
    query_info: dict[str, Any]
    features: frozenset[str]  # the `x-ms-cosmos-supported-query-features` the client needs
    # False for queries that read no container directly (no FROM, or `FROM (subquery)`):
    # the gateway evaluates those whole instead of answering 1004.
    per_range: bool = True
    # Partition key values the filter pins (single-path keys only): the ranges to query.
    pinned_keys: list[Any] | None = None
    # Whether the filter pins every path of the key to one value: the service routes such a
    # query to its partition without `enable_cross_partition_query`.
    pins_one_key: bool = False

    @property
    def needs_client_merge(self) -> bool:
        """Whether the ranges' results must be merged by the client (ORDER BY, aggregates,
        DISTINCT, TOP, OFFSET/LIMIT, GROUP BY): such queries are what the gateway answers with
        1004. Others it serves across partitions itself, one partition after another."""
        return bool(self.features)

    def body(self, query_ranges: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The plan document the service returns (and puts in a 1004's additionalErrorInfo);
        `query_ranges` empty means the whole key space."""
        return {
            "partitionedQueryExecutionInfoVersion": PLAN_VERSION,
            "queryInfo": self.query_info,
            "queryRanges": list(query_ranges) or [dict(FULL_RANGE)],
        }

    def check_supported(self, declared: str | None) -> None:
        """A client that does not declare a feature the plan needs gets the service's 400."""
        if declared is None:
            return
        have = {name.strip() for name in declared.split(",")}
        missing = sorted(self.features - have)
        if missing:
            raise CosmosError(400, UNSUPPORTED_FEATURES.format(features=", ".join(missing)))


def partitioned_plan(
    node: ast.Query,
    parameters: Sequence[Mapping[str, Any]] | None,
    *,
    per_range: bool = True,
    key_paths: Sequence[str] = (),
) -> PartitionedPlan:
    """The plan for `node` (an already compiled, valid query); counts given as parameters
    (`TOP @n`) are resolved, as the service resolves them when it builds the plan."""
    select = node.select
    bound = {p.get("name"): p.get("value") for p in parameters or [] if isinstance(p, Mapping)}
    top, offset, limit = (_count(e, bound) for e in (select.top, node.offset, node.limit))
    features: set[str] = set()
    info: dict[str, Any] = {
        "distinctType": "None",
        "top": top,
        "offset": offset,
        "limit": limit,
        "orderBy": ["Descending" if item.descending else "Ascending" for item in node.order_by],
        "orderByExpressions": [expr_text(item.expr) for item in node.order_by],
        "groupByExpressions": [expr_text(e) for e in node.group_by],
        "groupByAliases": [],
        "aggregates": [],
        "groupByAliasToAggregateType": {},
        "rewrittenQuery": "",
        "hasSelectValue": select.value,
        "dCountInfo": None,
        "hasNonStreamingOrderBy": False,
    }
    if select.distinct:
        info["distinctType"] = "Ordered" if node.order_by else "Unordered"
        features.add("Distinct")
    if top is not None:
        features.add("Top")
    if offset is not None:
        features.add("OffsetAndLimit")
    if node.order_by:
        features.add("MultipleOrderBy" if len(node.order_by) > 1 else "OrderBy")
    # Every range must return its first offset + limit results; the SDK skips and cuts. With
    # DISTINCT and ORDER BY a range's rows are distinct on their sort keys, not on what the
    # SDK deduplicates, so no count can be cut early: the SDK applies TOP/OFFSET/LIMIT.
    each_range = node
    if select.distinct and node.order_by:
        each_range = replace(node, select=replace(select, top=None), offset=None, limit=None)
    elif offset is not None and limit is not None:
        each_range = replace(node, offset=ast.Literal(0), limit=ast.Literal(offset + limit))
    aggregated = any(contains_aggregate(item.expr) for item in select.items)
    if node.group_by:
        features.add("GroupBy")
        _group_by(each_range, info)
    elif aggregated:
        # One row per range: an ORDER BY has nothing to order, so neither the plan nor the
        # rewrite keeps it (the SDK would otherwise merge on orderByItems).
        features.add("Aggregate")
        features.discard("OrderBy")
        features.discard("MultipleOrderBy")
        info["orderBy"], info["orderByExpressions"] = [], []
        _aggregates(replace(each_range, order_by=()), info)
    elif node.order_by:
        info["rewrittenQuery"] = _order_by_query(each_range)
    elif each_range is not node:
        info["rewrittenQuery"] = (
            select_text(select) + " " + " ".join(clauses_after_select(each_range))
        )
    pins = [pinned_key_values(node, parameters, path) for path in key_paths]
    one_key = bool(pins) and all(p is not None and len(_distinct(p)) == 1 for p in pins)
    pinned = pins[0] if len(key_paths) == 1 else None
    return PartitionedPlan(info, frozenset(features), per_range, pinned, one_key)


def _distinct(values: Sequence[Any]) -> set[str]:
    return {json.dumps(value, sort_keys=True) for value in values}


def _count(expr: ast.Expr | None, bound: Mapping[str, Any]) -> int | None:
    if expr is None:
        return None
    value = (
        bound.get(expr.name) if isinstance(expr, ast.Parameter) else getattr(expr, "value", None)
    )
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise query_error(
            "TOP, OFFSET and LIMIT take a non-negative integer (a literal or a parameter).",
            code=INVALID_QUERY,
        )
    return value


def _order_by_query(node: ast.Query) -> str:
    alias = node.source.alias if node.source else "root"
    items = ", ".join(f'{{"item": {expr_text(item.expr)}}}' for item in node.order_by)
    columns = [] if node.select.distinct else [f"{alias}._rid"]
    columns += [f"[{items}] AS orderByItems", f"{_payload(node)} AS payload"]
    head = ["SELECT"]
    if node.select.distinct:
        head.append("DISTINCT")
    if node.select.top is not None:
        head.append(f"TOP {expr_text(node.select.top)}")
    where = f"({ORDER_BY_FILTER})"
    if node.where is not None:
        where = f"{expr_text(node.where)} AND {where}"
    return " ".join([*head, ", ".join(columns), *clauses_after_select(node, where=where)])


def _payload(node: ast.Query) -> str:
    """The original projection as one expression (what the SDK hands back as the result)."""
    select = node.select
    if select.star:
        return node.source.alias if node.source else "root"
    if select.value:
        return expr_text(select.items[0].expr)
    fields = [f"{_json_key(name)}: {expr_text(item.expr)}" for name, item in _named(select)]
    return "{" + ", ".join(fields) + "}"


def _named(select: ast.Select) -> list[tuple[str, ast.SelectItem]]:
    """Select items with the names the service gives them (alias, property name, `$n`)."""
    named, unnamed = [], 0
    for item in select.items:
        name = item.alias
        if name is None and isinstance(item.expr, ast.Property | ast.Identifier):
            name = item.expr.name
        if name is None:
            unnamed += 1
            name = f"${unnamed}"
        named.append((name, item))
    return named


def _aggregates(node: ast.Query, info: dict[str, Any]) -> None:
    select = node.select
    calls = [_bare_aggregate(item.expr) for item in select.items]
    if not select.value:
        # `SELECT COUNT(1) FROM c`: the SDK refuses these across partitions ("only supports
        # 'VALUE <AggregateFunc>'"); the plan lists what it found so the SDK can say so.
        found = [call for item in select.items for call in _aggregate_calls(item.expr)]
        info["aggregates"] = [_AGGREGATE_NAMES[call.name] for call in found]
        info["rewrittenQuery"] = " ".join([select_text(select), *clauses_after_select(node)])
        return
    call = calls[0]
    if call is None:
        raise _unsupported("a VALUE aggregate combined with other expressions")
    info["aggregates"] = [_AGGREGATE_NAMES[call.name]]
    head = "SELECT" + (f" TOP {expr_text(select.top)}" if select.top is not None else "")
    item = f'[{{"item": {_partial(call)}}}]'
    info["rewrittenQuery"] = " ".join([head, "VALUE", item, *clauses_after_select(node)])


def _group_by(node: ast.Query, info: dict[str, Any]) -> None:
    select = node.select
    groups = ", ".join(f'{{"item": {expr_text(e)}}}' for e in node.group_by)
    if select.value:
        payload = _group_value(select.items[0].expr)
    else:
        named = _named(select)
        info["groupByAliases"] = [name for name, _ in named]
        info["groupByAliasToAggregateType"] = {
            name: _AGGREGATE_NAMES[call.name] if (call := _bare_aggregate(item.expr)) else None
            for name, item in named
        }
        fields = [f"{_json_key(name)}: {_group_value(item.expr)}" for name, item in named]
        payload = "{" + ", ".join(fields) + "}"
    head = "SELECT" + (f" TOP {expr_text(select.top)}" if select.top is not None else "")
    columns = f"[{groups}] AS groupByItems, {payload} AS payload"
    info["rewrittenQuery"] = " ".join([head, columns, *clauses_after_select(node)])


def _group_value(expr: ast.Expr) -> str:
    call = _bare_aggregate(expr)
    if call is not None:
        return f'{{"item": {_partial(call)}}}'
    if contains_aggregate(expr):
        raise _unsupported("an aggregate inside a larger expression with GROUP BY")
    return expr_text(expr)


def _bare_aggregate(expr: ast.Expr) -> ast.Call | None:
    if isinstance(expr, ast.Call) and not expr.udf and expr.name in AGGREGATES:
        return expr
    return None


def _aggregate_calls(node: Any) -> list[ast.Call]:
    """Aggregate calls in an expression, outside subqueries (`COUNT(1) + SUM(c.x)`: two)."""
    if _bare_aggregate(node) is not None:
        return [node]
    if isinstance(node, ast.Exists | ast.ArraySubquery | ast.ScalarSubquery):
        return []
    children: list[Any] = []
    if is_dataclass(node):
        for child in (getattr(node, f.name) for f in fields(node)):
            children.extend(child if isinstance(child, tuple) else [child])
    return [
        call
        for child in children
        if isinstance(child, ast.Expr | tuple)
        for call in _aggregate_calls(child[1] if isinstance(child, tuple) else child)
    ]


def _partial(call: ast.Call) -> str:
    """What one range returns for an aggregate: AVG as a sum and a count, the rest as is."""
    if call.name == "AVG":
        argument = expr_text(call.args[0])
        return f'{{"sum": SUM({argument}), "count": COUNT({argument})}}'
    return expr_text(call)


def _json_key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unsupported(what: str) -> CosmosError:
    return query_error(
        f"This emulator cannot run a query with {what} across partitions; scope it to one "
        "partition key or rewrite it.",
        code=INVALID_QUERY,
    )


def pinned_key_values(
    node: ast.Query, parameters: Sequence[Mapping[str, Any]] | None, key_path: str
) -> list[Any] | None:
    """The partition key values a top-level filter pins (`c.pk = v`, `c.pk IN (v, ...)`, or an
    OR of those), or None when it pins none: the service narrows `queryRanges` (and routes)
    by them."""
    source = node.source
    if node.where is None or source is None or node.joins:
        return None
    if source.iterate or not isinstance(source.expr, ast.ContainerRef):
        return None
    bound = {p.get("name"): p.get("value") for p in parameters or [] if isinstance(p, Mapping)}
    target = _key_expr(source.alias, key_path)
    return _pins(node.where, target, bound)


def _pins(expr: ast.Expr, target: ast.Expr, bound: Mapping[str, Any]) -> list[Any] | None:
    """The key values a condition pins: `=`, `IN`, an AND with a side that pins, an OR whose
    every side pins."""
    if isinstance(expr, ast.Binary) and expr.op == "AND":
        for side in (expr.left, expr.right):
            if (values := _pins(side, target, bound)) is not None:
                return values
        return None
    if isinstance(expr, ast.Binary) and expr.op == "=":
        for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if side == target and (value := _constant(other, bound)) is not _NO_VALUE:
                return [value]
    if isinstance(expr, ast.InList) and not expr.negated and expr.value == target:
        values = [_constant(item, bound) for item in expr.items]
        if all(v is not _NO_VALUE for v in values):
            return values
    if isinstance(expr, ast.Binary) and expr.op == "OR":
        left, right = _pins(expr.left, target, bound), _pins(expr.right, target, bound)
        if left is not None and right is not None:
            return left + right
    return None


_NO_VALUE = object()


def _key_expr(alias: str, key_path: str) -> ast.Expr:
    expr: ast.Expr = ast.Identifier(alias, 0, 0)
    for segment in key_path.strip("/").split("/"):
        expr = ast.Property(expr, segment)
    return expr


def _constant(expr: ast.Expr, bound: Mapping[str, Any]) -> Any:
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str | int | float | bool | None):
        return expr.value
    if isinstance(expr, ast.Parameter) and expr.name in bound:
        value = bound[expr.name]
        return value if isinstance(value, str | int | float | bool | None) else _NO_VALUE
    return _NO_VALUE
