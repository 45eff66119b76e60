"""SQL text of syntax-tree nodes: the gateway hands the SDK rewritten queries as text, and
the SDK sends that text back, one request per partition key range.

Every compound expression is parenthesized, so the text parses back to the same
tree without a precedence table.
"""

from __future__ import annotations

import json
import re
from typing import Any

import bench.emulator.query.ast as ast
from bench.emulator.query.lexer import KEYWORDS
from bench.emulator.query.parser import UNNAMED_SUBQUERY
from bench.emulator.query.values import UNDEFINED

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def query_text(node: ast.Query) -> str:
    """`SELECT ... FROM ... WHERE ... GROUP BY ... ORDER BY ... OFFSET ... LIMIT ...`."""
    return " ".join([select_text(node.select), *clauses_after_select(node)])


def select_text(select: ast.Select) -> str:
    head = ["SELECT"]
    if select.distinct:
        head.append("DISTINCT")
    if select.top is not None:
        head.append(f"TOP {expr_text(select.top)}")
    if select.star:
        return " ".join([*head, "*"])
    if select.value:
        return " ".join([*head, "VALUE", expr_text(select.items[0].expr)])
    items = [
        expr_text(item.expr) + (f" AS {item.alias}" if item.alias else "") for item in select.items
    ]
    return " ".join([*head, ", ".join(items)])


def clauses_after_select(node: ast.Query, *, where: str | None = None) -> list[str]:
    """FROM through OFFSET/LIMIT; `where`, when given, replaces the query's own filter."""
    parts = []
    if node.source is not None:
        parts.append("FROM " + _source_text(node.source))
        parts += ["JOIN " + _source_text(join) for join in node.joins]
    if where is not None:
        parts.append(f"WHERE {where}")
    elif node.where is not None:
        parts.append(f"WHERE {expr_text(node.where)}")
    if node.group_by:
        parts.append("GROUP BY " + ", ".join(expr_text(e) for e in node.group_by))
    if node.order_by:
        parts.append("ORDER BY " + ", ".join(order_item_text(i) for i in node.order_by))
    if node.offset is not None and node.limit is not None:
        parts.append(f"OFFSET {expr_text(node.offset)} LIMIT {expr_text(node.limit)}")
    return parts


def order_item_text(item: ast.OrderItem) -> str:
    return expr_text(item.expr) + (" DESC" if item.descending else " ASC")


def _source_text(source: ast.Source) -> str:
    expr = source.expr
    if isinstance(expr, ast.ContainerSubquery | ast.ArraySubquery):
        inner = f"({query_text(expr.query)})"
        if source.alias == UNNAMED_SUBQUERY:
            return inner
        return f"{inner} {source.alias}"
    if source.iterate:
        return f"{source.alias} IN {expr_text(expr)}"
    text = expr_text(expr)
    return text if text == source.alias else f"{text} {source.alias}"


def expr_text(node: ast.Expr) -> str:
    """The expression as SQL text that parses back to `node`."""
    match node:
        case ast.Literal(value=value):
            return literal_text(value)
        case ast.Parameter(name=name) | ast.Identifier(name=name) | ast.ContainerRef(name=name):
            return name
        case ast.Property(target=target, name=name):
            if _NAME.match(name) and name.upper() not in KEYWORDS:
                return f"{expr_text(target)}.{name}"
            return f"{expr_text(target)}[{json.dumps(name)}]"
        case ast.Index(target=target, index=index):
            return f"{expr_text(target)}[{expr_text(index)}]"
        case ast.ArrayExpr(items=items):
            return "[" + ", ".join(expr_text(item) for item in items) + "]"
        case ast.ObjectExpr(items=items):
            pairs = (f"{json.dumps(key)}: {expr_text(value)}" for key, value in items)
            return "{" + ", ".join(pairs) + "}"
        case ast.Unary(op=op, operand=operand):
            return f"({op} {expr_text(operand)})"
        case ast.Binary(op=op, left=left, right=right):
            return f"({expr_text(left)} {op} {expr_text(right)})"
        case ast.Between(value=value, low=low, high=high, negated=negated):
            word = "NOT BETWEEN" if negated else "BETWEEN"
            return f"({expr_text(value)} {word} {expr_text(low)} AND {expr_text(high)})"
        case ast.InList(value=value, items=items, negated=negated):
            word = "NOT IN" if negated else "IN"
            return f"({expr_text(value)} {word} ({', '.join(expr_text(i) for i in items)}))"
        case ast.Like(value=value, pattern=pattern, escape=escape, negated=negated):
            word = "NOT LIKE" if negated else "LIKE"
            tail = f" ESCAPE {expr_text(escape)}" if escape is not None else ""
            return f"({expr_text(value)} {word} {expr_text(pattern)}{tail})"
        case ast.Ternary(condition=condition, then=then, otherwise=otherwise):
            return f"({expr_text(condition)} ? {expr_text(then)} : {expr_text(otherwise)})"
        case ast.Call(name=name, args=args, udf=udf):
            return ("udf." if udf else "") + f"{name}({', '.join(expr_text(a) for a in args)})"
        case ast.Exists(query=query):
            return f"EXISTS({query_text(query)})"
        case ast.ArraySubquery(query=query):
            return f"ARRAY({query_text(query)})"
        case ast.ScalarSubquery(query=query):
            return f"({query_text(query)})"
    raise TypeError(f"No SQL text for {type(node).__name__}.")


def literal_text(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    return json.dumps(value, ensure_ascii=False)
