"""How numbers read in reports and findings: the same figure always prints the same way.

Also registered as jinja2 filters (`{{ value | ms }}`).
"""

from __future__ import annotations

import math
from typing import Any

MISSING, MINUS, PLUS_MINUS = "\u2013", "\u2212", "\u00b1"
# Deltas smaller than this are floating-point noise (means of a constant charge
# over different counts), never a change worth printing.
NEGLIGIBLE = 1e-9


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def ms(value: float | None) -> str:
    """Milliseconds with three significant digits: 0.412 ms, 4.12 ms, 41.2 ms, 412 ms."""
    if _missing(value):
        return MISSING
    return f"{significant(value)} ms"


def significant(value: float | None, digits: int = 3) -> str:
    """Three significant digits, thousands separated, no exponent."""
    if _missing(value):
        return MISSING
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def compact(value: float | None) -> str:
    """Counts that may be averages: 4, 3.6, 12, 1,024."""
    if _missing(value):
        return MISSING
    if abs(value) >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2g}"


def ru(value: float | None) -> str:
    """Request units with two decimals (the service reports charges to two decimals)."""
    if _missing(value):
        return MISSING
    return f"{value:,.2f} RU"


def number(value: float | None, decimals: int = 0) -> str:
    if _missing(value):
        return MISSING
    return f"{value:,.{decimals}f}"


def rate(value: float | None) -> str:
    """Per-second rates: one decimal below 100/s, whole numbers above."""
    if _missing(value):
        return MISSING
    return f"{value:,.1f}/s" if abs(value) < 100 else f"{value:,.0f}/s"


def percent(value: float | None) -> str:
    """A fraction as a percentage; small non-zero shares keep two significant digits."""
    if _missing(value):
        return MISSING
    pct = value * 100
    if pct == 0:
        return "0%"
    if abs(pct) < 1:
        return f"{significant(pct, 2)}%"
    return f"{pct:.1f}%"


def signed_percent(value: float | None) -> str:
    """A relative change: +27.5%, \u22120.50%, 0%."""
    if _missing(value):
        return MISSING
    if abs(value) < NEGLIGIBLE:
        return "0%"
    sign = "+" if value > 0 else MINUS if value < 0 else ""
    return sign + percent(abs(value))


def signed_points(value: float | None) -> str:
    """The difference of two shares, in percentage points: \u22125.8 pp."""
    if _missing(value):
        return MISSING
    return signed(value * 100, "pp")


def signed(value: float | None, unit: str = "") -> str:
    """A delta with its sign and a true minus sign: +1.2 ms, \u22120.5 RU."""
    if _missing(value):
        return MISSING
    if abs(value) < NEGLIGIBLE:
        value = 0.0
    text = significant(abs(value)) if value else "0"
    sign = "+" if value > 0 else MINUS if value < 0 else PLUS_MINUS
    return sign + text + (f" {unit}" if unit else "")


def duration(seconds: float | None) -> str:
    if _missing(seconds):
        return MISSING
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


FILTERS = {
    "ms": ms,
    "ru": ru,
    "number": number,
    "rate": rate,
    "percent": percent,
    "signed_percent": signed_percent,
    "signed_points": signed_points,
    "signed": signed,
    "duration": duration,
    "sig": significant,
}
