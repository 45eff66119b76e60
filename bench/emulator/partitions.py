"""Physical partitions (partition key ranges): layout over the EPK space, routing, splits.

Ranges cover `""`..`"FF"` with no gaps. Version-2 hashes start with a byte
<= 0x3F (the SDK clears the top two bits), so boundaries divide
`0x00..0x40` evenly, or the upper ranges would stay empty.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bench.emulator.change_log import ChangeLog
from bench.emulator.errors import CosmosError
from bench.emulator.query.indexing import PartitionIndex
from bench.emulator.throughput import PartitionBudget
from bench.epk import MAX_EPK, MIN_EPK

_HEX_DIGITS = 32
_HASH_SPACE_END = 0x40 << 120  # first value above every version-2 hash


def _to_int(boundary: str) -> int:
    if boundary == MAX_EPK:
        return 0xFF << 120
    return int(boundary[:_HEX_DIGITS].ljust(_HEX_DIGITS, "0") or "0", 16)


def _to_boundary(value: int) -> str:
    return f"{value:0{_HEX_DIGITS}X}"


def even_boundaries(count: int) -> list[tuple[str, str]]:
    """`count` ranges that split the hash space evenly, as (minInclusive, maxExclusive)."""
    cuts = [_to_boundary(_HASH_SPACE_END * i // count) for i in range(1, count)]
    lows = [MIN_EPK, *cuts]
    highs = [*cuts, MAX_EPK]
    return list(zip(lows, highs, strict=True))


def split_point(min_inclusive: str, max_exclusive: str) -> str:
    """The middle of a range's populated part of the hash space."""
    low = _to_int(min_inclusive) if min_inclusive else 0
    high = min(_to_int(max_exclusive), _HASH_SPACE_END)
    if high - low < 2:
        high = _to_int(max_exclusive)
    return _to_boundary((low + high) // 2)


class PhysicalPartition:
    """One partition key range: its documents (by storage key), their EPKs and its index.

    Satisfies `bench.emulator.query.PartitionSource`. Documents are kept with
    their encoded JSON, so point reads send stored bytes without re-encoding.
    """

    def __init__(
        self,
        range_id: str,
        min_inclusive: str,
        max_exclusive: str,
        parents: Sequence[str],
        index: PartitionIndex,
        budget: PartitionBudget,
    ) -> None:
        self.id = range_id
        self.min_inclusive = min_inclusive
        self.max_exclusive = max_exclusive
        self.parents = list(parents)
        self.documents: dict[Any, dict] = {}
        self.encoded: dict[Any, bytes] = {}
        self.epks: dict[Any, str] = {}
        self.terms: dict[Any, int] = {}  # index terms each document wrote (deletes charge them)
        self.rids: dict[str, Any] = {}  # `_rid` -> storage key, for rid-based links
        self.index = index
        self.budget = budget
        self.lsn = 1
        self.changes = ChangeLog()  # each live item's latest LSN: the change feed

    @property
    def session_token(self) -> str:
        return f"{self.id}:-1#{self.lsn}"

    def put(self, key: Any, document: dict, encoded: bytes, epk: str) -> int:
        """Store (or overwrite) a document; returns the index terms written or removed
        (all of a new document's; only those that differ when overwriting)."""
        old = self.documents.get(key)
        if old is not None:
            self._forget_rid(old["_rid"], key)
        self.documents[key] = document
        self.rids[document["_rid"]] = key
        self.encoded[key] = encoded
        self.epks[key] = epk
        self.lsn += 1
        self.changes.record(key, self.lsn)
        if old is None:
            changed = self.terms[key] = self.index.insert(key, document)
            return changed
        change = self.index.replace(key, old, document)
        self.terms[key] = change.total
        return change.changed

    def delete(self, key: Any) -> dict | None:
        document = self.documents.pop(key, None)
        if document is not None:
            del self.encoded[key]
            del self.epks[key]
            del self.terms[key]
            self._forget_rid(document["_rid"], key)
            self.index.remove(key, document)
            self.changes.forget(key)
            self.lsn += 1
        return document

    def _forget_rid(self, rid: str, key: Any) -> None:
        """Drop `rid` unless it now names another key (a replace that changed the id)."""
        if self.rids.get(rid) == key:
            del self.rids[rid]

    def rebuild_index(self, index: PartitionIndex) -> None:
        self.index = index
        for key, document in self.documents.items():
            self.terms[key] = index.insert(key, document)

    def to_resource(self, collection_rid: str) -> dict[str, Any]:
        return {
            "_rid": collection_rid,
            "id": self.id,
            "_etag": f'"{self.id}-{self.lsn}"',
            "minInclusive": self.min_inclusive,
            "maxExclusive": self.max_exclusive,
            "ridPrefix": int(self.id),
            "_self": f"pkranges/{self.id}/",
            "throughputFraction": 1.0,
            "status": "online",
            "parents": self.parents,
            "_ts": 0,
        }


class PartitionMap:
    """A container's current partition key ranges, ordered by EPK."""

    def __init__(
        self,
        count: int,
        new_index: Callable[[], PartitionIndex],
        new_budget: Callable[[int, int], PartitionBudget],  # (position, partition count)
    ) -> None:
        self._new_index = new_index
        self._new_budget = new_budget
        self.partitions = [
            PhysicalPartition(str(i), low, high, [], new_index(), new_budget(i, count))
            for i, (low, high) in enumerate(even_boundaries(count))
        ]
        self._next_id = count
        self.generation = 1  # bumps on every split: the pkranges etag
        self._reindex()

    def __iter__(self) -> Iterator[PhysicalPartition]:
        return iter(self.partitions)

    def __len__(self) -> int:
        return len(self.partitions)

    def _reindex(self) -> None:
        self._lows = [p.min_inclusive for p in self.partitions]
        self.by_id = {p.id: p for p in self.partitions}

    def for_epk(self, epk: str) -> PhysicalPartition:
        return self.partitions[bisect.bisect_right(self._lows, epk) - 1]

    def for_range_id(self, range_id: str) -> PhysicalPartition:
        """The partition a request names (`x-ms-documentdb-partitionkeyrangeid`); a range that
        has split is gone: 410/1002 tells the SDK to refresh its routing map."""
        partition = self.by_id.get(range_id.split(",")[0])
        if partition is None:
            raise CosmosError(
                410,
                f"Partition key range {range_id} is gone (split); refresh the routing map.",
                substatus=1002,
            )
        return partition

    def overlapping(self, low: str, high: str) -> list[PhysicalPartition]:
        """Ranges intersecting [low, high) (a point range when low == high)."""
        if low == high:
            return [self.for_epk(low)]
        return [p for p in self.partitions if p.min_inclusive < high and low < p.max_exclusive]

    def split_to(self, count: int) -> None:
        """Split the widest ranges until there are `count`; documents move by EPK.
        Every partition then gets a fresh budget for the new count."""
        while len(self.partitions) < count:
            parent = max(
                self.partitions,
                key=lambda p: (
                    min(_to_int(p.max_exclusive), _HASH_SPACE_END)
                    - (_to_int(p.min_inclusive) if p.min_inclusive else 0)
                ),
            )
            self._split(parent, count)
        self.generation += 1
        self.replace_budgets(self._new_budget)

    def _split(self, parent: PhysicalPartition, count: int) -> None:
        middle = split_point(parent.min_inclusive, parent.max_exclusive)
        lineage = [*parent.parents, parent.id]
        children = []
        for low, high in ((parent.min_inclusive, middle), (middle, parent.max_exclusive)):
            child = PhysicalPartition(
                str(self._next_id),
                low,
                high,
                lineage,
                self._new_index(),
                self._new_budget(0, count),
            )
            child.lsn = parent.lsn
            self._next_id += 1
            children.append(child)
        for key, document in parent.documents.items():
            epk = parent.epks[key]
            child = children[0] if epk < middle else children[1]
            child.documents[key] = document
            child.encoded[key] = parent.encoded[key]
            child.epks[key] = epk
            child.terms[key] = child.index.insert(key, document)
            child.rids[document["_rid"]] = key
        # Children continue the parent's LSNs, so a change feed continuation (an LSN) issued
        # by the parent resumes on each child without losing or repeating a change.
        for lsn, key in parent.changes.since(0):
            (children[0] if parent.epks[key] < middle else children[1]).changes.record(key, lsn)
        position = self.partitions.index(parent)
        self.partitions[position : position + 1] = children
        self._reindex()

    def replace_budgets(self, new_budget: Callable[[int, int], PartitionBudget]) -> None:
        self._new_budget = new_budget
        for position, partition in enumerate(self.partitions):
            partition.budget = new_budget(position, len(self.partitions))

    def replace_indexes(self, new_index: Callable[[], PartitionIndex]) -> None:
        self._new_index = new_index
        for partition in self.partitions:
            partition.rebuild_index(new_index())

    def resources(self, collection_rid: str) -> list[Mapping[str, Any]]:
        return [p.to_resource(collection_rid) for p in self.partitions]
