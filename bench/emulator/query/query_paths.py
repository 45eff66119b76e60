"""Which document paths a query reads, and how: the query engine's answer for clients that
advise an indexing policy (an index serves filters, sorts and aggregates, not a plain
projection), before or without running the query::

    uses = query_paths("SELECT c.name FROM c WHERE c.price > @p ORDER BY c.price DESC, c.name")
    uses.paths["/price"]  # {"filter", "sort"}
    uses.order_by  # (("/price", "descending"), ("/name", "ascending"))

A path under an array a JOIN iterates is written with `[]` (`/tags/[]/id`). A property
read with a computed name (`c[@field]`) could be any: its prefix is marked `ANY_PROPERTY`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import bench.emulator.query.ast as ast
from bench.emulator.query.aggregates import AGGREGATES
from bench.emulator.query.parser import parse

ANY_PROPERTY = "*"  # the last part of a path read with a computed property name
# How a query uses a path: an index serves the first three; a projection reads documents
FILTER, SORT, AGGREGATE, PROJECT = "filter", "sort", "aggregate", "project"


@dataclass(frozen=True)
class QueryPaths:
    paths: dict[str, frozenset[str]]  # "/price" -> {"filter", "sort"}
    order_by: tuple[tuple[str, str], ...]  # the outer ORDER BY: (path, "ascending" | ...)

    def indexed(self) -> set[str]:
        """The paths an index could serve (everything but plain projections)."""
        return {path for path, uses in self.paths.items() if uses - {PROJECT}}


def query_paths(sql: str) -> QueryPaths:
    """The document paths `sql` reads, with their uses. Raises CosmosError(400) when it
    does not parse."""
    query = parse(sql)
    found: dict[str, set[str]] = defaultdict(set)
    aliases = _read_query(query, {}, found, None)
    order_by = tuple(
        (path, "descending" if item.descending else "ascending")
        for item in query.order_by
        if (path := document_path(item.expr, aliases)) is not None
    )
    return QueryPaths({p: frozenset(u) for p, u in found.items()}, order_by)


def _read_query(
    query: ast.Query, outer: dict[str, str], found: dict[str, set[str]], use: str | None
) -> dict[str, str]:
    """Collect the paths of one query; returns its aliases (alias -> path prefix). `use`
    None: the outer query; a subquery (EXISTS and the like) is a filter throughout."""
    aliases = dict(outer)
    clause = use or FILTER
    for source in (query.source, *query.joins):
        if source is None:
            continue
        if isinstance(source.expr, ast.ContainerRef):
            aliases[source.alias] = ""
            continue
        _read(source.expr, aliases, found, clause)
        prefix = document_path(source.expr, aliases)
        if prefix is not None:
            aliases[source.alias] = prefix + ("/[]" if source.iterate else "")
    for expression in (query.where, query.offset, query.limit, query.select.top):
        _read(expression, aliases, found, clause)
    for expression in query.group_by:
        _read(expression, aliases, found, use or AGGREGATE)
    for item in query.order_by:
        _read(item.expr, aliases, found, use or SORT)
    for item in query.select.items:  # computed per document (UPPER(c.x)) is a projection
        _read(item.expr, aliases, found, use or (AGGREGATE if _aggregates(item.expr) else PROJECT))
    return aliases


def _aggregates(node: object) -> bool:
    """An aggregate call (MAX(c.x)) anywhere in `node`, outside subqueries: the index serves it."""
    if isinstance(node, ast.Call) and not node.udf and node.name in AGGREGATES:
        return True
    if isinstance(node, ast.Query) or not dataclasses.is_dataclass(node):
        return False
    return any(_aggregates(child) for child in _children(node))


def _children(node: object) -> Iterator[ast.Expr | ast.Query]:
    """The expressions and subqueries directly under a syntax node (also inside tuples:
    an object literal holds (name, expression) pairs)."""
    for field in dataclasses.fields(node):  # type: ignore[arg-type]
        yield from _within(getattr(node, field.name))


def _within(value: object) -> Iterator[ast.Expr | ast.Query]:
    if isinstance(value, ast.Expr | ast.Query):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _within(item)


def _read(node: object, aliases: dict[str, str], found: dict[str, set[str]], use: str) -> None:
    """Every path under `node`; a plain path is one use, the operands of anything else too."""
    if node is None:
        return
    if isinstance(node, ast.Query):
        _read_query(node, aliases, found, FILTER)
        return
    path = document_path(node, aliases)
    if path is not None:
        found[path].add(use)
        return
    if isinstance(node, ast.Index):  # c[@name]: any property under c
        prefix = document_path(node.target, aliases)
        if prefix is not None or _is_document(node.target, aliases):
            found[f"{prefix or ''}/{ANY_PROPERTY}"].add(use)
    if dataclasses.is_dataclass(node):
        for child in _children(node):
            _read(child, aliases, found, use)


def document_path(expression: ast.Expr, aliases: dict[str, str]) -> str | None:
    """`c.address.city`, `c["address"]["city"]` -> "/address/city"; a JOIN alias is
    replaced by the path it iterates; None for anything that is not a path."""
    parts: list[str] = []
    node = expression
    while True:
        if isinstance(node, ast.Property):
            parts.append(node.name)
            node = node.target
        elif (
            isinstance(node, ast.Index)
            and isinstance(node.index, ast.Literal)
            and isinstance(node.index.value, str)
        ):
            parts.append(node.index.value)
            node = node.target
        else:
            break
    if not isinstance(node, ast.Identifier) or node.name not in aliases:
        return None
    prefix = aliases[node.name]
    if not parts:
        return prefix or None  # the document itself is no path; a JOIN alias is
    return prefix + "/" + "/".join(reversed(parts))


def _is_document(expression: ast.Expr, aliases: dict[str, str]) -> bool:
    return isinstance(expression, ast.Identifier) and aliases.get(expression.name) == ""
