"""A ContainerProxy wrapper that times each SDK call and reports it as a Locust request.

Locust's model for non-HTTP clients: the client fires `environment.events.request`
with the name, type, latency, bytes and exception of every call; rubench adds the
`CallRecord` (RU, status, attempts, ...) in the event context, where the recorder
listener picks it up::

    calls = InstrumentedCalls(environment.events)
    doc, record = calls.call("point_read", "read", lambda **hook: proxy.read_item(i, pk, **hook))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from gevent.event import Event
from locust.event import Events
from locust.exception import StopUser

from bench.harness.calls import AttemptObserver, CallRecord, classify

T = TypeVar("T")


class CallFailed(Exception):
    """Raised to the user code after an errored call has been recorded."""

    def __init__(self, record: CallRecord, error: BaseException) -> None:
        super().__init__(f"{record.operation}: {error}")
        self.record = record
        self.error = error


class InstrumentedCalls:
    """Runs SDK calls with an AttemptObserver attached and fires one request event each.

    A call the service has received is charged, so it must be recorded: `close()` lets
    the call in flight finish (and be recorded) and refuses new ones, for a user that
    Locust stops without waiting (`--stop-timeout 0`, Ctrl-C)."""

    def __init__(
        self, events: Events, *, observer_class: type[AttemptObserver] = AttemptObserver
    ) -> None:
        self.events = events
        self.observer_class = observer_class
        self.closing = False
        self._calls_in_flight = 0  # several at once in a bulk_create's greenlets
        self._idle = Event()
        self._idle.set()

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        if self.closing:
            raise StopUser()
        self._calls_in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._calls_in_flight -= 1
            if not self._calls_in_flight:
                self._idle.set()

    def close(self, timeout: float) -> bool:
        """Refuse new calls; wait up to `timeout` s for the ones in flight. True if idle."""
        self.closing = True
        return self._idle.wait(timeout)

    def call(
        self,
        operation: str,
        kind: str,
        function: Callable[..., T],
        *,
        items: Callable[[T], int] = lambda _: 1,
        conflict_ok: bool = False,
        missing_ok: bool = False,
        partition_key: Any = None,
        asked_index_metrics: bool = False,
    ) -> tuple[T | None, CallRecord]:
        """Run `function(raw_response_hook=observer)`; errors that are expected outcomes
        (412 conflicts, expected 404s) return (None, record); others raise CallFailed.
        After `close()`, raises Locust's StopUser instead of starting a call."""
        with self._in_flight():
            observer = self.observer_class()
            started = time.time()
            clock = time.perf_counter()
            result: T | None = None
            error: BaseException | None = None
            interrupted: BaseException | None = None
            try:
                result = function(raw_response_hook=observer)
            except Exception as caught:
                error = caught
            except BaseException as signal_or_kill:  # Ctrl-C, or Locust killing the user
                if not observer.attempts:  # nothing reached the target: nothing to record
                    raise
                interrupted = signal_or_kill
                error = signal_or_kill if observer.status >= 400 else None
            latency_ms = (time.perf_counter() - clock) * 1000
            outcome = classify(error, conflict_ok=conflict_ok, missing_ok=missing_ok)
            record = CallRecord.build(
                operation=operation,
                kind=kind,
                timestamp=started,
                latency_ms=latency_ms,
                observer=observer,
                outcome=outcome,
                item_count=items(result) if error is None and interrupted is None else 0,
                error=error,
                partition_key=partition_key,
                asked_index_metrics=asked_index_metrics,
            )
            failure = error if outcome.failed else None
            self.events.request.fire(
                request_type=kind,
                name=operation,
                start_time=started,
                response_time=latency_ms,
                response_length=record.bytes,
                response=None,
                context={"rubench": record},
                exception=failure,
            )
            if interrupted is not None:  # the target answered and charged it: recorded, then
                raise interrupted  # the interruption goes on (the user stops)
            if failure is not None:
                raise CallFailed(record, failure) from failure
            return result, record


def count_items(result: Any) -> int:
    """Documents in a result: a list's length, else one."""
    return len(result) if isinstance(result, list) else 1
