"""Helpers for the SDK-driven RU tests: charge capture, paced load, the emulator's ledger."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bench.emulator import LocalEmulator, fetch_ledger


class ChargeLog:
    """A `response_hook` keeping every `x-ms-request-charge` it is given (a query: one per
    page; the SDK calls `clear()` before a query, which keeps earlier charges)."""

    def __init__(self) -> None:
        self.charges: list[float] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, headers: Any, body: Any) -> None:
        self.charges.append(float(headers["x-ms-request-charge"]))
        self.headers.append(dict(headers))

    def clear(self) -> None:
        """Called by the SDK when a query starts; the log keeps all pages."""

    @property
    def total(self) -> float:
        return round(sum(self.charges), 2)

    @property
    def last(self) -> float:
        return self.charges[-1]


def container_ledger(emulator: LocalEmulator, link: str) -> dict[str, Any]:
    """The emulator's ledger entry for container `dbs/{db}/colls/{coll}` (empty if unused)."""
    return fetch_ledger(emulator.endpoint, emulator.key)["containers"].get(link, {})


class Load:
    """Threads calling operations until the `with` block ends: each operation on its own
    thread, at most `per_second` times a second, or back to back when `per_second` is None.
    `errors` holds what the calls raised."""

    def __init__(self, operations: list[Callable[[], Any]], per_second: float | None = None):
        self.per_second = per_second
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(op,)) for op in operations]

    def _loop(self, operation: Callable[[], Any]) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            try:
                operation()
            except Exception as error:  # reported to the test, which asserts on it
                self.errors.append(error)
                return
            if self.per_second is not None:
                # The next call is due one interval later; a thread running late does not
                # catch up in a burst (that would exceed the rate asked for).
                due = max(due + 1 / self.per_second, time.monotonic())
                self._stop.wait(due - time.monotonic())

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
