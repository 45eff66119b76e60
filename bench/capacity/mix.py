"""The operation mix a plan spreads its peak rate over: the run's own, or one from a file.

A mix file (JSON or TOML) maps operation names, as the run recorded them, to
relative weights::

    point_read = 70
    query_by_category = 20
    update_price = 10
"""

from __future__ import annotations

import math
from pathlib import Path

from bench.capacity.plan import MeasuredRun, observed_mix
from bench.capacity.tables import read_table
from bench.errors import RubenchError


def choose_mix(run: MeasuredRun, mix_file: Path | None) -> tuple[dict[str, float], str]:
    """(operation -> weight, where the mix came from)."""
    if mix_file is None:
        mix = {name: count for name, count in observed_mix(run).items() if count > 0}
        if not mix:
            raise RubenchError(f"run {run.name!r} recorded no requests to plan from")
        return mix, "the run's own mix"
    return load_mix(mix_file, set(run.operations)), str(mix_file)


def load_mix(path: Path, measured: set[str]) -> dict[str, float]:
    raw = read_table(path, "mix file")
    mix: dict[str, float] = {}
    for name, weight in raw.items():
        if name not in measured:
            raise RubenchError(
                f"mix file {path}: operation {name!r} was not measured in the run; "
                f"measured: {', '.join(sorted(measured))}"
            )
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise RubenchError(
                f"mix file {path}: weight of {name!r} must be a number >= 0, got {weight!r}"
            )
        if weight > 0:
            mix[name] = float(weight)
    if not mix:
        raise RubenchError(f"mix file {path}: give at least one operation a weight above 0")
    return mix
