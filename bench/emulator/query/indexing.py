"""Per-partition indexes built from the container's indexing policy.

INTERFACE STUB: the query-engine work (issue 3) replaces this with real
inverted/range indexes. The storage calls `insert`/`remove` on every write
(a replace is remove-old + insert-new) and rebuilds the index when the
container's indexing policy is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class PartitionIndex:
    """Index of one physical partition's documents."""

    def __init__(self, policy: Mapping[str, Any], partition_key_paths: Sequence[str]) -> None:
        self.policy = policy
        self.partition_key_paths = list(partition_key_paths)

    def insert(self, key: Any, document: Mapping[str, Any]) -> int:
        """Index `document` under storage key `key`; return the number of index terms written
        (the indexed leaf paths), which the cost model charges for."""
        return _count_leaves(document)

    def remove(self, key: Any, document: Mapping[str, Any]) -> None:
        """Forget `document` (as it was stored) under `key`."""


def _count_leaves(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(_count_leaves(v) for k, v in value.items() if not str(k).startswith("_"))
    if isinstance(value, list):
        return sum(_count_leaves(v) for v in value)
    return 1
