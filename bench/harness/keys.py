"""Which existing item an operation touches: uniform, zipf (skewed) or hotspot choices of
item numbers in [0, count).

Item numbers map to contiguous catalog categories, so skew here becomes partition skew
under keys like /categoryId::

    chooser = key_chooser(workload.keys, workload.documents.count)
    chooser.choose(random.Random(1))
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from typing import Protocol

from bench.harness.workload import KeysSpec


class KeyChooser(Protocol):
    def choose(self, rng: random.Random) -> int: ...


class UniformChooser:
    def __init__(self, count: int) -> None:
        self.count = count

    def choose(self, rng: random.Random) -> int:
        return rng.randrange(self.count)


class ZipfChooser:
    """P(item k) proportional to 1 / (k + 1) ** skew: item 0 is the hottest."""

    def __init__(self, count: int, skew: float) -> None:
        weights = (1.0 / (k + 1) ** skew for k in range(count))
        self.cumulative = list(itertools.accumulate(weights))

    def choose(self, rng: random.Random) -> int:
        point = rng.random() * self.cumulative[-1]
        return min(bisect.bisect_right(self.cumulative, point), len(self.cumulative) - 1)


class HotspotChooser:
    """`hot_share` of the choices go to the first `hot_fraction` of the items."""

    def __init__(self, count: int, hot_fraction: float, hot_share: float) -> None:
        self.count = count
        self.hot = max(1, min(count, round(count * hot_fraction)))
        self.hot_share = hot_share

    def choose(self, rng: random.Random) -> int:
        if self.hot == self.count or rng.random() < self.hot_share:
            return rng.randrange(self.hot)
        return rng.randrange(self.hot, self.count)


@functools.cache  # choosers are immutable: every user of a process shares one (zipf's table)
def key_chooser(spec: KeysSpec, count: int) -> KeyChooser:
    if spec.distribution == "zipf":
        return ZipfChooser(count, spec.skew)
    if spec.distribution == "hotspot":
        return HotspotChooser(count, spec.hot_fraction, spec.hot_share)
    return UniformChooser(count)
