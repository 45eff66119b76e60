"""Time-bucketed rates of a run: requests, RU, 429s and errors, and the busiest second.

The summary's scan tallies each operation's calls per whole second of the window
(a day is 86,400 seconds: a small table whatever the row count); the chart
series and the peaks are added up from it. The chart's bucket width is whole seconds,
chosen so a chart has about `MAX_POINTS` points whatever the run length.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.rundata.figures import Peaks, Series, Window

MAX_POINTS = 300


def series_and_peaks(calls: pd.DataFrame, window: Window) -> tuple[Series, Peaks]:
    """The chart series and the busiest whole second, from the window's per-second tallies
    (`operation`, `second`, `n`, `ru_sum`, `throttled_attempts`, `failed`)."""
    seconds = calls.rename(
        columns={
            "n": "requests",
            "ru_sum": "ru",
            "throttled_attempts": "throttled",
            "failed": "errors",
        }
    )
    per_second = _bucketed(seconds, window, 1.0)
    peaks = Peaks(
        ru_per_s=float(per_second["ru"].max()),
        requests_per_s=float(per_second["requests"].max()),
    )
    width = bucket_width(window)
    buckets = _bucketed(seconds, window, width)
    return (
        Series(
            width_s=width,
            t=tuple(float(t) for t in np.arange(len(bucket_seconds(window, width))) * width),
            requests_per_s=tuple(buckets["requests"]),
            ru_per_s=tuple(buckets["ru"]),
            throttled_per_s=tuple(buckets["throttled"]),
            errors_per_s=tuple(buckets["errors"]),
            operations={
                str(name): tuple(rates)
                for name, rates in _operation_rates(seconds, window, width).items()
            },
        ),
        peaks,
    )


def bucket_width(window: Window, max_points: int = MAX_POINTS) -> float:
    """Whole seconds, at least 1, so at most `max_points` buckets cover the window."""
    return float(max(1, math.ceil(window.duration_s / max_points)))


def bucket_seconds(window: Window, width_s: float) -> np.ndarray:
    """How long each bucket really is: whole buckets, then the window's remainder when it
    covers at least half a bucket (a sliver would turn two calls into a false peak)."""
    whole, remainder = divmod(window.duration_s, width_s)
    seconds = [width_s] * int(whole)
    if not seconds:
        seconds = [window.duration_s or width_s]
    elif remainder >= width_s / 2:
        seconds.append(remainder)
    return np.array(seconds)


def _inside(
    seconds: pd.DataFrame, window: Window, width_s: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """The per-second rows of the buckets the window keeps, with their bucket numbers
    (`width_s` is whole seconds, so a second never straddles two buckets)."""
    lengths = bucket_seconds(window, width_s)
    bucket = seconds["second"].to_numpy() // int(width_s)
    keep = (bucket >= 0) & (bucket < len(lengths))
    return seconds[keep], bucket[keep]


def _bucketed(seconds: pd.DataFrame, window: Window, width_s: float) -> dict[str, np.ndarray]:
    """Per bucket: requests, RU, 429 answers and failed calls, each per second."""
    lengths = bucket_seconds(window, width_s)
    kept, bucket = _inside(seconds, window, width_s)
    return {
        column: np.bincount(bucket, weights=kept[column].to_numpy(float), minlength=len(lengths))
        / lengths
        for column in ("requests", "ru", "throttled", "errors")
    }


def _operation_rates(
    seconds: pd.DataFrame, window: Window, width_s: float
) -> dict[str, np.ndarray]:
    """Requests per second of each operation per bucket (operations without any left out)."""
    lengths = bucket_seconds(window, width_s)
    kept, bucket = _inside(seconds, window, width_s)
    rates = {}
    for name in sorted(kept["operation"].unique()):
        mine = (kept["operation"] == name).to_numpy()
        counts = np.bincount(
            bucket[mine], weights=kept["requests"].to_numpy(float)[mine], minlength=len(lengths)
        )
        rates[name] = counts / lengths
    return rates
