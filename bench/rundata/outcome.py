"""How a call ended, as the `outcome` column records it, and which endings are failures."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The outcome of one call (one request row)."""

    OK = "ok"
    CONFLICT = "conflict"  # 412 on If-Match: another writer won; counted, not an error
    NOT_FOUND = "not_found"  # a read the workload expected might miss
    THROTTLED = "throttled"  # the final answer was a 429 (the SDK gave up retrying)
    ERROR = "error"

    @property
    def failed(self) -> bool:
        """Failed calls count in error rates, and their RU is no cost of the operation."""
        return self in FAILED_OUTCOMES


FAILED_OUTCOMES = frozenset({Outcome.ERROR, Outcome.THROTTLED})
