"""The service's value model: JSON values plus `undefined`, type order, equality and comparison.

Cosmos DB compares values of different types as `undefined` (so a filter
like `c.n = "1"` drops the row instead of coercing), orders mixed types by
type first (undefined < null < false < true < numbers < strings < arrays <
objects) and treats 1 and 1.0 as the same number. Python's `True == 1`
would break all of that, hence these helpers.
"""

from __future__ import annotations

import json
import math
from typing import Any


class _Undefined:
    """The service's `undefined`: a missing property, a failed comparison, ..."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()

RANK_UNDEFINED, RANK_NULL, RANK_BOOL, RANK_NUMBER, RANK_STRING, RANK_ARRAY, RANK_OBJECT = range(7)


def type_rank(value: Any) -> int:
    """Position of the value's type in the service's cross-type order."""
    if value is UNDEFINED:
        return RANK_UNDEFINED
    if value is None:
        return RANK_NULL
    if value is True or value is False:
        return RANK_BOOL
    if isinstance(value, int | float):
        return RANK_NUMBER
    if isinstance(value, str):
        return RANK_STRING
    if isinstance(value, list):
        return RANK_ARRAY
    return RANK_OBJECT


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and value is not True and value is not False


def equals(left: Any, right: Any) -> Any:
    """`left = right`: True/False for same-typed values, undefined otherwise."""
    kind = type(left)
    if kind is type(right) and (kind is str or kind is int or kind is float):
        return left == right  # the common case, decided without ranking types
    if left is UNDEFINED or right is UNDEFINED:
        return UNDEFINED
    rank = type_rank(left)
    if rank != type_rank(right):
        return UNDEFINED
    if rank >= RANK_ARRAY:
        return deep_equal(left, right)
    return left == right


def deep_equal(left: Any, right: Any) -> bool:
    """Structural equality where values of different types are never equal."""
    rank = type_rank(left)
    if rank != type_rank(right):
        return False
    if rank == RANK_ARRAY:
        return len(left) == len(right) and all(map(deep_equal, left, right))
    if rank == RANK_OBJECT:
        return left.keys() == right.keys() and all(deep_equal(v, right[k]) for k, v in left.items())
    return left == right


def compare(left: Any, right: Any) -> int | None:
    """-1/0/1 for two values the service can order (same primitive type), else None."""
    kind = type(left)
    if kind is type(right) and (kind is str or kind is int or kind is float):
        return 0 if left == right else -1 if left < right else 1
    rank = type_rank(left)
    if rank != type_rank(right) or rank in (RANK_UNDEFINED, RANK_ARRAY, RANK_OBJECT):
        return None
    if left == right:
        return 0
    return -1 if left < right else 1


def sort_key(value: Any) -> tuple:
    """Total order used by ORDER BY, MIN/MAX and the range indexes: type first, then value.

    Arrays and objects (which the service orders after strings) compare by their
    canonical JSON text, which is stable but has no further meaning.
    """
    rank = type_rank(value)
    if rank in (RANK_NUMBER, RANK_STRING):
        return (rank, value)
    if rank == RANK_BOOL:
        return (rank, int(value))
    if rank >= RANK_ARRAY:
        return (rank, canonical_json(value))
    return (rank, 0)


def canonical_json(value: Any) -> str:
    """A text form equal for values the service considers equal (used by DISTINCT, GROUP BY)."""
    return json.dumps(_normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalize(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    return value


def hashable_key(value: Any) -> Any:
    """A dict key identifying the value under the service's equality (for DISTINCT, GROUP BY)."""
    rank = type_rank(value)
    if rank >= RANK_ARRAY:
        return (rank, canonical_json(value))
    if rank == RANK_BOOL:
        return (rank, bool(value))
    return (rank, value)


def as_number(value: float) -> int | float:
    """Numbers as the service writes them: integral doubles print without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def finite_or_undefined(value: float) -> Any:
    """NaN and infinities are not JSON; the service answers undefined for them."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return UNDEFINED
    return as_number(value)


def to_json_text(value: Any) -> str:
    """Compact JSON, used for byte counts and TOSTRING."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
