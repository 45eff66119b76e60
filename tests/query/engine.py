"""In-memory partitions for driving the engine directly (what the storage gives it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.emulator.query import PartitionIndex, QueryResult, execute


@dataclass
class MemoryPartition:
    """A `PartitionSource` kept current the way the storage keeps it (index on every write)."""

    id: str
    index: PartitionIndex
    documents: dict[Any, dict] = field(default_factory=dict)

    def put(self, document: Mapping[str, Any]) -> int:
        stored = json.loads(json.dumps(document))
        key = (json.dumps(stored.get("pk")), stored["id"])
        old = self.documents.get(key)
        self.documents[key] = stored
        if old is not None:
            return self.index.replace(key, old, stored).changed
        return self.index.insert(key, stored)

    def delete(self, document_id: str, pk: Any) -> None:
        key = (json.dumps(pk), document_id)
        self.index.remove(key, self.documents.pop(key))


def partitions_of(
    documents: Iterable[Mapping[str, Any]],
    policy: Mapping[str, Any] | None = None,
    *,
    count: int = 2,
    pk_path: str = "/pk",
) -> list[MemoryPartition]:
    """Spread documents over `count` partitions by partition key, as hashing would."""
    partitions = [
        MemoryPartition(str(i), PartitionIndex(policy or {}, [pk_path])) for i in range(count)
    ]
    keys: list[str] = []
    for document in documents:
        pk = json.dumps(document.get(pk_path.strip("/")))
        if pk not in keys:
            keys.append(pk)
        partitions[keys.index(pk) % count].put(document)
    return partitions


def run(
    query: str,
    partitions: Sequence[MemoryPartition],
    parameters: list[dict[str, Any]] | None = None,
    prefix: list[Any] | None = None,
    pk_paths: Sequence[str] = ("/pk",),
) -> QueryResult:
    return execute(
        query,
        parameters,
        partitions,
        partition_key_paths=list(pk_paths),
        partition_key_prefix=prefix,
    )
