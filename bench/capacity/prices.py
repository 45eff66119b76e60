"""The price table a plan's costs come from: documented defaults, overridable from a file.

Defaults are Azure Cosmos DB list prices (USD, pay-as-you-go, one region,
single-region writes) as published on the Azure pricing page; prices differ
by region, currency, agreement and over time, so a user with their own rates
passes ``--price-file`` (JSON or TOML) naming only the entries to override::

    currency = "EUR"
    manual_per_100_rus_hour = 0.0074
    autoscale_per_100_rus_hour = 0.0111
    regions = 2

No network is used: rubench never fetches prices.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

from bench.capacity.tables import read_table
from bench.errors import RubenchError


@dataclass(frozen=True)
class PriceTable:
    """Throughput prices; costs scale with `regions` (each region bills its RU/s)."""

    currency: str = "USD"
    manual_per_100_rus_hour: float = 0.008  # standard provisioned throughput
    autoscale_per_100_rus_hour: float = 0.012  # autoscale: 1.5x standard, single-region writes
    hours_per_month: float = 730.0
    regions: int = 1
    source: str = "built-in defaults (Azure list prices, USD, one region)"


_NUMERIC = {"manual_per_100_rus_hour", "autoscale_per_100_rus_hour", "hours_per_month"}


def load_price_table(path: Path | None) -> PriceTable:
    """The defaults, with the entries of `path` (JSON or TOML) applied on top."""
    if path is None:
        return PriceTable()
    raw = read_table(path, "price file")
    allowed = {f.name for f in fields(PriceTable)} - {"source"}
    overrides: dict[str, object] = {}
    for key, value in raw.items():
        if key not in allowed:
            raise RubenchError(
                f"{path}: unknown price entry {key!r}; allowed: {', '.join(sorted(allowed))}"
            )
        overrides[key] = _checked_value(path, key, value)
    return replace(PriceTable(), **overrides, source=str(path))


def _checked_value(path: Path, key: str, value: object) -> object:
    if key == "currency":
        if not isinstance(value, str) or not value.strip():
            raise RubenchError(f"{path}: 'currency' must be a non-empty string, got {value!r}")
        return value.strip()
    if key == "regions":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RubenchError(f"{path}: 'regions' must be a whole number >= 1, got {value!r}")
        return value
    assert key in _NUMERIC
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise RubenchError(f"{path}: {key!r} must be a positive number, got {value!r}")
    return float(value)
