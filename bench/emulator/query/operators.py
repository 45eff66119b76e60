"""Operators with the service's semantics: three-valued logic, typed comparisons, JS-like bit ops.

Anything applied to operands of the wrong type is `undefined`: `1 + "a"`,
`"a" < 1`, `NOT 5`. AND/OR follow the documented truth tables, where
`false AND undefined` is false and `true OR undefined` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.emulator.query.values import (
    UNDEFINED,
    compare,
    equals,
    finite_or_undefined,
    is_number,
)


def logical_and(left: Any, right: Any) -> Any:
    if left is False or right is False:
        return False
    if left is True and right is True:
        return True
    return UNDEFINED


def logical_or(left: Any, right: Any) -> Any:
    if left is True or right is True:
        return True
    if left is False and right is False:
        return False
    return UNDEFINED


def logical_not(value: Any) -> Any:
    if value is True or value is False:
        return not value
    return UNDEFINED


def not_equals(left: Any, right: Any) -> Any:
    result = equals(left, right)
    return UNDEFINED if result is UNDEFINED else not result


def _ordering(test: Callable[[int], bool]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        order = compare(left, right)
        return UNDEFINED if order is None else test(order)

    return apply


def _arithmetic(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        if not (is_number(left) and is_number(right)):
            return UNDEFINED
        try:
            return finite_or_undefined(op(left, right))
        except (ZeroDivisionError, OverflowError):
            return UNDEFINED

    return apply


def _to_int32(value: Any) -> int:
    number = int(value) & 0xFFFFFFFF
    return number - (1 << 32) if number & 0x80000000 else number


def _bitwise(op: Callable[[int, int], int]) -> Callable[[Any, Any], Any]:
    """Bit operators work on 32-bit integers, as in JavaScript (which the language follows)."""

    def apply(left: Any, right: Any) -> Any:
        if not (is_number(left) and is_number(right)):
            return UNDEFINED
        return op(_to_int32(left), _to_int32(right))

    return apply


def _divide(left: Any, right: Any) -> Any:
    return left / right


def _modulo(left: Any, right: Any) -> Any:
    # Sign of the dividend, like C and JavaScript (Python's % follows the divisor).
    result = abs(left) % abs(right)
    return -result if left < 0 else result


def concat(left: Any, right: Any) -> Any:
    return left + right if isinstance(left, str) and isinstance(right, str) else UNDEFINED


def coalesce(left: Any, right: Any) -> Any:
    return right if left is UNDEFINED else left


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "=": equals,
    "!=": not_equals,
    "<": _ordering(lambda o: o < 0),
    "<=": _ordering(lambda o: o <= 0),
    ">": _ordering(lambda o: o > 0),
    ">=": _ordering(lambda o: o >= 0),
    "AND": logical_and,
    "OR": logical_or,
    "+": _arithmetic(lambda a, b: a + b),
    "-": _arithmetic(lambda a, b: a - b),
    "*": _arithmetic(lambda a, b: a * b),
    "/": _arithmetic(_divide),
    "%": _arithmetic(_modulo),
    "||": concat,
    "??": coalesce,
    "&": _bitwise(lambda a, b: a & b),
    "|": _bitwise(lambda a, b: a | b),
    "^": _bitwise(lambda a, b: a ^ b),
    "<<": _bitwise(lambda a, b: _to_int32(a << (b & 31))),
    ">>": _bitwise(lambda a, b: a >> (b & 31)),
    ">>>": _bitwise(lambda a, b: (a & 0xFFFFFFFF) >> (b & 31)),
}


def negate(value: Any) -> Any:
    return finite_or_undefined(-value) if is_number(value) else UNDEFINED


def plus(value: Any) -> Any:
    return value if is_number(value) else UNDEFINED


def bit_not(value: Any) -> Any:
    return ~_to_int32(value) if is_number(value) else UNDEFINED


UNARY: dict[str, Callable[[Any], Any]] = {"-": negate, "+": plus, "~": bit_not, "NOT": logical_not}


def in_list(value: Any, candidates: list[Any]) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    return any(equals(value, c) is True for c in candidates)


def between(value: Any, low: Any, high: Any) -> Any:
    return logical_and(BINARY[">="](value, low), BINARY["<="](value, high))
