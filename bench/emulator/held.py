"""Physical partitions a running stored procedure holds.

A stored procedure's JavaScript runs off the event loop, so the loop keeps
serving other requests meanwhile; its document operations are applied on the
loop between rounds and stay uncommitted until it returns. Requests on a held
partition wait until the procedure has committed or rolled back, so no one
reads or overwrites its uncommitted writes: on that partition it is as if the
procedure ran in one turn of the loop, as it did before. Everything else runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from bench.emulator.partitions import PhysicalPartition


class HeldPartitions:
    def __init__(self) -> None:
        self._released: dict[PhysicalPartition, asyncio.Event] = {}

    def any_held(self, partitions: Iterable[PhysicalPartition]) -> bool:
        return any(partition in self._released for partition in partitions)

    async def until_free(self, partitions: Iterable[PhysicalPartition]) -> None:
        """Return once none of `partitions` is held."""
        wanted = list(partitions)
        while True:
            waiting = [self._released[p] for p in wanted if p in self._released]
            if not waiting:
                return
            await waiting[0].wait()

    @contextlib.asynccontextmanager
    async def hold(self, partition: PhysicalPartition) -> AsyncIterator[None]:
        """Hold `partition` for the block (after any procedure already holding it)."""
        await self.until_free([partition])
        released = asyncio.Event()
        self._released[partition] = released
        try:
            yield
        finally:
            del self._released[partition]
            released.set()
