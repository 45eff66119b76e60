"""Argparse pieces shared by the job commands (plan, baseline, check, compare-keys, demo):
percentages, positive numbers and the RUN_DIR argument."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def percentage(text: str) -> float:
    """The fraction a percentage names: "20%", "20" and "0.2" all mean 20%; a bare
    number of 1 or more is read as percent, so "1" is 1%, never 100%."""
    stripped = text.strip()
    try:
        value = float(stripped.removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a percentage (write e.g. 20% or 0.2)"
        ) from None
    fraction = value / 100 if stripped.endswith("%") or value >= 1 else value
    if not 0 <= fraction <= 10:
        raise argparse.ArgumentTypeError(f"{text!r}: a percentage between 0% and 1000% is allowed")
    return fraction


def _at_least(
    convert: Callable[[str], float], minimum: float, expected: str
) -> Callable[[str], float]:
    """An argparse type: `convert(text)`, refused below `minimum` with `expected` named."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not value >= minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {expected}")
        return value

    return parse


positive_number = _at_least(float, 1e-12, "a number above 0")
positive_int = _at_least(int, 1, "a whole number of at least 1")


def add_run_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory")
