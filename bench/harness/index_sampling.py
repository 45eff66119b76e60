"""Which query calls ask the target for index metrics: the first few of each operation in
each process (`[run] index_metrics_sample`), since the service documents an overhead for
them and what it says about a query's indexes does not change from call to call."""

from __future__ import annotations

from collections import Counter


class IndexMetricsSample:
    """Counts the calls that asked, per operation, for this process's users together."""

    def __init__(self, calls_per_operation: int) -> None:
        self.calls_per_operation = calls_per_operation
        self._asked: Counter[str] = Counter()

    def take(self, operation: str) -> bool:
        """Whether this call of `operation` asks (and counts it when it does)."""
        if self._asked[operation] >= self.calls_per_operation:
            return False
        self._asked[operation] += 1
        return True


_SAMPLES: dict[int, IndexMetricsSample] = {}


def process_sample(calls_per_operation: int) -> IndexMetricsSample:
    """The one sample of this process (all its users share it) for that setting."""
    return _SAMPLES.setdefault(calls_per_operation, IndexMetricsSample(calls_per_operation))
