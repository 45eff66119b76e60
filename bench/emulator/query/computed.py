"""Computed properties: a container's named `SELECT VALUE <expr> FROM c` definitions, which
queries see as properties of every document. They are never stored, never returned by
`SELECT *` or point reads, and (not being in the index) always evaluated by scanning.

`validate` checks a container's `computedProperties` with the service's rules;
`substitute` rewrites a parsed query so `c.<name>` (or `c["<name>"]`) on the
query's root alias becomes the definition's expression over that alias.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import bench.emulator.query.ast as ast
from bench.emulator.errors import CosmosError
from bench.emulator.query.parser import parse

MAX_COMPUTED_PROPERTIES = 20
# System properties and the document id cannot be shadowed.
RESERVED_NAMES = frozenset({"id", "_rid", "_ts", "_etag", "_self", "_attachments", "_lsn"})
_INVALID = "One of the specified inputs is invalid. computedProperties: "

Definitions = tuple[tuple[str, ast.Expr, str], ...]  # (name, expression, its FROM alias)


def _invalid(detail: str) -> CosmosError:
    return CosmosError(400, _INVALID + detail)


def validate(value: Any) -> Definitions:
    """The parsed definitions of a container's `computedProperties` (400 when invalid)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _invalid("expected a list of {name, query} objects.")
    if len(value) > MAX_COMPUTED_PROPERTIES:
        raise _invalid(f"at most {MAX_COMPUTED_PROPERTIES} are allowed, got {len(value)}.")
    definitions = []
    names: set[str] = set()
    for position, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {"name", "query"}:
            raise _invalid(f"item {position} must have exactly 'name' and 'query'.")
        name, query = item["name"], item["query"]
        if not isinstance(name, str) or not name or name in RESERVED_NAMES:
            raise _invalid(f"item {position}: the name {name!r} is empty or reserved.")
        if name in names:
            raise _invalid(f"the name {name!r} is used twice.")
        names.add(name)
        definitions.append((name, *_expression(position, query)))
    referenced = {n for _, expr, alias in definitions for n in _root_properties(expr, alias)}
    if referenced & names:
        raise _invalid(
            f"a query cannot use another computed property ({sorted(referenced & names)})."
        )
    return tuple(definitions)


def _expression(position: int, query: Any) -> tuple[ast.Expr, str]:
    """The `<expr>` and alias of `SELECT VALUE <expr> FROM <alias>`, the only allowed shape."""
    if not isinstance(query, str):
        raise _invalid(f"item {position}: 'query' must be a string.")
    try:
        node = parse(query)
    except CosmosError as error:
        raise _invalid(f"item {position}: {error.message}") from None
    select = node.select
    simple = (
        select.value
        and not select.distinct
        and select.top is None
        and len(select.items) == 1
        and node.source is not None
        and isinstance(node.source.expr, ast.ContainerRef)
        and not node.source.iterate
        and not (node.joins or node.where or node.group_by or node.order_by)
        and node.offset is None
        and node.limit is None
    )
    if not simple:
        raise _invalid(
            f"item {position}: the query must be 'SELECT VALUE <expression> FROM <alias>' "
            "(no WHERE, JOIN, ORDER BY, GROUP BY, TOP, DISTINCT or OFFSET LIMIT)."
        )
    assert node.source is not None
    return select.items[0].expr, node.source.alias


def _root_properties(node: Any, alias: str) -> set[str]:
    """Names of `alias.<name>` read anywhere in `node`."""
    found: set[str] = set()
    if isinstance(node, ast.Property) and _is_alias(node.target, alias):
        found.add(node.name)
    if dataclasses.is_dataclass(node):
        for item in dataclasses.fields(node):
            found |= _root_properties(getattr(node, item.name), alias)
    elif isinstance(node, tuple):
        for child in node:
            found |= _root_properties(child, alias)
    return found


def _is_alias(node: Any, alias: str) -> bool:
    return isinstance(node, ast.Identifier) and node.name == alias


def substitute(query: ast.Query, definitions: Definitions) -> ast.Query:
    """`query` with every computed property read on its root alias replaced by its expression."""
    if not definitions or query.source is None:
        return query
    root = query.source.alias
    by_name = {name: _renamed(expr, alias, root) for name, expr, alias in definitions}
    return _rewrite(query, root, by_name)


def _renamed(node: Any, old: str, new: str) -> Any:
    if _is_alias(node, old):
        return dataclasses.replace(node, name=new)
    return _map_children(node, lambda child: _renamed(child, old, new))


def _rewrite(node: Any, root: str, by_name: Mapping[str, ast.Expr]) -> Any:
    if isinstance(node, ast.Property) and _is_alias(node.target, root) and node.name in by_name:
        return by_name[node.name]
    return _map_children(node, lambda child: _rewrite(child, root, by_name))


def _map_children(node: Any, change: Callable[[Any], Any]) -> Any:
    """`node` with `change` applied to each child (a new node only where something changed)."""
    if isinstance(node, tuple):
        return tuple(change(child) for child in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    updates = {}
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        changed = change(value)
        if changed is not value:
            updates[item.name] = changed
    return dataclasses.replace(node, **updates) if updates else node
