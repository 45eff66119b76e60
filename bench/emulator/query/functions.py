"""Built-in scalar functions, registered in one table: name -> (arity range, implementation).

Every implementation takes already-evaluated arguments and follows the
service's rule for bad input: an argument of the wrong type yields
`undefined` (so the row is filtered out), never an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import regex

from bench.emulator.query.datetimes import DATETIME_FUNCTIONS
from bench.emulator.query.spatial import SPATIAL_FUNCTIONS
from bench.emulator.query.values import (
    RANK_ARRAY,
    RANK_BOOL,
    RANK_NULL,
    RANK_NUMBER,
    RANK_OBJECT,
    RANK_STRING,
    UNDEFINED,
    as_number,
    deep_equal,
    finite_or_undefined,
    is_number,
    to_json_text,
    type_rank,
)
from bench.emulator.slicing import STEP_SECONDS, after_step, step_timeout, too_slow


@dataclass(frozen=True)
class Function:
    min_args: int
    max_args: int
    impl: Callable[..., Any]
    per_query: bool = False  # evaluated once per execution (the clock functions)


FUNCTIONS: dict[str, Function] = {}


def _register(name: str, min_args: int, max_args: int | None = None, *, per_query: bool = False):
    def decorate(impl: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name] = Function(
            min_args, min_args if max_args is None else max_args, impl, per_query
        )
        return impl

    return decorate


def _strings(*values: Any) -> bool:
    return all(isinstance(v, str) for v in values)


def _int(value: Any) -> int:
    """A numeric argument as an index, clamped so huge values cannot overflow slicing."""
    return int(max(-(2**31), min(2**31, value)))


def _flag(value: Any) -> bool | None:
    """An optional boolean argument (ignoreCase, partial match): None if it is not a boolean."""
    return value if value is True or value is False else None


# -- type checks -----------------------------------------------------------
def _type_check(name: str, ranks: frozenset[int]) -> None:
    FUNCTIONS[name] = Function(1, 1, lambda v: type_rank(v) in ranks)


_type_check("IS_NULL", frozenset({RANK_NULL}))
_type_check("IS_BOOL", frozenset({RANK_BOOL}))
_type_check("IS_NUMBER", frozenset({RANK_NUMBER}))
_type_check("IS_STRING", frozenset({RANK_STRING}))
_type_check("IS_ARRAY", frozenset({RANK_ARRAY}))
_type_check("IS_OBJECT", frozenset({RANK_OBJECT}))
_type_check("IS_PRIMITIVE", frozenset({RANK_NULL, RANK_BOOL, RANK_NUMBER, RANK_STRING}))


@_register("IS_DEFINED", 1)
def _is_defined(value: Any) -> bool:
    return value is not UNDEFINED


@_register("IS_FINITE_NUMBER", 1)
def _is_finite_number(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


@_register("IS_INTEGER", 1)
def _is_integer(value: Any) -> bool:
    return is_number(value) and float(value).is_integer() and abs(value) < 2**63


# -- strings ---------------------------------------------------------------
def _case_pair(a: str, b: str, ignore_case: Any) -> tuple[str, str]:
    return (a.lower(), b.lower()) if ignore_case is True else (a, b)


def _string_predicate(name: str, test: Callable[[str, str], bool]) -> None:
    def impl(text: Any, other: Any, ignore_case: Any = False) -> Any:
        if not _strings(text, other) or _flag(ignore_case) is None:
            return UNDEFINED
        return test(*_case_pair(text, other, ignore_case))

    FUNCTIONS[name] = Function(2, 3, impl)


_string_predicate("CONTAINS", lambda a, b: b in a)
_string_predicate("STARTSWITH", str.startswith)
_string_predicate("ENDSWITH", str.endswith)
_string_predicate("STRINGEQUALS", str.__eq__)


def _string_transform(name: str, transform: Callable[[str], Any]) -> None:
    FUNCTIONS[name] = Function(1, 1, lambda v: transform(v) if isinstance(v, str) else UNDEFINED)


_string_transform("LOWER", str.lower)
_string_transform("UPPER", str.upper)
_string_transform("LENGTH", len)
_string_transform("TRIM", lambda s: s.strip(" "))
_string_transform("LTRIM", lambda s: s.lstrip(" "))
_string_transform("RTRIM", lambda s: s.rstrip(" "))
_string_transform("REVERSE", lambda s: s[::-1])


@_register("CONCAT", 2, 64)
def _concat(*parts: Any) -> Any:
    return "".join(parts) if _strings(*parts) else UNDEFINED


@_register("SUBSTRING", 3)
def _substring(text: Any, start: Any, length: Any) -> Any:
    if not isinstance(text, str) or not is_number(start) or not is_number(length):
        return UNDEFINED
    begin = max(0, _int(start))
    return text[begin : begin + max(0, _int(length))]


@_register("LEFT", 2)
def _left(text: Any, count: Any) -> Any:
    if not isinstance(text, str) or not is_number(count):
        return UNDEFINED
    return text[: max(0, _int(count))]


@_register("RIGHT", 2)
def _right(text: Any, count: Any) -> Any:
    if not isinstance(text, str) or not is_number(count):
        return UNDEFINED
    count = max(0, _int(count))
    return text[len(text) - count :] if count else ""


@_register("INDEX_OF", 2, 3)
def _index_of(text: Any, search: Any, start: Any = 0) -> Any:
    if not _strings(text, search) or not is_number(start):
        return UNDEFINED
    return text.find(search, max(0, _int(start)))


@_register("REPLACE", 3)
def _replace(text: Any, old: Any, new: Any) -> Any:
    return text.replace(old, new) if _strings(text, old, new) else UNDEFINED


@_register("REPLICATE", 2)
def _replicate(text: Any, count: Any) -> Any:
    if not isinstance(text, str) or not is_number(count) or count < 0 or len(text) * count > 10000:
        return UNDEFINED
    return text * _int(count)


@_register("TOSTRING", 1)
def _to_string(value: Any) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    if isinstance(value, str):
        return value
    return to_json_text(as_number(value) if is_number(value) else value)


@_register("REGEXMATCH", 2, 3)
def _regex_match(text: Any, pattern: Any, modifiers: Any = "") -> Any:
    if not _strings(text, pattern, modifiers):
        return UNDEFINED
    flags = 0
    for letter in modifiers:
        flag = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}
        if letter not in flag:
            return UNDEFINED
        flags |= flag[letter]
    # `regex` (not `re`): it avoids most catastrophic backtracking and takes a timeout, so
    # one pathological pattern cannot hold the emulator for minutes.
    try:
        found = regex.search(pattern, text, flags, timeout=step_timeout())
    except regex.error:
        return UNDEFINED
    except TimeoutError:
        raise too_slow(f"REGEXMATCH took over {STEP_SECONDS * 1000:.0f} ms on one value") from None
    after_step()
    return found is not None


# -- arrays ----------------------------------------------------------------
@_register("ARRAY_CONTAINS", 2, 3)
def _array_contains(array: Any, value: Any, partial: Any = False) -> Any:
    if not isinstance(array, list) or _flag(partial) is None or value is UNDEFINED:
        return UNDEFINED
    if partial and isinstance(value, dict):
        return any(
            isinstance(item, dict)
            and all(k in item and deep_equal(item[k], v) for k, v in value.items())
            for item in array
        )
    return any(deep_equal(item, value) for item in array)


@_register("ARRAY_LENGTH", 1)
def _array_length(array: Any) -> Any:
    return len(array) if isinstance(array, list) else UNDEFINED


@_register("ARRAY_SLICE", 2, 3)
def _array_slice(array: Any, start: Any, length: Any = None) -> Any:
    if not isinstance(array, list) or not is_number(start):
        return UNDEFINED
    begin = _int(start)
    if begin < 0:
        begin = max(0, len(array) + begin)
    if length is None:
        return array[begin:]
    if not is_number(length):
        return UNDEFINED
    return array[begin : begin + max(0, _int(length))]


@_register("ARRAY_CONCAT", 2, 64)
def _array_concat(*arrays: Any) -> Any:
    if not all(isinstance(a, list) for a in arrays):
        return UNDEFINED
    return [item for array in arrays for item in array]


# -- math ------------------------------------------------------------------
def _math(name: str, arity: int, impl: Callable[..., float]) -> None:
    def checked(*args: Any) -> Any:
        if not all(is_number(a) for a in args):
            return UNDEFINED
        try:
            return finite_or_undefined(impl(*args))
        except (ValueError, OverflowError, ZeroDivisionError):
            return UNDEFINED

    FUNCTIONS[name] = Function(arity, arity, checked)


def _round_half_away(value: float) -> float:
    return math.copysign(math.floor(abs(value) + 0.5), value)


_math("ABS", 1, abs)
_math("CEILING", 1, lambda v: float(math.ceil(v)))
_math("FLOOR", 1, lambda v: float(math.floor(v)))
_math("ROUND", 1, _round_half_away)
_math("TRUNC", 1, lambda v: float(math.trunc(v)))
_math("SIGN", 1, lambda v: float((v > 0) - (v < 0)))
_math("SQRT", 1, math.sqrt)
_math("SQUARE", 1, lambda v: float(v) * v)
_math("POWER", 2, math.pow)
_math("EXP", 1, math.exp)
_math("LOG10", 1, math.log10)
_math("SIN", 1, math.sin)
_math("COS", 1, math.cos)
_math("TAN", 1, math.tan)
_math("COT", 1, lambda v: 1 / math.tan(v))
_math("ASIN", 1, math.asin)
_math("ACOS", 1, math.acos)
_math("ATAN", 1, math.atan)
_math("ATN2", 2, lambda a, b: math.atan2(b, a))
_math("DEGREES", 1, math.degrees)
_math("RADIANS", 1, math.radians)
_math("PI", 0, lambda: math.pi)


@_register("LOG", 1, 2)
def _log(value: Any, base: Any = math.e) -> Any:
    if not is_number(value) or not is_number(base):
        return UNDEFINED
    try:
        return finite_or_undefined(math.log(value, base))
    except (ValueError, ZeroDivisionError):
        return UNDEFINED


# -- date and time ---------------------------------------------------------
@_register("GETCURRENTDATETIME", 0, per_query=True)
def _current_datetime() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}0Z"


@_register("GETCURRENTTIMESTAMP", 0, per_query=True)
def _current_timestamp() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


@_register("GETCURRENTTICKS", 0, per_query=True)
def _current_ticks() -> int:
    return int(datetime.now(UTC).timestamp() * 10_000_000)


for _name, (_arity, _impl) in (DATETIME_FUNCTIONS | SPATIAL_FUNCTIONS).items():
    FUNCTIONS[_name] = Function(_arity, _arity, _impl)
