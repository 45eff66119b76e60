"""Chooses index lookups for a query's filter and checks its ORDER BY against the policy.

Only conjuncts of the top-level WHERE (and the partition-key scope) can
narrow the documents a query loads: `path = const`, `path IN (...)`,
ranges (`!=` too: the same type's other values), BETWEEN, STARTSWITH,
ARRAY_CONTAINS and IS_DEFINED on a path the policy indexes. Their candidate sets are
intersected; with none usable, the query scans. Lookups on generalized
array paths (`/tags/[]`) return a superset, so the full filter always runs
again on what was loaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bench.emulator.query.ast as ast
from bench.emulator.query.errors import query_error
from bench.emulator.query.evaluator import Compiled, Compiler, Row
from bench.emulator.query.indexing import (
    ARRAY_ITEM,
    PartitionIndex,
    Path,
    parse_path,
    rank_bounds,
    string_prefix_range,
)
from bench.emulator.query.metrics import HIGH_IMPACT, LOW_IMPACT
from bench.emulator.query.values import RANK_ARRAY, UNDEFINED, sort_key, type_rank

_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}

UNMAPPED_ORDER_BY = (
    "Unsupported ORDER BY clause. ORDER BY item expression could not be mapped to a document path."
)
EXCLUDED_ORDER_BY = "The index path corresponding to the specified order-by item is excluded."
NO_COMPOSITE_INDEX = (
    "The order by query does not have a corresponding composite index that it can be served from."
)


@dataclass(frozen=True)
class Lookup:
    """One index access: `kind` is "eq" (values), "in-array" (the items of one array value),
    "range" (op, value), "between", "prefix" or "defined" (IS_DEFINED)."""

    path: Path
    kind: str
    operands: tuple[Compiled, ...]
    op: str = "="
    text: str = ""  # the filter as the index metrics describe it

    @property
    def impact(self) -> str:
        """The service scores an existence check Low, a value filter High (index-metrics.md
        names the two scores; IS_DEFINED filters show Low in published outputs)."""
        return LOW_IMPACT if self.kind == "defined" else HIGH_IMPACT

    def run(self, index: PartitionIndex, row: Row) -> set[Any] | None:
        """Matching storage keys, or None when the constant cannot be served by the index."""
        if self.kind == "defined":
            return index.lookup_defined(self.path)
        values = [operand(row) for operand in self.operands]
        if self.kind == "in-array":  # ARRAY_CONTAINS(@list, path): the list's items, as IN
            if not isinstance(values[0], list):
                return None
            values = values[0]
        if any(v is UNDEFINED or type_rank(v) >= RANK_ARRAY for v in values):
            return None
        if self.kind in ("eq", "in-array"):
            found: set[Any] = set()
            for value in values:
                found |= index.lookup_equal(self.path, value)
            return found
        if self.kind == "prefix":
            if not isinstance(values[0], str):
                return None
            low, high = string_prefix_range(values[0])
            return index.lookup_range(self.path, low, True, high, False)
        if self.kind == "between":
            low, high = values
            if type_rank(low) != type_rank(high):
                return set()
            return index.lookup_range(self.path, sort_key(low), True, sort_key(high), True)
        (value,) = values
        start, stop = rank_bounds(type_rank(value))
        if self.op == "!=":  # values of another type compare undefined: not selected
            below = index.lookup_range(self.path, start, True, sort_key(value), False)
            return below | index.lookup_range(self.path, sort_key(value), False, stop, False)
        if self.op in (">", ">="):
            return index.lookup_range(self.path, sort_key(value), self.op == ">=", stop, False)
        return index.lookup_range(self.path, start, True, sort_key(value), self.op == "<=")


@dataclass(frozen=True)
class AnyOf:
    """A disjunction of lookups (`a = 1 OR b = 2`): the union of their results."""

    options: tuple[Lookup, ...]

    @property
    def paths(self) -> list[Path]:
        return [o.path for o in self.options]


@dataclass
class Plan:
    """What the planner found in a query, independent of any partition's data."""

    lookups: list[Lookup | AnyOf] = field(default_factory=list)
    order_paths: list[tuple[Path, bool]] | None = None  # None: ORDER BY not on document paths
    order_by: bool = False
    # `SELECT VALUE COUNT(1)` whose whole filter is lookups on scalar paths: the service
    # counts index entries instead of loading documents.
    count_from_index: bool = False


def plan_query(node: ast.Query, compiler: Compiler) -> Plan:
    """Analyze the outermost query once (the result is cached with the compiled query)."""
    alias_paths = _alias_paths(node)
    plan = Plan(order_by=bool(node.order_by))
    if node.where is not None:
        for conjunct in conjuncts(node.where):
            lookup = _lookup(conjunct, alias_paths, compiler)
            if lookup is not None:
                plan.lookups.append(lookup)
    plan.count_from_index = _counts_from_index(node, plan)
    if node.order_by and not node.group_by:
        paths = [_doc_path(item.expr, alias_paths) for item in node.order_by]
        if all(p for p in paths):
            plan.order_paths = [
                (p, item.descending) for p, item in zip(paths, node.order_by, strict=True)
            ]
    return plan


def _counts_from_index(node: ast.Query, plan: Plan) -> bool:
    select, source = node.select, node.source
    if not select.value or select.top is not None or node.offset is not None:
        return False
    if source is None or source.iterate or not isinstance(source.expr, ast.ContainerRef):
        return False
    if node.joins or node.group_by:
        return False
    call = select.items[0].expr
    if not (
        isinstance(call, ast.Call)
        and call.name == "COUNT"
        and not call.udf
        and isinstance(call.args[0], ast.Literal)
        and call.args[0].value is not UNDEFINED
    ):
        return False
    terms = conjuncts(node.where) if node.where is not None else []
    options = [o for lookup in plan.lookups for o in lookup_options(lookup)]
    return len(plan.lookups) == len(terms) and all(ARRAY_ITEM not in o.path for o in options)


def lookup_options(lookup: Lookup | AnyOf) -> tuple[Lookup, ...]:
    """The alternatives of a lookup: its OR's options, or itself."""
    return lookup.options if isinstance(lookup, AnyOf) else (lookup,)


def check_order_by(plan: Plan, node: ast.Query, index: PartitionIndex) -> None:
    """The service refuses ORDER BY it cannot serve from an index; so do we."""
    if not plan.order_by or node.group_by:
        return
    if plan.order_paths is None:
        raise query_error(UNMAPPED_ORDER_BY)
    if len(plan.order_paths) == 1:
        if not index.is_indexed(plan.order_paths[0][0]):
            raise query_error(EXCLUDED_ORDER_BY)
    elif index.find_composite(plan.order_paths) is None:
        raise query_error(NO_COMPOSITE_INDEX)


def partition_key_lookups(
    paths: Sequence[str], prefix: Sequence[Any], compiler: Compiler
) -> list[Lookup]:
    """Equality lookups for the defined values of a partition-key (prefix) scope."""
    lookups = []
    for path_text, value in zip(paths, prefix, strict=False):
        if isinstance(value, dict) or type_rank(value) >= RANK_ARRAY:
            continue  # `{}` is the SDK's "no value": matches documents lacking the path
        path = parse_path(path_text, terminal=False).segments
        lookups.append(
            Lookup(
                path,
                "eq",
                (compiler.expr(ast.Literal(value), frozenset()),),
                text="",  # the service names no filter for the partition-key scope
            )
        )
    return lookups


def index_spec(path: Path) -> str:
    """The policy-style name of a path's scalar index (`/address/city/?`)."""
    return "/" + "/".join([*path, "?"])


# -- analysis helpers --------------------------------------------------------
def _alias_paths(node: ast.Query) -> dict[str, Path]:
    """Document path each input alias stands for (`t` in `JOIN t IN c.tags` -> tags/[])."""
    paths: dict[str, Path] = {}
    if node.source is None:
        return paths
    source_path = _doc_path(node.source.expr, paths)
    if source_path is not None:
        paths[node.source.alias] = (
            (*source_path, ARRAY_ITEM) if node.source.iterate else source_path
        )
    for join in node.joins:
        join_path = _doc_path(join.expr, paths)
        if join_path is not None:
            paths[join.alias] = (*join_path, ARRAY_ITEM)
    return paths


def _doc_path(expr: ast.Expr, alias_paths: dict[str, Path]) -> Path | None:
    if isinstance(expr, ast.ContainerRef):
        return ()
    if isinstance(expr, ast.Identifier):
        return alias_paths.get(expr.name)
    if isinstance(expr, ast.Property):
        parent = _doc_path(expr.target, alias_paths)
        return None if parent is None else (*parent, expr.name)
    if isinstance(expr, ast.Index) and isinstance(expr.index, ast.Literal):
        parent = _doc_path(expr.target, alias_paths)
        if parent is None or not isinstance(expr.index.value, int | float):
            return None
        return (*parent, ARRAY_ITEM)
    return None


def conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """The terms of a top-level AND chain."""
    if isinstance(expr, ast.Binary) and expr.op == "AND":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]


def _constant(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.ArrayExpr):
        return all(_constant(item) for item in expr.items)
    return isinstance(expr, ast.Literal | ast.Parameter)


def _lookup(expr: ast.Expr, paths: dict[str, Path], compiler: Compiler) -> Lookup | AnyOf | None:
    if isinstance(expr, ast.Binary) and expr.op == "OR":
        options = [_lookup(e, paths, compiler) for e in _disjuncts(expr)]
        if all(isinstance(o, Lookup) for o in options):
            return AnyOf(tuple(options))  # type: ignore[arg-type]
        return None
    constant = lambda e: compiler.expr(e, frozenset())  # noqa: E731
    if isinstance(expr, ast.Binary) and expr.op in _FLIPPED:
        left, right, op = expr.left, expr.right, expr.op
        if _constant(left) and not _constant(right):
            left, right, op = right, left, _FLIPPED[op]
        path = _doc_path(left, paths)
        if not path or not _constant(right):
            return None
        kind = "eq" if op == "=" else "range"
        return Lookup(path, kind, (constant(right),), op, _describe(path, op, right))
    if isinstance(expr, ast.InList) and not expr.negated:
        path = _doc_path(expr.value, paths)
        if path and all(_constant(i) for i in expr.items):
            return Lookup(
                path,
                "eq",
                tuple(constant(i) for i in expr.items),
                "IN",
                _describe(path, "IN", *expr.items),
            )
    if isinstance(expr, ast.Between) and not expr.negated:
        path = _doc_path(expr.value, paths)
        if path and _constant(expr.low) and _constant(expr.high):
            return Lookup(
                path,
                "between",
                (constant(expr.low), constant(expr.high)),
                "BETWEEN",
                _describe(path, "BETWEEN", expr.low, expr.high),
            )
    if isinstance(expr, ast.Call) and expr.name == "IS_DEFINED" and not expr.udf:
        path = _doc_path(expr.args[0], paths) if len(expr.args) == 1 else None
        if path:
            return Lookup(path, "defined", (), "IS_DEFINED", f"IS_DEFINED(ROOT{_path_text(path)})")
        return None
    if isinstance(expr, ast.Call) and len(expr.args) == 2 and not expr.udf:
        target, argument = expr.args
        item_of = _doc_path(argument, paths)
        if expr.name == "ARRAY_CONTAINS" and _constant(target) and item_of:
            return Lookup(item_of, "in-array", (constant(target),), "IN",
                          _describe(item_of, "IN", target))  # fmt: skip
        path = _doc_path(target, paths)
        if not path or not _constant(argument):
            return None
        if expr.name == "STARTSWITH":
            return Lookup(
                path,
                "prefix",
                (constant(argument),),
                "STARTSWITH",
                _describe(path, "STARTSWITH", argument),
            )
        if expr.name == "ARRAY_CONTAINS":
            item_path = (*path, ARRAY_ITEM)
            return Lookup(
                item_path, "eq", (constant(argument),), "=", _describe(item_path, "=", argument)
            )
    return None


def _disjuncts(expr: ast.Expr) -> list[ast.Expr]:
    if isinstance(expr, ast.Binary) and expr.op == "OR":
        return _disjuncts(expr.left) + _disjuncts(expr.right)
    return [expr]


def _path_text(path: Path) -> str:
    return "".join("[]" if s == ARRAY_ITEM else f".{s}" for s in path)


def _constant_text(value: Any) -> str:
    return "undefined" if value is UNDEFINED else json.dumps(value, ensure_ascii=False)


def _describe(path: Path, op: str, *operands: ast.Expr) -> str:
    texts = [_operand_text(o) for o in operands]
    return f"(ROOT{_path_text(path)} {op} {', '.join(texts)})"


def _operand_text(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Parameter):
        return expr.name
    if isinstance(expr, ast.ArrayExpr):
        return "[" + ", ".join(_operand_text(item) for item in expr.items) + "]"
    return _constant_text(expr.value) if isinstance(expr, ast.Literal) else "..."
