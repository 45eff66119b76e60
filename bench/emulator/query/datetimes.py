"""Date and time built-ins over the service's ISO 8601 UTC strings (`2024-05-01T12:00:00.1234567Z`).

Values are handled as ticks (100 ns since the Unix epoch) so the seven
fractional digits the service writes survive a round trip. A malformed date
or an unknown part name gives undefined, like every other wrong argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.emulator.query.values import UNDEFINED, is_number

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICKS_PER_SECOND = 10_000_000
_PATTERN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?", re.ASCII
)
_PARTS = {
    "year": "year", "yyyy": "year", "yy": "year",
    "month": "month", "mm": "month", "m": "month",
    "day": "day", "dd": "day", "d": "day",
    "hour": "hour", "hh": "hour",
    "minute": "minute", "mi": "minute", "n": "minute",
    "second": "second", "ss": "second", "s": "second",
    "millisecond": "millisecond", "ms": "millisecond",
    "microsecond": "microsecond", "mcs": "microsecond",
    "nanosecond": "nanosecond", "ns": "nanosecond",
}  # fmt: skip
_FIXED_TICKS = {
    "day": 864_000_000_000,
    "hour": 36_000_000_000,
    "minute": 600_000_000,
    "second": _TICKS_PER_SECOND,
    "millisecond": 10_000,
    "microsecond": 10,
    "nanosecond": 0.01,
}


def to_ticks(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    match = _PATTERN.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), tzinfo=UTC)  # fmt: skip
    except ValueError:
        return None
    whole = (moment - _EPOCH) // timedelta(microseconds=1) * 10
    return whole + int((fraction or "0").ljust(7, "0"))


def from_ticks(ticks: int) -> Any:
    try:
        moment = _EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return UNDEFINED
    if not 1 <= moment.year <= 9999:
        return UNDEFINED
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ticks % _TICKS_PER_SECOND:07d}Z"


def _part(name: Any) -> str | None:
    return _PARTS.get(name.lower()) if isinstance(name, str) else None


def _add(part_name: Any, amount: Any, text: Any) -> Any:
    part, ticks = _part(part_name), to_ticks(text)
    if part is None or ticks is None or not is_number(amount) or abs(amount) > 1e12:
        return UNDEFINED
    if part in ("year", "month"):
        moment = _EPOCH + timedelta(microseconds=ticks // 10)
        months = moment.month - 1 + int(amount) * (12 if part == "year" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            return UNDEFINED
        day = min(moment.day, _days_in_month(year, month))
        shifted = moment.replace(year=year, month=month, day=day)
        return from_ticks((shifted - _EPOCH) // timedelta(microseconds=1) * 10 + ticks % 10)
    return from_ticks(int(ticks + int(amount) * _FIXED_TICKS[part]))


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _diff(part_name: Any, start: Any, end: Any) -> Any:
    part, first, last = _part(part_name), to_ticks(start), to_ticks(end)
    if part is None or first is None or last is None:
        return UNDEFINED
    if part in ("year", "month"):
        a, b = (_EPOCH + timedelta(microseconds=t // 10) for t in (first, last))
        years = b.year - a.year
        return years if part == "year" else years * 12 + b.month - a.month
    # Boundaries crossed, as the service counts them (not elapsed whole units).
    unit = _FIXED_TICKS[part]
    if part == "nanosecond":
        return (last - first) * 100
    return int(last // unit - first // unit)


def _datetime_part(part_name: Any, text: Any) -> Any:
    part, ticks = _part(part_name), to_ticks(text)
    if part is None or ticks is None:
        return UNDEFINED
    moment = _EPOCH + timedelta(microseconds=ticks // 10)
    fraction = ticks % _TICKS_PER_SECOND
    return {
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "millisecond": fraction // 10_000,
        "microsecond": fraction // 10,
        "nanosecond": fraction * 100,
    }[part]


def _to_timestamp(text: Any) -> Any:
    ticks = to_ticks(text)
    return UNDEFINED if ticks is None else ticks // 10_000


def _from_timestamp(millis: Any) -> Any:
    return (
        from_ticks(int(millis) * 10_000) if is_number(millis) and abs(millis) < 1e15 else UNDEFINED
    )


def _to_ticks(text: Any) -> Any:
    ticks = to_ticks(text)
    return UNDEFINED if ticks is None else ticks


def _from_ticks(ticks: Any) -> Any:
    return from_ticks(int(ticks)) if is_number(ticks) and abs(ticks) < 1e19 else UNDEFINED


# name -> (arity, implementation); registered in `functions.FUNCTIONS`.
DATETIME_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "DATETIMEADD": (3, _add),
    "DATETIMEDIFF": (3, _diff),
    "DATETIMEPART": (2, _datetime_part),
    "DATETIMETOTIMESTAMP": (1, _to_timestamp),
    "TIMESTAMPTODATETIME": (1, _from_timestamp),
    "DATETIMETOTICKS": (1, _to_ticks),
    "TICKSTODATETIME": (1, _from_ticks),
}
