"""Compiles the syntax tree into Python closures and runs a query over rows of bindings.

A row is a dict from input alias to value (plus the execution context under
`CTX` and the current container document under `ROOT`). Compiling once to
closures, instead of walking the tree per document, keeps a 100,000
document scan within a few hundred milliseconds. Name resolution happens
at compile time, so an unknown alias is a 400 even on an empty container.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import bench.emulator.query.ast as ast
from bench.emulator.query.aggregates import AGGREGATES
from bench.emulator.query.errors import (
    INVALID_QUERY,
    UNKNOWN_FUNCTION,
    UNRESOLVED_IDENTIFIER,
    WRONG_ARGUMENT_COUNT,
    query_error,
)
from bench.emulator.query.functions import FUNCTIONS
from bench.emulator.query.like import LikePattern
from bench.emulator.query.operators import BINARY, UNARY, between, in_list
from bench.emulator.query.values import UNDEFINED, hashable_key, is_number, sort_key
from bench.emulator.slicing import checkpoint, paced

CTX = "\x00ctx"
ROOT = "\x00root"
GROUP = "\x00group"
SUBQUERY_RESULTS = "\x00subquery-results"  # a FROM subquery's results, computed beforehand

Row = dict[str, Any]
Compiled = Callable[[Row], Any]


class Context:
    """Per-execution state: the request's parameters, the query's fixed clock and the
    container's user-defined functions by name (each called with its argument list)."""

    def __init__(
        self,
        parameters: dict[str, Any],
        udfs: Mapping[str, Callable[[list[Any]], Any]] | None = None,
    ) -> None:
        self.parameters = parameters
        self.clock: dict[str, Any] = {}
        self.udfs = udfs or {}

    def now(self, name: str) -> Any:
        if name not in self.clock:
            self.clock[name] = FUNCTIONS[name].impl()
        return self.clock[name]


@dataclasses.dataclass
class CompiledQuery:
    """A query ready to run over any row source (documents, or an outer row for subqueries)."""

    node: ast.Query
    source_alias: str | None
    source: Compiled | None
    source_iterates: bool
    source_is_container: bool  # `FROM c`: each row is just one document
    joins: list[tuple[str, Compiled]]
    where: Compiled | None
    group_by: list[Compiled]
    aggregate: bool
    projection: Callable[[Row], Any]
    order_by: list[tuple[Compiled, bool]]
    distinct: bool
    top: Compiled | None
    offset: Compiled | None
    limit: Compiled | None
    aggregate_args: list[Compiled]  # each aggregate's argument, evaluated once per row

    def rows(self, base: Row) -> Iterator[Row]:
        """The rows one base row yields through FROM and JOIN (before WHERE)."""
        if self.source is None:
            yield from self._joined(dict(base), 0)
            return
        value = self.source(base)
        alias = self.source_alias
        assert alias is not None
        if self.source_iterates:
            if isinstance(value, list):
                for item in value:
                    row = dict(base)
                    row[alias] = item
                    yield from self._joined(row, 0)
        elif value is not UNDEFINED:
            row = dict(base)
            row[alias] = value
            yield from self._joined(row, 0)

    def document_rows(self, documents: Iterable[dict], context: Context) -> Iterator[Row]:
        """The rows of the outermost query, one container document at a time."""
        if self.source_is_container and not self.joins:
            alias = self.source_alias
            return ({CTX: context, ROOT: d, alias: d} for d in paced(documents))  # type: ignore[misc]
        return (row for d in paced(documents) for row in self.rows({CTX: context, ROOT: d}))

    def _joined(self, row: Row, position: int) -> Iterator[Row]:
        if position == len(self.joins):
            checkpoint()
            yield row
            return
        alias, source = self.joins[position]
        value = source(row)
        if isinstance(value, list):
            for item in value:
                joined = dict(row)
                joined[alias] = item
                yield from self._joined(joined, position + 1)

    def filtered(self, rows: Iterable[Row]) -> Iterator[Row]:
        where = self.where
        if where is None:
            return iter(rows)
        return (row for row in rows if where(row) is True)

    def finish(
        self, rows: Iterable[Row], empty_group_base: Row, *, presorted: bool = False
    ) -> list[Any]:
        """Filtered rows -> GROUP BY/aggregates -> ORDER BY -> SELECT -> DISTINCT -> paging."""
        units: Iterable[Row] = rows
        if self.aggregate:
            units = self._groups(rows, empty_group_base)
        skip = _count(self.offset, empty_group_base, "OFFSET")
        take = _count(self.limit, empty_group_base, "LIMIT")
        top = _count(self.top, empty_group_base, "TOP")
        if top is not None:
            take = top if take is None else min(take, top)
        if self.order_by and not presorted:
            units = self._sorted(units)
        values = (v for v in map(self.projection, paced(units)) if v is not UNDEFINED)
        if self.distinct:
            values = _unique(values)
        stop = None if take is None else (skip or 0) + take
        return list(itertools.islice(values, skip or 0, stop))

    def _groups(self, rows: Iterable[Row], empty_base: Row) -> list[Row]:
        """One unit per group: its first row, and under GROUP each aggregate's argument
        values. Not the rows themselves: a million rows of a JOIN cross product held at
        once cost seconds of garbage collection that would stall every other request."""
        groups: dict[tuple, tuple[Row, list[list[Any]]]] = {}
        keys, arguments = self.group_by, self.aggregate_args
        for row in rows:
            key = tuple(hashable_key(k(row)) for k in keys)
            group = groups.get(key)
            if group is None:
                group = groups[key] = (row, [[] for _ in arguments])
            for values, argument in zip(group[1], arguments, strict=True):
                values.append(argument(row))
        if not groups and not keys:
            groups[()] = (empty_base, [[] for _ in arguments])
        units = []
        for first, values in groups.values():
            unit = dict(first)
            unit[GROUP] = values
            units.append(unit)
        return units

    def _sorted(self, units: Iterable[Row]) -> list[Row]:
        keyed = [([sort_key(expr(u)) for expr, _ in self.order_by], u) for u in units]
        # Stable sorts from the last key to the first give mixed ASC/DESC orders.
        for position in range(len(self.order_by) - 1, -1, -1):
            descending = self.order_by[position][1]
            keyed.sort(key=lambda pair, p=position: pair[0][p], reverse=descending)
        return [unit for _, unit in keyed]


def _count(expr: Compiled | None, row: Row, clause: str) -> int | None:
    if expr is None:
        return None
    value = expr(row)
    if not is_number(value) or value < 0 or not float(value).is_integer():
        raise query_error(
            f"The {clause} value must be a non-negative integer, got {value!r}.",
            code=INVALID_QUERY,
        )
    return int(value)


def _unique(values: Iterable[Any]) -> Iterator[Any]:
    seen: set[Any] = set()
    for value in values:
        key = hashable_key(value)
        if key not in seen:
            seen.add(key)
            yield value


def contains_aggregate(node: Any) -> bool:
    """Whether an aggregate call appears in `node` outside of subqueries."""
    if isinstance(node, ast.Call) and node.name in AGGREGATES and not node.udf:
        return True
    if isinstance(node, ast.Exists | ast.ArraySubquery | ast.ScalarSubquery):
        return False
    return any(contains_aggregate(child) for child in _children(node))


def _children(node: Any) -> Iterator[Any]:
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            yield from _flatten(getattr(node, field.name))


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, tuple):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, ast.Expr | ast.SelectItem | ast.OrderItem):
        yield value


class Compiler:
    """Turns AST nodes into closures, checking names, functions and arities on the way."""

    def __init__(self) -> None:
        self.parameters: set[str] = set()
        self._aggregate_args: list[list[Compiled]] = []  # per query being compiled (nesting)
        self.udf_names: set[str] = set()  # `udf.name(...)` calls, checked per execution

    # -- queries ---------------------------------------------------------
    def query(self, node: ast.Query, outer_scope: frozenset[str]) -> CompiledQuery:
        self._aggregate_args.append([])
        try:
            return self._query(node, outer_scope)
        finally:
            self._aggregate_args.pop()

    def _query(self, node: ast.Query, outer_scope: frozenset[str]) -> CompiledQuery:
        scope = outer_scope
        source_alias = None
        source = None
        iterates = False
        container = False
        if node.source is not None:
            container = isinstance(node.source.expr, ast.ContainerRef) and not node.source.iterate
            source_alias = node.source.alias
            source = self.expr(node.source.expr, scope)
            iterates = node.source.iterate
            scope = scope | {source_alias}
        joins = []
        for join in node.joins:
            joins.append((join.alias, self.expr(join.expr, scope)))
            scope = scope | {join.alias}
        where = self.expr(node.where, scope) if node.where is not None else None
        group_by = [self.expr(g, scope) for g in node.group_by]
        select = node.select
        aggregate = bool(node.group_by) or any(contains_aggregate(i.expr) for i in select.items)
        if aggregate:
            self._check_grouped(node)
        projection = self._projection(node, scope, aggregate)
        order_by = [(self.expr(o.expr, scope, aggregate), o.descending) for o in node.order_by]
        top = self.expr(select.top, scope) if select.top is not None else None
        offset = self.expr(node.offset, scope) if node.offset is not None else None
        limit = self.expr(node.limit, scope) if node.limit is not None else None
        return CompiledQuery(
            node,
            source_alias,
            source,
            iterates,
            container,
            joins,
            where,
            group_by,
            aggregate,
            projection,
            order_by,
            select.distinct,
            top,
            offset,
            limit,
            self._aggregate_args[-1],
        )

    def _projection(self, node: ast.Query, scope: frozenset[str], aggregate: bool):
        select = node.select
        if select.star:
            if node.source is None:
                raise query_error(
                    "'SELECT *' is not valid if FROM clause is omitted.", code=INVALID_QUERY
                )
            if node.joins:
                raise query_error(
                    "'SELECT *' is only valid with a single input set.", code=INVALID_QUERY
                )
            alias = node.source.alias
            return lambda row: row[alias]
        if select.value:
            return self.expr(select.items[0].expr, scope, aggregate)
        named: list[tuple[str, Compiled]] = []
        unnamed = 0
        for item in select.items:
            name = item.alias or _implicit_name(item.expr)
            if name is None:
                unnamed += 1
                name = f"${unnamed}"
            if any(name == existing for existing, _ in named):
                raise query_error(
                    f"Duplicate property name '{name}' in the select list; give it an alias.",
                    code=INVALID_QUERY,
                )
            named.append((name, self.expr(item.expr, scope, aggregate)))
        return _object_of(named)

    def _check_grouped(self, node: ast.Query) -> None:
        keys = set(node.group_by)
        for item in node.select.items:
            self._check_grouped_expr(item.expr, keys)

    def _check_grouped_expr(self, expr: Any, keys: set[ast.Expr]) -> None:
        if expr in keys or isinstance(expr, ast.Exists | ast.ArraySubquery | ast.ScalarSubquery):
            return
        if isinstance(expr, ast.Call) and expr.name in AGGREGATES:
            return
        if isinstance(expr, ast.Identifier | ast.Property | ast.Index):
            raise query_error(
                f"Property reference '{_describe(expr)}' is invalid in the select list because it "
                "is not contained in either an aggregate function or the GROUP BY clause.",
                code=INVALID_QUERY,
            )
        for child in _children(expr):
            self._check_grouped_expr(child, keys)

    # -- expressions -----------------------------------------------------
    def expr(self, node: ast.Expr, scope: frozenset[str], aggregate: bool = False) -> Compiled:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node, scope, aggregate)

    def _literal(self, node: ast.Literal, scope: frozenset[str], aggregate: bool) -> Compiled:
        value = node.value
        return lambda row: value

    def _parameter(self, node: ast.Parameter, scope: frozenset[str], aggregate: bool) -> Compiled:
        name = node.name
        self.parameters.add(name)
        return lambda row: row[CTX].parameters[name]

    def _identifier(self, node: ast.Identifier, scope: frozenset[str], aggregate: bool):
        if node.name not in scope:
            raise query_error(
                f"Identifier '{node.name}' could not be resolved.",
                code=UNRESOLVED_IDENTIFIER,
                start=node.start,
                end=node.end,
            )
        name = node.name
        return lambda row: row.get(name, UNDEFINED)

    def _containerref(self, node: ast.ContainerRef, scope: frozenset[str], aggregate: bool):
        return lambda row: row[ROOT]

    def _property(self, node: ast.Property, scope: frozenset[str], aggregate: bool) -> Compiled:
        name = node.name
        if isinstance(node.target, ast.Identifier):
            self._identifier(node.target, scope, aggregate)  # resolves the alias, or raises
            alias = node.target.name  # `c.name`, the hot case: one closure instead of two

            def alias_property(row: Row) -> Any:
                value = row.get(alias)
                return value.get(name, UNDEFINED) if type(value) is dict else UNDEFINED

            return alias_property
        target = self.expr(node.target, scope, aggregate)

        def nested_property(row: Row) -> Any:
            value = target(row)
            return value.get(name, UNDEFINED) if type(value) is dict else UNDEFINED

        return nested_property

    def _index(self, node: ast.Index, scope: frozenset[str], aggregate: bool) -> Compiled:
        target = self.expr(node.target, scope, aggregate)
        index = self.expr(node.index, scope, aggregate)

        def item(row: Row) -> Any:
            value = target(row)
            key = index(row)
            if type(value) is list and is_number(key) and float(key).is_integer():
                position = int(key)
                return value[position] if 0 <= position < len(value) else UNDEFINED
            if type(value) is dict and isinstance(key, str):
                return value.get(key, UNDEFINED)
            return UNDEFINED

        return item

    def _arrayexpr(self, node: ast.ArrayExpr, scope: frozenset[str], aggregate: bool):
        items = [self.expr(i, scope, aggregate) for i in node.items]
        return lambda row: [v for v in (i(row) for i in items) if v is not UNDEFINED]

    def _objectexpr(self, node: ast.ObjectExpr, scope: frozenset[str], aggregate: bool):
        return _object_of([(k, self.expr(v, scope, aggregate)) for k, v in node.items])

    def _unary(self, node: ast.Unary, scope: frozenset[str], aggregate: bool) -> Compiled:
        operand = self.expr(node.operand, scope, aggregate)
        op = UNARY[node.op]
        return lambda row: op(operand(row))

    def _binary(self, node: ast.Binary, scope: frozenset[str], aggregate: bool) -> Compiled:
        left = self.expr(node.left, scope, aggregate)
        right = self.expr(node.right, scope, aggregate)
        op = BINARY[node.op]
        if node.op == "AND":
            return lambda row: False if (v := left(row)) is False else op(v, right(row))
        if node.op == "OR":
            return lambda row: True if (v := left(row)) is True else op(v, right(row))
        return lambda row: op(left(row), right(row))

    def _between(self, node: ast.Between, scope: frozenset[str], aggregate: bool) -> Compiled:
        value = self.expr(node.value, scope, aggregate)
        low = self.expr(node.low, scope, aggregate)
        high = self.expr(node.high, scope, aggregate)
        test = lambda row: between(value(row), low(row), high(row))  # noqa: E731
        return _negated(test) if node.negated else test

    def _inlist(self, node: ast.InList, scope: frozenset[str], aggregate: bool) -> Compiled:
        value = self.expr(node.value, scope, aggregate)
        items = [self.expr(i, scope, aggregate) for i in node.items]
        test = lambda row: in_list(value(row), [i(row) for i in items])  # noqa: E731
        return _negated(test) if node.negated else test

    def _like(self, node: ast.Like, scope: frozenset[str], aggregate: bool) -> Compiled:
        value = self.expr(node.value, scope, aggregate)
        pattern = self.expr(node.pattern, scope, aggregate)
        escape = self.expr(node.escape, scope, aggregate) if node.escape else (lambda row: None)
        cache: dict[tuple[str, str | None], LikePattern] = {}

        def test(row: Row) -> Any:
            text, pat, esc = value(row), pattern(row), escape(row)
            if not isinstance(text, str) or not isinstance(pat, str):
                return UNDEFINED
            if esc is not None and not (isinstance(esc, str) and len(esc) == 1):
                return UNDEFINED
            matcher = cache.get((pat, esc))
            if matcher is None:
                matcher = cache[(pat, esc)] = LikePattern(pat, esc)
            return matcher.matches(text)

        return _negated(test) if node.negated else test

    def _ternary(self, node: ast.Ternary, scope: frozenset[str], aggregate: bool) -> Compiled:
        condition = self.expr(node.condition, scope, aggregate)
        then = self.expr(node.then, scope, aggregate)
        otherwise = self.expr(node.otherwise, scope, aggregate)
        return lambda row: then(row) if condition(row) is True else otherwise(row)

    def _call(self, node: ast.Call, scope: frozenset[str], aggregate: bool) -> Compiled:
        if node.udf:
            name, udf_args = node.name, [self.expr(a, scope, aggregate) for a in node.args]
            self.udf_names.add(name)
            return lambda row: row[CTX].udfs[name]([a(row) for a in udf_args])
        if node.name in AGGREGATES:
            return self._aggregate(node, scope, aggregate)
        function = FUNCTIONS.get(node.name)
        if function is None:
            raise query_error(
                f"'{node.name}' is not a recognized built-in function name.",
                code=UNKNOWN_FUNCTION,
                start=node.start,
                end=node.end,
            )
        self._check_arity(node, function.min_args, function.max_args)
        if function.per_query:
            name = node.name
            return lambda row: row[CTX].now(name)
        args = [self.expr(a, scope, aggregate) for a in node.args]
        impl = function.impl
        if len(args) == 1:
            (first,) = args
            return lambda row: impl(first(row))
        if len(args) == 2:
            first, second = args
            return lambda row: impl(first(row), second(row))
        return lambda row: impl(*[a(row) for a in args])

    def _aggregate(self, node: ast.Call, scope: frozenset[str], aggregate: bool) -> Compiled:
        if not aggregate:
            raise query_error(
                f"Aggregate function '{node.name}' is not allowed in this context.",
                code=INVALID_QUERY,
                start=node.start,
                end=node.end,
            )
        self._check_arity(node, 1, 1)
        argument = self.expr(node.args[0], scope, False)
        reduce = AGGREGATES[node.name]
        arguments = self._aggregate_args[-1]
        position = len(arguments)
        arguments.append(argument)
        return lambda row: reduce(row[GROUP][position])

    @staticmethod
    def _check_arity(node: ast.Call, low: int, high: int) -> None:
        if not low <= len(node.args) <= high:
            expected = str(low) if low == high else f"{low} to {high}"
            raise query_error(
                f"The {node.name} function requires {expected} argument(s).",
                code=WRONG_ARGUMENT_COUNT,
                start=node.start,
                end=node.end,
            )

    def _subquery(
        self, node: ast.Query, scope: frozenset[str]
    ) -> Callable[[Row, int | None], list]:
        compiled = self.query(node, scope)

        def run(row: Row, limit: int | None) -> list[Any]:
            rows = compiled.filtered(compiled.rows(row))
            if limit is not None and not (compiled.aggregate or compiled.order_by):
                rows = itertools.islice(rows, limit)
            return compiled.finish(rows, row)

        return run

    def _containersubquery(
        self, node: ast.ContainerSubquery, scope: frozenset[str], aggregate: bool
    ) -> Compiled:
        # The executor runs node.query over the partitions first (it needs the loader).
        return lambda row: row[SUBQUERY_RESULTS]

    def _exists(self, node: ast.Exists, scope: frozenset[str], aggregate: bool) -> Compiled:
        run = self._subquery(node.query, scope)
        return lambda row: bool(run(row, 1))

    def _arraysubquery(self, node: ast.ArraySubquery, scope: frozenset[str], aggregate: bool):
        run = self._subquery(node.query, scope)
        return lambda row: run(row, None)

    def _scalarsubquery(self, node: ast.ScalarSubquery, scope: frozenset[str], aggregate: bool):
        run = self._subquery(node.query, scope)
        return lambda row: next(iter(run(row, 1)), UNDEFINED)


def _negated(test: Compiled) -> Compiled:
    def negate(row: Row) -> Any:
        result = test(row)
        return UNDEFINED if result is UNDEFINED else not result

    return negate


def _implicit_name(expr: ast.Expr) -> str | None:
    if isinstance(expr, ast.Property):
        return expr.name
    if isinstance(expr, ast.Identifier):
        return expr.name
    return None


def _describe(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Identifier):
        return expr.name
    if isinstance(expr, ast.Property):
        return f"{_describe(expr.target)}.{expr.name}"
    if isinstance(expr, ast.Index):
        index = expr.index.value if isinstance(expr.index, ast.Literal) else "..."
        return f"{_describe(expr.target)}[{index}]"
    return "..."


def _object_of(properties: list[tuple[str, Compiled]]) -> Compiled:
    """An object built per row from named compiled expressions; undefined values are
    left out, as the service leaves them out of projections and object literals."""

    def build(row: Row) -> dict[str, Any]:
        result = {}
        for name, expr in properties:
            value = expr(row)
            if value is not UNDEFINED:
                result[name] = value
        return result

    return build
