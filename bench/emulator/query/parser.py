"""Recursive-descent parser: tokens -> `ast.Query`.

Operator precedence, loosest first: `? :`, `??`, OR, AND, NOT, comparisons
(`= != <> < <= > >=`, IN, BETWEEN, LIKE), `|`, `^`, `&`, shifts, `+ - ||`,
`* / %`, unary `- + ~`, then member access `.x` / `[..]`.
"""

from __future__ import annotations

import bench.emulator.query.ast as ast
from bench.emulator.errors import CosmosError
from bench.emulator.query.errors import syntax_error
from bench.emulator.query.lexer import Kind, Token, tokenize
from bench.emulator.query.values import UNDEFINED

UNNAMED_SUBQUERY = "\x00subquery"  # the alias of an unnamed FROM subquery: never referable
_COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
_BINARY_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"|"}),
    frozenset({"^"}),
    frozenset({"&"}),
    frozenset({"<<", ">>", ">>>"}),
    frozenset({"+", "-", "||"}),
    frozenset({"*", "/", "%"}),
)


def parse(query: str) -> ast.Query:
    """Parse a whole query; raises CosmosError(400) pointing at the offending token."""
    parser = _Parser(tokenize(query))
    result = parser.query(outer=True)
    parser.expect_eof()
    return result


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    # -- token helpers -------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Kind.EOF:
            self.pos += 1
        return token

    def at(self, text: str) -> bool:
        token = self.token
        return token.kind in (Kind.KEYWORD, Kind.SYMBOL) and token.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.advance()
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error()
        return self.advance()

    def expect_eof(self) -> None:
        if self.token.kind is not Kind.EOF:
            raise self.error()

    def error(self, token: Token | None = None) -> CosmosError:
        token = token or self.token
        if token.kind is Kind.EOF:
            return syntax_error(None, token.start, token.end)
        return syntax_error(
            token.value if token.kind is Kind.KEYWORD else token.text, token.start, token.end
        )

    def identifier(self) -> Token:
        if self.token.kind is not Kind.IDENT:
            raise self.error()
        return self.advance()

    # -- query ---------------------------------------------------------
    def query(self, *, outer: bool) -> ast.Query:
        select = self.select_clause()
        source = None
        joins: list[ast.Source] = []
        if self.accept("FROM"):
            source = self.source(first=True, outer=outer)
            while self.accept("JOIN"):
                joins.append(self.source(first=False, outer=outer))
        where = self.expression() if self.accept("WHERE") else None
        group_by: list[ast.Expr] = []
        if self.accept("GROUP"):
            self.expect("BY")
            group_by.append(self.expression())
            while self.accept(","):
                group_by.append(self.expression())
        order_by: list[ast.OrderItem] = []
        if self.accept("ORDER"):
            self.expect("BY")
            order_by.append(self.order_item())
            while self.accept(","):
                order_by.append(self.order_item())
        offset = limit = None
        if self.accept("OFFSET"):
            offset = self.count_value()
            self.expect("LIMIT")
            limit = self.count_value()
        return ast.Query(
            select, source, tuple(joins), where, tuple(group_by), tuple(order_by), offset, limit
        )

    def select_clause(self) -> ast.Select:
        self.expect("SELECT")
        distinct = self.accept("DISTINCT")
        top = self.count_value() if self.accept("TOP") else None
        if self.accept("*"):
            return ast.Select((), star=True, distinct=distinct, top=top)
        if self.accept("VALUE"):
            expr = self.expression()
            return ast.Select((ast.SelectItem(expr, None),), value=True, distinct=distinct, top=top)
        items = [self.select_item()]
        while self.accept(","):
            items.append(self.select_item())
        return ast.Select(tuple(items), distinct=distinct, top=top)

    def select_item(self) -> ast.SelectItem:
        expr = self.expression()
        alias = None
        if self.accept("AS"):
            alias = self.identifier().text
        elif self.token.kind is Kind.IDENT:
            alias = self.advance().text
        return ast.SelectItem(expr, alias)

    def count_value(self) -> ast.Expr:
        token = self.token
        if token.kind is Kind.NUMBER:
            self.advance()
            return ast.Literal(token.value)
        if token.kind is Kind.PARAM:
            self.advance()
            return ast.Parameter(token.text, token.start, token.end)
        raise self.error()

    def source(self, *, first: bool, outer: bool) -> ast.Source:
        token = self.token
        if token.kind is Kind.IDENT and self.tokens[self.pos + 1].text == "IN":
            alias = self.advance().text
            self.expect("IN")
            return ast.Source(alias, self.source_path(outer and first), iterate=True)
        if self.at("(") and outer and first:
            # `FROM (SELECT ... FROM c) x`: the subquery reads the container, once.
            self.advance()
            subquery = self.query(outer=True)
            self.expect(")")
            alias = self.alias() or UNNAMED_SUBQUERY
            return ast.Source(alias, ast.ContainerSubquery(subquery), iterate=True)
        if self.at("("):
            self.advance()
            subquery = self.query(outer=False)
            self.expect(")")
            alias = self.alias()
            if alias is None:
                raise self.error()
            return ast.Source(alias, ast.ArraySubquery(subquery), iterate=True)
        if not first:
            raise self.error()
        expr = self.source_path(outer)
        alias = self.alias()
        if alias is None:
            alias = _default_alias(expr)
            if alias is None:
                raise self.error()
        return ast.Source(alias, expr, iterate=False)

    def alias(self) -> str | None:
        if self.accept("AS"):
            return self.identifier().text
        if self.token.kind is Kind.IDENT:
            return self.advance().text
        return None

    def source_path(self, container: bool) -> ast.Expr:
        """`name`, `name.a.b`, `name["a"][0]`; in the outermost FROM `name` is the container."""
        token = self.identifier()
        expr: ast.Expr
        if container:
            expr = ast.ContainerRef(token.text)
        else:
            expr = ast.Identifier(token.text, token.start, token.end)
        return self.postfix(expr)

    def order_item(self) -> ast.OrderItem:
        expr = self.expression()
        if self.accept("DESC"):
            return ast.OrderItem(expr, descending=True)
        self.accept("ASC")
        return ast.OrderItem(expr)

    # -- expressions ----------------------------------------------------
    def expression(self) -> ast.Expr:
        condition = self.coalesce()
        if self.accept("?"):
            then = self.expression()
            self.expect(":")
            otherwise = self.expression()
            return ast.Ternary(condition, then, otherwise)
        return condition

    def coalesce(self) -> ast.Expr:
        left = self.logical_or()
        while self.accept("??"):
            left = ast.Binary("??", left, self.logical_or())
        return left

    def logical_or(self) -> ast.Expr:
        left = self.logical_and()
        while self.accept("OR"):
            left = ast.Binary("OR", left, self.logical_and())
        return left

    def logical_and(self) -> ast.Expr:
        left = self.logical_not()
        while self.accept("AND"):
            left = ast.Binary("AND", left, self.logical_not())
        return left

    def logical_not(self) -> ast.Expr:
        if self.accept("NOT"):
            return ast.Unary("NOT", self.logical_not())
        return self.comparison()

    def comparison(self) -> ast.Expr:
        left = self.binary(0)
        while True:
            token = self.token
            if token.kind is Kind.SYMBOL and token.text in _COMPARISONS:
                self.advance()
                op = "!=" if token.text == "<>" else token.text
                left = ast.Binary(op, left, self.binary(0))
                continue
            negated = False
            if self.at("NOT") and self.tokens[self.pos + 1].text in ("IN", "BETWEEN", "LIKE"):
                self.advance()
                negated = True
            if self.accept("IN"):
                self.expect("(")
                items = [self.expression()]
                while self.accept(","):
                    items.append(self.expression())
                self.expect(")")
                left = ast.InList(left, tuple(items), negated)
            elif self.accept("BETWEEN"):
                low = self.binary(0)
                self.expect("AND")
                left = ast.Between(left, low, self.binary(0), negated)
            elif self.accept("LIKE"):
                pattern = self.binary(0)
                escape = self.binary(0) if self.accept("ESCAPE") else None
                left = ast.Like(left, pattern, escape, negated)
            else:
                return left

    def binary(self, level: int) -> ast.Expr:
        if level == len(_BINARY_LEVELS):
            return self.unary()
        ops = _BINARY_LEVELS[level]
        left = self.binary(level + 1)
        while self.token.kind is Kind.SYMBOL and self.token.text in ops:
            op = self.advance().text
            left = ast.Binary(op, left, self.binary(level + 1))
        return left

    def unary(self) -> ast.Expr:
        token = self.token
        if token.kind is Kind.SYMBOL and token.text in ("-", "+", "~"):
            self.advance()
            operand = self.unary()
            if token.text == "-" and isinstance(operand, ast.Literal) and _is_number(operand.value):
                return ast.Literal(-operand.value)
            return ast.Unary(token.text, operand)
        return self.postfix(self.primary())

    def postfix(self, expr: ast.Expr) -> ast.Expr:
        while True:
            if self.accept("."):
                token = self.token
                if token.kind not in (Kind.IDENT, Kind.KEYWORD):
                    raise self.error()
                self.advance()
                expr = ast.Property(expr, str(token.value))
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                if isinstance(index, ast.Literal) and isinstance(index.value, str):
                    expr = ast.Property(expr, index.value)
                else:
                    expr = ast.Index(expr, index)
            else:
                return expr

    def primary(self) -> ast.Expr:
        token = self.token
        kind = token.kind
        if kind is Kind.NUMBER or kind is Kind.STRING:
            self.advance()
            return ast.Literal(token.value)
        if kind is Kind.PARAM:
            self.advance()
            return ast.Parameter(token.text, token.start, token.end)
        if kind is Kind.IDENT:
            self.advance()
            if self.at("("):
                return self.call(token.text.upper(), token, udf=False)
            return ast.Identifier(token.text, token.start, token.end)
        if kind is Kind.KEYWORD:
            return self.keyword_primary(token)
        if self.accept("("):
            if self.at("SELECT"):
                subquery = self.query(outer=False)
                self.expect(")")
                return ast.ScalarSubquery(subquery)
            expr = self.expression()
            self.expect(")")
            return expr
        if self.accept("["):
            items: list[ast.Expr] = []
            if not self.at("]"):
                items.append(self.expression())
                while self.accept(","):
                    items.append(self.expression())
            self.expect("]")
            return ast.ArrayExpr(tuple(items))
        if self.accept("{"):
            return self.object_constructor()
        raise self.error()

    def keyword_primary(self, token: Token) -> ast.Expr:
        constants = {"TRUE": True, "FALSE": False, "NULL": None}
        if token.text in constants:
            self.advance()
            return ast.Literal(constants[token.text])
        if token.text == "UNDEFINED":
            self.advance()
            return ast.Literal(UNDEFINED)
        if token.text in ("EXISTS", "ARRAY") and self.tokens[self.pos + 1].text == "(":
            self.advance()
            self.expect("(")
            subquery = self.query(outer=False)
            self.expect(")")
            return ast.Exists(subquery) if token.text == "EXISTS" else ast.ArraySubquery(subquery)
        if token.text == "UDF":
            self.advance()
            self.expect(".")
            name = self.identifier()
            return self.call(name.text, name, udf=True)
        raise self.error()

    def call(self, name: str, token: Token, *, udf: bool) -> ast.Call:
        self.expect("(")
        args: list[ast.Expr] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.accept(","):
                args.append(self.expression())
        end = self.expect(")").end
        return ast.Call(name, tuple(args), token.start, end, udf)

    def object_constructor(self) -> ast.ObjectExpr:
        items: list[tuple[str, ast.Expr]] = []
        if not self.at("}"):
            while True:
                key = self.token
                if key.kind not in (Kind.IDENT, Kind.STRING, Kind.KEYWORD):
                    raise self.error()
                self.advance()
                self.expect(":")
                items.append((str(key.value), self.expression()))
                if not self.accept(","):
                    break
        self.expect("}")
        return ast.ObjectExpr(tuple(items))


def _default_alias(expr: ast.Expr) -> str | None:
    if isinstance(expr, ast.ContainerRef):
        return expr.name
    if isinstance(expr, ast.Identifier):
        return expr.name
    if isinstance(expr, ast.Property):
        return expr.name
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
