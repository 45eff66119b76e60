"""Argparse types shared by the job commands: percentages and positive numbers."""

from __future__ import annotations

import argparse


def percentage(text: str) -> float:
    """The fraction a percentage names: "20%", "20" and "0.2" all mean 20%."""
    stripped = text.strip()
    try:
        value = float(stripped.removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a percentage (write e.g. 20% or 0.2)"
        ) from None
    fraction = value / 100 if stripped.endswith("%") or value > 1 else value
    if not 0 <= fraction <= 10:
        raise argparse.ArgumentTypeError(f"{text!r}: a percentage between 0% and 1000% is allowed")
    return fraction


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number above 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return value
