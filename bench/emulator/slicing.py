"""Long query work in slices, so one query never stalls the other clients.

The emulator serves every request on one event loop. A query runs inside a
`SlicedExecution` (a greenlet); the evaluator calls `checkpoint()` for every
row it touches, and once the current slice (`SLICE_SECONDS`) is spent the
execution pauses and the loop serves whatever else arrived, then resumes it.

Like the service, one page of a query gets a time budget
(`PAGE_SECONDS`, the service's 5 s): when it is spent before the result is
ready, the page ends empty with a continuation and the execution is parked
in `ParkedExecutions` until the client asks for the next page. A query that
cannot make progress (one step over `STEP_SECONDS`, or more than
`MAX_EXECUTION_SECONDS` of work in all) fails with 408, as a timed-out
request does on the service.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

from greenlet import GreenletExit, greenlet

from bench.emulator.errors import CosmosError

SLICE_SECONDS = 0.005  # work between two turns of the event loop
PAGE_SECONDS = 5.0  # the service: "a query page runs at most 5 s"
STEP_SECONDS = 0.025  # one indivisible step (a regex match) may take this long
MAX_EXECUTION_SECONDS = 60.0  # work across all pages before the query is abandoned
PARKED_TTL_SECONDS = 300.0
T = TypeVar("T")


def too_slow(what: str) -> CosmosError:
    return CosmosError(
        408,
        f"The query cannot make progress: {what}. Simplify the query or narrow its filter.",
    )


class SlicedExecution(greenlet):
    """One query execution: `await execution.run_page()` runs it for up to a page budget."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(work)
        self.slice_ends = 0.0
        self.result: Any = None  # what the work returned, once it is done
        self.worked = 0.0  # seconds of work so far, across pages
        self.last_used = time.monotonic()

    async def run_page(self, before_slice: Callable[[], Awaitable[None]] | None = None) -> bool:
        """Work until done (True) or until the page budget is spent (False), awaiting
        `before_slice()` before each slice (the time it waits is not work). Raises what the
        work raises."""
        page_ends = time.perf_counter() + PAGE_SECONDS
        while True:
            if before_slice is not None:
                await before_slice()
            started = time.perf_counter()
            self.slice_ends = min(started + SLICE_SECONDS, page_ends)
            self.result = self.switch()
            self.worked += time.perf_counter() - started
            self.last_used = time.monotonic()
            if self.dead:
                return True
            if self.worked > MAX_EXECUTION_SECONDS:
                self.throw(GreenletExit)
                raise too_slow(f"it ran for more than {MAX_EXECUTION_SECONDS:.0f} s of work")
            if time.perf_counter() >= page_ends:
                return False
            await asyncio.sleep(0)


_CHECK_EVERY = 64  # rows between two looks at the clock: a row costs microseconds
_ticks = 0


def checkpoint() -> None:
    """Called per row: pause the running execution when its slice is spent (looking at
    the clock every `_CHECK_EVERY` calls); a no-op outside one."""
    global _ticks
    _ticks += 1
    if _ticks % _CHECK_EVERY == 0:
        after_step()


def paced(items: Iterable[T]) -> Iterator[T]:
    """`items`, with a `checkpoint()` before each."""
    for item in items:
        checkpoint()
        yield item


def after_step() -> None:
    """Called after a costly step (a regex match): pause now if the slice is spent."""
    current = greenlet.getcurrent()
    if type(current) is SlicedExecution and time.perf_counter() >= current.slice_ends:
        current.parent.switch()


def step_timeout() -> float | None:
    """How long one indivisible step may take: None (no limit) outside a sliced execution."""
    return STEP_SECONDS if type(greenlet.getcurrent()) is SlicedExecution else None


class ParkedExecutions:
    """Executions whose page budget ran out, by continuation token, until resumed."""

    PREFIX = "run"

    def __init__(self) -> None:
        self._parked: dict[str, SlicedExecution] = {}
        # Continuations whose execution failed, with the error and when: the SDK retries a
        # 408 with the same continuation, which must fail the same way, not as unknown.
        self._failed: dict[str, tuple[CosmosError, float]] = {}
        self._tokens = itertools.count(1)

    def park(self, execution: SlicedExecution) -> str:
        self._expire()
        token = f"{self.PREFIX}{next(self._tokens)}"
        self._parked[token] = execution
        return token

    def take(self, continuation: str) -> SlicedExecution | None:
        """The parked execution behind `continuation` (removed), or None if it is not one."""
        if not continuation.startswith(self.PREFIX):
            return None
        if continuation in self._failed:
            raise self._failed[continuation][0]
        execution = self._parked.pop(continuation, None)
        if execution is None:
            raise CosmosError(
                400,
                f"The continuation token {continuation!r} is invalid, in use or has expired; "
                "restart the query.",
            )
        return execution

    def failed(self, continuation: str, error: CosmosError) -> None:
        """The execution behind `continuation` failed with `error`: answer it again for it."""
        self._expire()
        self._failed[continuation] = (error, time.monotonic())

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (_, at) in self._failed.items() if now - at > PARKED_TTL_SECONDS]:
            del self._failed[token]
        for token in [t for t, e in self._parked.items() if now - e.last_used > PARKED_TTL_SECONDS]:
            self._parked.pop(token).throw(GreenletExit)
