"""Tokenizer for the NoSQL query language: text -> tokens with their character positions."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from bench.emulator.query.errors import query_error, syntax_error


class Kind(StrEnum):
    KEYWORD = "keyword"
    IDENT = "ident"
    NUMBER = "number"
    STRING = "string"
    PARAM = "param"
    SYMBOL = "symbol"
    EOF = "eof"


KEYWORDS = frozenset(
    [
        "SELECT",
        "DISTINCT",
        "TOP",
        "VALUE",
        "FROM",
        "IN",
        "JOIN",
        "WHERE",
        "GROUP",
        "BY",
        "ORDER",
        "ASC",
        "DESC",
        "OFFSET",
        "LIMIT",
        "AS",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "LIKE",
        "ESCAPE",
        "EXISTS",
        "ARRAY",
        "TRUE",
        "FALSE",
        "NULL",
        "UNDEFINED",
        "UDF",
    ]
)

# Longest first, so that `>>>` wins over `>>` and `>`.
SYMBOLS = sorted(
    [
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ".",
        ":",
        "??",
        "?",
        "*",
        "+",
        "-",
        "/",
        "%",
        "=",
        "!=",
        "<>",
        "<=",
        ">=",
        "<",
        ">",
        "||",
        "|",
        "&",
        "^",
        "~",
        "<<",
        ">>>",
        ">>",
    ],
    key=len,
    reverse=True,
)

_WHITESPACE = re.compile(r"(?:\s+|--[^\n]*)+")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS = frozenset("0123456789")
_PARAM = re.compile(r"@[A-Za-z0-9_$]+")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "'": "'", '"': '"', "\\": "\\"}
_ESCAPES["/"] = "/"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # keywords upper-cased; strings unescaped
    value: object
    start: int
    end: int


def tokenize(query: str) -> list[Token]:
    """Split `query` into tokens; raises CosmosError(400) at the first bad character."""
    tokens: list[Token] = []
    pos = 0
    length = len(query)
    while True:
        match = _WHITESPACE.match(query, pos)
        if match:
            pos = match.end()
        if pos >= length:
            tokens.append(Token(Kind.EOF, "", None, length, length))
            return tokens
        char = query[pos]
        if char in "'\"":
            text, end = _read_string(query, pos)
            tokens.append(Token(Kind.STRING, text, text, pos, end))
            pos = end
            continue
        if char in _DIGITS or (char == "." and query[pos + 1 : pos + 2] in _DIGITS):
            match = _NUMBER.match(query, pos)
            assert match is not None
            tokens.append(
                Token(Kind.NUMBER, match.group(), _number(match.group(), pos), pos, match.end())
            )
            pos = match.end()
            continue
        if char == "@":
            match = _PARAM.match(query, pos)
            if match is None:
                raise syntax_error("@", pos, pos + 1)
            tokens.append(Token(Kind.PARAM, match.group(), match.group(), pos, match.end()))
            pos = match.end()
            continue
        match = _IDENT.match(query, pos)
        if match:
            word = match.group()
            if word.upper() in KEYWORDS:
                tokens.append(Token(Kind.KEYWORD, word.upper(), word, pos, match.end()))
            else:
                tokens.append(Token(Kind.IDENT, word, word, pos, match.end()))
            pos = match.end()
            continue
        for symbol in SYMBOLS:
            if query.startswith(symbol, pos):
                tokens.append(Token(Kind.SYMBOL, symbol, symbol, pos, pos + len(symbol)))
                pos += len(symbol)
                break
        else:
            raise syntax_error(char, pos, pos + 1)


def _number(text: str, start: int) -> int | float:
    if text[:2].lower() == "0x":
        return int(text, 16)
    if any(c in text for c in ".eE"):
        value = float(text)
        if math.isinf(value):
            raise query_error(
                f"The number '{text}' is out of range.",
                code="SC1001",
                start=start,
                end=start + len(text),
            )
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return int(text)


def _read_string(query: str, start: int) -> tuple[str, int]:
    quote = query[start]
    parts: list[str] = []
    pos = start + 1
    while pos < len(query):
        char = query[pos]
        if char == quote:
            return "".join(parts), pos + 1
        if char == "\\":
            escape = query[pos + 1 : pos + 2]
            if escape == "u":
                digits = query[pos + 2 : pos + 6]
                if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    raise query_error(
                        "Invalid unicode escape sequence.", code="SC1001", start=pos, end=pos + 6
                    )
                parts.append(chr(int(digits, 16)))
                pos += 6
                continue
            if escape not in _ESCAPES:
                raise syntax_error("\\" + escape, pos, pos + 2)
            parts.append(_ESCAPES[escape])
            pos += 2
            continue
        parts.append(char)
        pos += 1
    raise query_error(
        "Syntax error, unterminated string literal.", code="SC1001", start=start, end=len(query)
    )
