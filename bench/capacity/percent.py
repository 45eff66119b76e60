"""Parsing percentages given on the command line ("20%", "20" or "0.2" all mean 20%)."""

from __future__ import annotations

import argparse


def percentage(text: str) -> float:
    """An argparse type: the fraction a percentage names; plain numbers above 1 are percents."""
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
