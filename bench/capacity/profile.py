"""Replaying a traffic profile (one row per hour) to compare manual and autoscale cost.

Manual throughput must be provisioned for the busiest hour all day long;
autoscale bills each hour on the highest RU/s it scaled to (at least 10% of
its max). The profile is a CSV with a header: a ``rate`` column (requests/s
in that hour) and optionally an ``hour`` column naming the row::

    hour,rate
    00:00,800
    12:00,12000
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from bench.capacity.plan import (
    AUTOSCALE_FLOOR,
    BILLING_STEP,
    autoscale_max_for,
    hourly_cost,
    manual_rus_for,
    round_up,
)
from bench.capacity.prices import PriceTable
from bench.errors import RubenchError


@dataclass(frozen=True)
class ProfileHour:
    label: str
    rate: float  # requests/s
    required_rus: float
    autoscale_billed_rus: int
    manual_cost: float
    autoscale_cost: float


@dataclass(frozen=True)
class ProfileReplay:
    source: str
    hours: tuple[ProfileHour, ...]
    manual_rus: int
    autoscale_max_rus: int
    manual_total: float
    autoscale_total: float

    @property
    def cheaper(self) -> str:
        return "autoscale" if self.autoscale_total < self.manual_total else "manual"


def read_profile(path: Path) -> list[tuple[str, float]]:
    """(label, requests/s) per hour from the CSV at `path`."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "rate" not in reader.fieldnames:
                raise RubenchError(
                    f"traffic profile {path}: needs a header with a 'rate' column "
                    f"(requests/s per hour) and optionally 'hour'; got {reader.fieldnames}"
                )
            rows = [
                (row.get("hour") or str(number), _rate(path, number + 2, row["rate"]))
                for number, row in enumerate(reader)
            ]
    except OSError as error:
        raise RubenchError(f"cannot read traffic profile {path}: {error.strerror}") from None
    if not rows:
        raise RubenchError(f"traffic profile {path}: no rows after the header")
    return rows


def _rate(path: Path, line: int, text: str | None) -> float:
    try:
        rate = float(text or "")
    except ValueError:
        rate = -1.0
    if not math.isfinite(rate) or rate < 0:
        raise RubenchError(
            f"traffic profile {path}, line {line}: 'rate' must be a number >= 0, got {text!r}"
        )
    return rate


def replay(
    hours: list[tuple[str, float]],
    *,
    ru_per_request: float,
    headroom: float,
    prices: PriceTable,
    source: str,
) -> ProfileReplay:
    """Cost of serving `hours` with manual throughput sized for the busiest hour vs autoscale."""
    peak_required = max(rate for _, rate in hours) * ru_per_request
    manual = manual_rus_for(peak_required, headroom)
    autoscale_max = autoscale_max_for(peak_required, headroom)
    manual_hour_cost = hourly_cost(manual, prices.manual_per_100_rus_hour, prices)
    rows = []
    for label, rate in hours:
        required = rate * ru_per_request
        billed = round_up(required, BILLING_STEP, math.ceil(autoscale_max * AUTOSCALE_FLOOR))
        rows.append(
            ProfileHour(
                label=label,
                rate=rate,
                required_rus=required,
                autoscale_billed_rus=billed,
                manual_cost=manual_hour_cost,
                autoscale_cost=hourly_cost(billed, prices.autoscale_per_100_rus_hour, prices),
            )
        )
    return ProfileReplay(
        source=source,
        hours=tuple(rows),
        manual_rus=manual,
        autoscale_max_rus=autoscale_max,
        manual_total=sum(row.manual_cost for row in rows),
        autoscale_total=sum(row.autoscale_cost for row in rows),
    )
