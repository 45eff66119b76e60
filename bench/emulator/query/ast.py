"""The query's syntax tree: small frozen dataclasses the parser builds and the compiler reads.

Positions (`start`, `end`) are character offsets in the query text, kept on
the nodes that semantic errors point at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Expr:
    """Base class of scalar expressions."""


@dataclass(frozen=True)
class Literal(Expr):
    value: Any


@dataclass(frozen=True)
class Parameter(Expr):
    name: str
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True)
class Identifier(Expr):
    """A reference to an input alias (`c` in `c.id`)."""

    name: str
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True)
class ContainerRef(Expr):
    """The container itself, as named in the outermost FROM (`FROM c`, `FROM root`)."""

    name: str


@dataclass(frozen=True)
class Property(Expr):
    """`target.name` or `target["name"]`."""

    target: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    """`target[expr]` with a computed or numeric index."""

    target: Expr
    index: Expr


@dataclass(frozen=True)
class ArrayExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ObjectExpr(Expr):
    items: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # "-", "+", "~", "NOT"
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # "=", "!=", "<", "AND", "+", "||", "??", ...
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Between(Expr):
    value: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True)
class InList(Expr):
    value: Expr
    items: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like(Expr):
    value: Expr
    pattern: Expr
    escape: Expr | None = None
    negated: bool = False


@dataclass(frozen=True)
class Ternary(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True)
class Call(Expr):
    """A built-in or aggregate function call (`udf` for user-defined ones, unsupported here)."""

    name: str  # upper-cased
    args: tuple[Expr, ...]
    start: int = field(compare=False)
    end: int = field(compare=False)
    udf: bool = False


@dataclass(frozen=True)
class Exists(Expr):
    query: Query


@dataclass(frozen=True)
class ArraySubquery(Expr):
    query: Query


@dataclass(frozen=True)
class ScalarSubquery(Expr):
    query: Query


@dataclass(frozen=True)
class ContainerSubquery(Expr):
    """`FROM (SELECT ... FROM c) x` in the outermost query: evaluated once over the container."""

    query: Query


@dataclass(frozen=True)
class SelectItem:
    expr: Expr
    alias: str | None


@dataclass(frozen=True)
class Select:
    items: tuple[SelectItem, ...]  # empty for SELECT *
    star: bool = False
    value: bool = False
    distinct: bool = False
    top: Expr | None = None


@dataclass(frozen=True)
class Source:
    """One input of FROM or JOIN: `alias IN expr` iterates an array, `expr alias` binds a value."""

    alias: str
    expr: Expr
    iterate: bool


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class Query:
    select: Select
    source: Source | None = None
    joins: tuple[Source, ...] = ()
    where: Expr | None = None
    group_by: tuple[Expr, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    offset: Expr | None = None
    limit: Expr | None = None
