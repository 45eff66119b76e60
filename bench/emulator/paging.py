"""Stable paging of feeds (queries, read feeds): the result is computed once, kept as a
snapshot of encoded items, and served page by page behind an opaque continuation.

No item is lost or repeated across pages even if the container changes
meanwhile. A snapshot expires when unused for `TTL_SECONDS`, not when its last
page is served: like the service's, a continuation can be resumed again after
the query was drained (the `DRAINED_KEPT` most recently drained snapshots are
kept, so finished queries do not pile up under load). The execution's charge
is spread over the pages in proportion to the items each carries, in whole
cents, so the pages' headers always sum to it (rounded) to the cent.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bench.emulator.errors import CosmosError

DEFAULT_PAGE_ITEMS = 100
MAX_PAGE_BYTES = 4 * 1024 * 1024
TTL_SECONDS = 300.0
MAX_SNAPSHOTS = 10_000
DRAINED_KEPT = 1_000


@dataclass
class Snapshot:
    items: list[bytes]
    charge: float
    headers: dict[str, str] = field(default_factory=dict)  # metrics, sent with the first page
    last_used: float = field(default_factory=time.monotonic)


@dataclass
class Page:
    items: list[bytes]
    charge: float
    continuation: str | None


def page_size(header: str | None) -> int:
    """`x-ms-max-item-count`: absent or -1 means the default (100)."""
    if header is None:
        return DEFAULT_PAGE_ITEMS
    try:
        size = int(header)
    except ValueError:
        raise CosmosError(400, f"x-ms-max-item-count {header!r} is not an integer.") from None
    if size == -1 or size == 0:
        return DEFAULT_PAGE_ITEMS
    if size < 0:
        raise CosmosError(
            400, f"x-ms-max-item-count {size} is invalid: use -1 or a positive count."
        )
    return size


def _cents_through(charge: float, position: int, total: int) -> float:
    """The charge of items [0, position), rounded to the cent: pages take differences of
    these, so each page's charge is whole cents (what its header shows) and they add up
    to the rounded total exactly."""
    return round(charge if position >= total else charge * position / total, 2)


class Snapshots:
    """Open snapshots by token; one per paged execution."""

    def __init__(self) -> None:
        self._open: dict[str, Snapshot] = {}
        self._drained: OrderedDict[str, None] = OrderedDict()  # tokens, oldest first
        self._tokens = itertools.count(1)

    def first_page(self, snapshot: Snapshot, size: int) -> Page:
        return self._page(None, snapshot, 0, size)

    def next_page(self, continuation: str, size: int) -> tuple[Snapshot, Page]:
        token, _, offset_text = continuation.partition(":")
        snapshot = self._open.get(token)
        if snapshot is None or not offset_text.isdigit():
            raise CosmosError(
                400,
                f"The continuation token {continuation!r} is invalid or has expired "
                f"(tokens last {int(TTL_SECONDS)} s after their last use); restart the query.",
            )
        snapshot.last_used = time.monotonic()
        return snapshot, self._page(token, snapshot, int(offset_text), size)

    def _page(self, token: str | None, snapshot: Snapshot, start: int, size: int) -> Page:
        items = snapshot.items
        end = min(len(items), start + size)
        page_bytes = 0
        for position in range(start, end):
            page_bytes += len(items[position]) + 1
            if page_bytes > MAX_PAGE_BYTES and position > start:
                end = position
                break
        total = len(items)
        if total == 0:
            charge = round(snapshot.charge, 2)
        else:
            charge = _cents_through(snapshot.charge, end, total) - _cents_through(
                snapshot.charge, start, total
            )
        continuation = None
        if end < total:
            if token is None:
                token = self._store(snapshot)
            continuation = f"{token}:{end}"
        elif token is not None:
            self._keep_drained(token)
        return Page(items[start:end], charge, continuation)

    def _keep_drained(self, token: str) -> None:
        self._drained[token] = None
        self._drained.move_to_end(token)
        while len(self._drained) > DRAINED_KEPT:
            oldest, _ = self._drained.popitem(last=False)
            self._open.pop(oldest, None)

    def _store(self, snapshot: Snapshot) -> str:
        self._expire()
        token = f"s{next(self._tokens)}"
        self._open[token] = snapshot
        return token

    def _expire(self) -> None:
        now = time.monotonic()
        stale = [t for t, s in self._open.items() if now - s.last_used > TTL_SECONDS]
        for token in stale:
            del self._open[token]
        while len(self._open) >= MAX_SNAPSHOTS:
            del self._open[next(iter(self._open))]
