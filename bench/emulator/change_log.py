"""A physical partition's change log for the latest-version change feed: every live item's
latest LSN, readable in LSN order from any LSN.

Latest-version mode shows each item once, at its last change, and never shows
deletes, so the log only needs each live item's latest LSN. Entries are kept in
append-only arrays (LSNs only grow) with lazy removal: an entry is live while
it is still its key's latest LSN. The arrays are compacted when dead entries
outnumber live ones, so memory stays within about twice the live items and
reading from an LSN is a bisect, not a scan.

    >>> log = ChangeLog()
    >>> log.record("a", 2); log.record("b", 3); log.record("a", 4); log.forget("b")
    >>> list(log.since(0)), list(log.since(4))
    ([(4, 'a')], [])
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterator


class ChangeLog:
    def __init__(self) -> None:
        self._lsns: list[int] = []
        self._keys: list[Hashable] = []
        self._latest: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._latest)

    def record(self, key: Hashable, lsn: int) -> None:
        """`key` changed at `lsn` (higher than every LSN recorded before)."""
        self._latest[key] = lsn
        self._lsns.append(lsn)
        self._keys.append(key)
        self._compact_if_sparse()

    def forget(self, key: Hashable) -> None:
        """`key` was deleted: latest-version mode does not show it any more."""
        if self._latest.pop(key, None) is not None:
            self._compact_if_sparse()

    def since(self, lsn: int) -> Iterator[tuple[int, Hashable]]:
        """`(lsn, key)` of every live item whose latest change is after `lsn`, in LSN order.
        Do not record or forget while iterating."""
        lsns, keys, latest = self._lsns, self._keys, self._latest
        for position in range(bisect.bisect_right(lsns, lsn), len(lsns)):
            key = keys[position]
            if latest.get(key) == lsns[position]:
                yield lsns[position], key

    def _compact_if_sparse(self) -> None:
        if len(self._lsns) > 2 * len(self._latest) + 64:
            live = list(self.since(-1))
            self._lsns = [lsn for lsn, _ in live]
            self._keys = [key for _, key in live]
