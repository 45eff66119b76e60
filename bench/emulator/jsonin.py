"""Strict JSON for everything clients send (bodies, headers): what the service rejects is
a 400 naming what is wrong, never a 500 later.

Python's `json` accepts `NaN`, `Infinity` and `1e400` (which becomes inf),
lone surrogates (`"\\ud800"`, which cannot be encoded back to UTF-8) and any
nesting depth (until a RecursionError). The service limits nesting of
objects and arrays to 128 levels (Azure Cosmos DB service quotas, per-item
limits: "Maximum nesting depth for embedded objects / arrays: 128").
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bench.emulator.errors import CosmosError

MAX_NESTING_DEPTH = 128
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def loads(raw: bytes | str, what: str) -> Any:
    """Parse `raw` (named `what` in errors, e.g. "The request payload")."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep(what) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise CosmosError(400, f"{what} is invalid JSON: {error}.") from None
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    # Cheap upper bounds first: most inputs need no walk at all.
    if text.count(b"[") + text.count(b"{") > MAX_NESTING_DEPTH or _SURROGATE_ESCAPE.search(text):
        _check(value, what)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text[:40]} is out of range (not a finite double)")
    return number


def _too_deep(what: str) -> CosmosError:
    return CosmosError(
        400,
        f"{what} nests objects and arrays more than {MAX_NESTING_DEPTH} levels deep, "
        "the service's limit.",
    )


def check(value: Any, what: str) -> None:
    """400 for a value parsed elsewhere (e.g. from JavaScript) that `loads` would refuse:
    nesting deeper than the limit or a lone surrogate."""
    _check(value, what)


def _check(value: Any, what: str) -> None:
    """Nesting depth and lone surrogates, without recursion."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, str):
            _check_text(current, what)
        elif isinstance(current, dict | list):
            if depth > MAX_NESTING_DEPTH:
                raise _too_deep(what)
            if isinstance(current, dict):
                for key, item in current.items():
                    _check_text(key, what)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in current)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CosmosError(
            400, f"{what} is invalid JSON: it has a lone surrogate (\\ud800-\\udfff) in a string."
        ) from None
