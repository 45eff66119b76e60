"""Which parameters of a query pin its partition key: the query engine's answer for clients
that must decide, before sending a query, whether it targets one logical partition.

The rule is the strict one a client can rely on under any key design: every partition key
path is bound by equality to a parameter in a top-level `AND` term of the filter
(`c.categoryId = @cat`, `@cat = c["categoryId"]`); a term under `OR` or `NOT`, a literal
value or `IN` binds nothing::

    partition_key_parameters("SELECT * FROM c WHERE c.t = @t AND c.u = @u", ["/u", "/t"])
    # ("@u", "@t")
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import bench.emulator.query.ast as ast
from bench.emulator.query.parser import parse
from bench.emulator.query.query_paths import document_path


def partition_key_parameters(sql: str, key_paths: Sequence[str]) -> tuple[str, ...] | None:
    """The parameter bound to each of `key_paths`, in their order; None when a path is not
    bound (the query fans out). Raises CosmosError(400) when `sql` does not parse."""
    query = parse(sql)
    source = query.source
    if source is None or not isinstance(source.expr, ast.ContainerRef) or query.where is None:
        return None
    bound: dict[str, str] = {}
    for term in _conjuncts(query.where):
        if not isinstance(term, ast.Binary) or term.op != "=":
            continue
        for side, other in ((term.left, term.right), (term.right, term.left)):
            path = document_path(side, {source.alias: ""})
            if path is not None and isinstance(other, ast.Parameter):
                bound.setdefault(path, other.name)
    if not all(path in bound for path in key_paths):
        return None
    return tuple(bound[path] for path in key_paths)


def _conjuncts(expression: ast.Expr) -> Iterator[ast.Expr]:
    """The terms of a top-level AND chain (a term under OR or NOT binds nothing)."""
    if isinstance(expression, ast.Binary) and expression.op == "AND":
        yield from _conjuncts(expression.left)
        yield from _conjuncts(expression.right)
    else:
        yield expression
