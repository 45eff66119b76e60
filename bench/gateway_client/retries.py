"""When a call tries again: 429 (request rate too large) and 449 (retry with).

429 follows the SDK's `ResourceThrottleRetryPolicy`: wait `x-ms-retry-after-ms`, up to
`max_retries` retries (the SDK's default 9, so 10 attempts) while the waits so far stay
under `max_wait_seconds` (30 s). The Python SDK does not retry 449; the .NET SDK's
`RetryWithRetryPolicy` does, starting at 10 ms and doubling up to 1 s, and so does this
client, within the same two limits.
"""

from __future__ import annotations

from dataclasses import dataclass

THROTTLED = 429
RETRY_WITH = 449
RETRY_WITH_FIRST_WAIT_MS = 10.0
RETRY_WITH_LONGEST_WAIT_MS = 1000.0


@dataclass(frozen=True)
class RetryLimits:
    max_retries: int = 9
    max_wait_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.max_wait_seconds < 0:
            raise ValueError(
                f"retry limits must not be negative: max_retries={self.max_retries}, "
                f"max_wait_seconds={self.max_wait_seconds}"
            )


class RetryBudget:
    """The retries one call has left."""

    def __init__(self, limits: RetryLimits) -> None:
        self.limits = limits
        self.retries = 0
        self.waited_ms = 0.0
        self._retry_with_wait_ms = RETRY_WITH_FIRST_WAIT_MS

    def wait_before_retry(self, status: int, retry_after_ms: float) -> float | None:
        """Milliseconds to wait before trying again, or None: give up (or not retryable).
        As in the SDK, the total is checked before this wait is added."""
        if status == THROTTLED:
            wait = retry_after_ms
        elif status == RETRY_WITH:
            wait = self._retry_with_wait_ms
            self._retry_with_wait_ms = min(2 * wait, RETRY_WITH_LONGEST_WAIT_MS)
        else:
            return None
        if self.retries >= self.limits.max_retries:
            return None
        if self.waited_ms >= self.limits.max_wait_seconds * 1000:
            return None
        self.retries += 1
        self.waited_ms += wait
        return wait
