"""Partition keys on the wire and the partition key ranges they live in.

`PartitionKeyDefinition` turns a key value into the `x-ms-documentdb-partitionkey` header
(a JSON array, as the SDK writes it) and into its effective partition key (EPK, the hash
`bench.epk` computes exactly as the SDK does). `RoutingMap` is the container's ranges
from `GET .../pkranges`, searched by EPK; the client reads it again when a request is
answered 410/1002 (the range split) or a response names a range it does not know.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.epk import MAX_EPK, UNDEFINED, effective_partition_key


@dataclass(frozen=True)
class PartitionKeyDefinition:
    """A container's `partitionKey`: paths, `Hash` or `MultiHash`, hash version."""

    paths: tuple[str, ...]
    kind: str = "Hash"
    version: int = 2

    @classmethod
    def from_container(cls, properties: Mapping[str, Any]) -> PartitionKeyDefinition:
        definition = properties["partitionKey"]
        return cls(
            tuple(definition["paths"]),
            definition.get("kind", "Hash"),
            int(definition.get("version", 1)),
        )

    def components(self, value: Any) -> list[Any]:
        """The key's components: a list for hierarchical keys (a prefix is allowed)."""
        if self.kind == "MultiHash" and isinstance(value, list | tuple):
            return list(value)
        return [value]

    def header(self, value: Any) -> str:
        """`["p1"]`, `[5]`, `[null]`, `["a","b"]` (non-ASCII \\u-escaped, like the SDK)."""
        if self.kind == "Hash" and isinstance(value, str | int | float | None):
            return _single_header(type(value), value)
        wire = [{} if c is UNDEFINED else c for c in self.components(value)]
        if self.kind == "MultiHash":
            return json.dumps(wire, separators=(",", ":"))
        return json.dumps(wire)

    def epk(self, value: Any) -> str:
        return effective_partition_key(self.components(value), self.kind, self.version)

    def is_prefix(self, value: Any) -> bool:
        return self.kind == "MultiHash" and len(self.components(value)) < len(self.paths)

    def of_document(self, document: Mapping[str, Any]) -> Any:
        """The key value a document carries (UNDEFINED where a path is missing)."""
        values = [_value_at(document, parts) for parts in self._path_parts]
        return values if self.kind == "MultiHash" else values[0]

    @functools.cached_property
    def _path_parts(self) -> list[tuple[str, ...]]:
        return [tuple(path.strip("/").split("/")) for path in self.paths]


@functools.lru_cache(maxsize=65536)
def _single_header(kind: type, value: Any) -> str:
    """Keyed by type too: `True == 1`, but `[true]` is not `[1]`."""
    return json.dumps([value])


def _value_at(document: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    value: Any = document
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            return UNDEFINED
        value = value[part]
    return value


@dataclass(frozen=True)
class KeyRange:
    id: str
    min_inclusive: str
    max_exclusive: str
    parents: tuple[str, ...] = ()


class RoutingMap:
    """The ranges of one container, covering `""` to `"FF"`, searchable by EPK."""

    def __init__(self, ranges: Sequence[Mapping[str, Any]]) -> None:
        self.ranges = sorted(
            (
                KeyRange(
                    str(r["id"]),
                    r["minInclusive"],
                    r["maxExclusive"],
                    tuple(str(p) for p in r.get("parents") or ()),
                )
                for r in ranges
            ),
            key=lambda r: r.min_inclusive,
        )
        self.by_id = {r.id: r for r in self.ranges}
        self._lows = [r.min_inclusive for r in self.ranges]

    def range_of(self, epk: str) -> KeyRange:
        return self.ranges[bisect.bisect_right(self._lows, epk) - 1]

    def overlapping(self, low: str, high: str = MAX_EPK) -> list[KeyRange]:
        """Ranges intersecting [low, high), in EPK order."""
        return [r for r in self.ranges if r.min_inclusive < high and low < r.max_exclusive]
