"""Aggregate functions with the service's rules for mixed and missing values.

SUM/AVG: undefined values are skipped; any other non-number makes the whole
aggregate undefined. MIN/MAX: undefined skipped, type order across the rest,
undefined if an array or object is met. COUNT counts defined values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bench.emulator.query.values import (
    RANK_ARRAY,
    UNDEFINED,
    finite_or_undefined,
    is_number,
    sort_key,
    type_rank,
)


def count(values: Iterable[Any]) -> int:
    return sum(1 for v in values if v is not UNDEFINED)


def _numbers(values: Iterable[Any]) -> list[Any] | None:
    numbers = []
    for value in values:
        if value is UNDEFINED:
            continue
        if not is_number(value):
            return None
        numbers.append(value)
    return numbers


def total(values: Iterable[Any]) -> Any:
    numbers = _numbers(values)
    return UNDEFINED if numbers is None else finite_or_undefined(sum(numbers))


def average(values: Iterable[Any]) -> Any:
    numbers = _numbers(values)
    if not numbers:
        return UNDEFINED
    return finite_or_undefined(sum(numbers) / len(numbers))


def _extreme(pick: Callable[..., Any]) -> Callable[[Iterable[Any]], Any]:
    def apply(values: Iterable[Any]) -> Any:
        defined = [v for v in values if v is not UNDEFINED]
        if not defined or any(type_rank(v) >= RANK_ARRAY for v in defined):
            return UNDEFINED
        return pick(defined, key=sort_key)

    return apply


AGGREGATES: dict[str, Callable[[Iterable[Any]], Any]] = {
    "COUNT": count,
    "SUM": total,
    "AVG": average,
    "MIN": _extreme(min),
    "MAX": _extreme(max),
}
