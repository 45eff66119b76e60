"""How seeding is going: documents/s, RU/s against the provisioned throughput and 429s.

On a terminal it is a tqdm bar with those figures beside it; anywhere else (CI, a log
file) it prints a line every `interval_s`, so a long seed is never silent::

    progress = SeedProgress("catalog", total=1000, provisioned_rus=400, stream=sys.stderr)
    progress.add(ru=5.71, throttled=0)
    progress.close()
"""

from __future__ import annotations

import time
from typing import Any, TextIO

LINE_INTERVAL_S = 10.0


class SeedProgress:
    """Counts seeded documents, their RU and 429 attempts, and shows the rates."""

    def __init__(
        self,
        name: str,
        *,
        total: int,
        provisioned_rus: int | None,
        stream: TextIO,
        enabled: bool = True,
        interval_s: float = LINE_INTERVAL_S,
    ) -> None:
        self.name = name
        self.total = total
        self.provisioned_rus = provisioned_rus  # None: serverless, or not known
        self.stream = stream
        self.interval_s = interval_s
        self.done = 0
        self.request_units = 0.0
        self.throttled = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar: Any = None
        self._enabled = enabled
        if enabled and _is_terminal(stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=f"seeding {name}", unit="doc", file=stream)

    def add(self, *, ru: float, throttled: int) -> None:
        """Record one document seeded (or found) that cost `ru` and met `throttled` 429s."""
        self.done += 1
        self.request_units += ru
        self.throttled += throttled
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(self.rates(), refresh=False)
        elif self._enabled and time.monotonic() - self._last_line >= self.interval_s:
            self._last_line = time.monotonic()
            self.print_line()

    def rates(self) -> str:
        """`412 doc/s, 3980 RU/s of 4000 provisioned, 12 throttled (429) attempts`."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        ru_per_s = self.request_units / elapsed
        provisioned = (
            "provisioned unknown"
            if self.provisioned_rus is None
            else f"of {self.provisioned_rus} provisioned"
        )
        return (
            f"{self.done / elapsed:.0f} doc/s, {ru_per_s:.0f} RU/s {provisioned}, "
            f"{self.throttled} throttled (429) attempts"
        )

    def print_line(self) -> None:
        share = self.done / self.total if self.total else 1.0
        print(
            f"seeding {self.name}: {self.done}/{self.total} documents ({share:.0%}), "
            + self.rates(),
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._enabled:
            self.print_line()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
