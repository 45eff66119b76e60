"""Whether a workload query targets one logical partition, decided from its SQL and the
container's partition key, as the service decides which partitions a query must visit.

A query is single-partition only when its filter binds every partition key path by
equality (top-level `AND` terms like `c.categoryId = @cat`) to a parameter the harness
supplies; its partition key is then those parameters' values. Otherwise it fans out, so
the same workload compared under two key designs keeps its meaning under both::

    key_parameters("SELECT * FROM c WHERE c.categoryId = @cat", ("/categoryId",))  # ("@cat",)
    key_parameters("SELECT * FROM c WHERE c.categoryId = @cat", ("/id",))  # None: fans out
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from bench.emulator.errors import CosmosError
from bench.emulator.query import ast
from bench.emulator.query.parser import parse


@functools.cache
def key_parameters(sql: str, paths: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parameter bound to each partition key path, in path order; None when a path is
    not bound (or the SQL cannot be analysed): the query then fans out."""
    try:
        query = parse(sql)
    except CosmosError:
        return None  # the service will say what is wrong with it
    source = query.source
    if source is None or not isinstance(source.expr, ast.ContainerRef) or query.where is None:
        return None
    bound: dict[str, str] = {}
    for term in _conjuncts(query.where):
        if not isinstance(term, ast.Binary) or term.op != "=":
            continue
        for side, other in ((term.left, term.right), (term.right, term.left)):
            path = _document_path(side, source.alias)
            if path is not None and isinstance(other, ast.Parameter):
                bound.setdefault(path, other.name)
    if not all(path in bound for path in paths):
        return None
    return tuple(bound[path] for path in paths)


def _conjuncts(expression: ast.Expr) -> Iterator[ast.Expr]:
    """The terms of a top-level AND chain (a term under OR or NOT binds nothing)."""
    if isinstance(expression, ast.Binary) and expression.op == "AND":
        yield from _conjuncts(expression.left)
        yield from _conjuncts(expression.right)
    else:
        yield expression


def _document_path(expression: ast.Expr, alias: str) -> str | None:
    """`c.address.city` or `c["address"]["city"]` -> "/address/city"; None for anything else."""
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
    if not parts or not isinstance(node, ast.Identifier) or node.name != alias:
        return None
    return "/" + "/".join(reversed(parts))
