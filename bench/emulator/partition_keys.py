"""Partition key definitions and values: validation, extraction from documents, the header.

A logical partition is identified by its canonical key (the JSON of its
component list, with integral floats written as integers so `5` and `5.0`
are the same partition, as in the service).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import bench.emulator.jsonin as jsonin
from bench.emulator.epk import UNDEFINED, effective_partition_key
from bench.emulator.errors import CosmosError

MAX_HIERARCHY_DEPTH = 3
WRONG_PK_HELP = "https://aka.ms/CosmosDB/sql/errors/wrong-pk-value"


class LogicalKey(NamedTuple):
    """A partition key value: its components and its canonical JSON (the logical
    partition's identity, the first half of every storage key, the EPK cache key)."""

    components: tuple[Any, ...]
    canonical: str

    @classmethod
    def of(cls, components: Sequence[Any]) -> LogicalKey:
        return cls(tuple(components), canonical(components))

    def wire_components(self) -> list[Any]:
        """The components as the SDK writes them (`{}` for "no value"): what the query
        engine takes as a partition-key scope."""
        return [_normal(c) for c in self.components]


@dataclass(frozen=True)
class PartitionKeyDefinition:
    paths: tuple[str, ...]
    kind: str
    version: int

    @classmethod
    def from_body(cls, body: Any) -> PartitionKeyDefinition:
        """Validate a container's `partitionKey` (400 with what is allowed otherwise)."""
        if not isinstance(body, Mapping):
            raise CosmosError(400, "The container's 'partitionKey' must be an object with 'paths'.")
        paths = body.get("paths")
        kind = body.get("kind", "Hash")
        version = body.get("version", 1)
        if kind not in ("Hash", "MultiHash"):
            raise CosmosError(400, f"partitionKey.kind {kind!r} is invalid: use Hash or MultiHash.")
        if version not in (1, 2):
            raise CosmosError(400, f"partitionKey.version {version!r} is invalid: use 1 or 2.")
        limit = MAX_HIERARCHY_DEPTH if kind == "MultiHash" else 1
        if isinstance(paths, list) and len(paths) > limit:
            raise CosmosError(
                400,
                f"Too many partition key paths ({len(paths)}) specified: a {kind} key takes at "
                f"most {limit}.",
            )
        if (
            not isinstance(paths, list)
            or not paths
            or not all(isinstance(p, str) and p.startswith("/") and len(p) > 1 for p in paths)
        ):
            raise CosmosError(
                400,
                f"partitionKey.paths {paths!r} is invalid: a {kind} key takes 1"
                f"{f' to {limit}' if limit > 1 else ''} path(s) like '/pk'.",
            )
        if kind == "MultiHash" and version != 2:
            raise CosmosError(400, "Hierarchical (MultiHash) partition keys require version 2.")
        for path in paths:
            _path_segments(path)
        return cls(tuple(paths), kind, version)

    def to_body(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "kind": self.kind, "version": self.version}

    @cached_property
    def segments(self) -> tuple[tuple[str, ...], ...]:
        return tuple(_path_segments(p) for p in self.paths)

    def extract(self, document: Mapping[str, Any]) -> LogicalKey:
        """The document's key (UNDEFINED where a path is missing)."""
        components = []
        for segments in self.segments:
            value: Any = document
            for segment in segments:
                if isinstance(value, Mapping) and segment in value:
                    value = value[segment]
                else:
                    value = UNDEFINED
                    break
            if isinstance(value, Mapping | list):
                value = UNDEFINED
            components.append(value)
        return LogicalKey.of(components)

    def epk(self, key: LogicalKey) -> str:
        return self.epk_of(key.canonical)

    def epk_of(self, canonical_key: str) -> str:
        return _cached_epk(canonical_key, self.kind, self.version)


@lru_cache(maxsize=65536)
def _cached_epk(canonical_key: str, kind: str, version: int) -> str:
    return effective_partition_key(_components_of(canonical_key), kind, version)


def _components_of(canonical_key: str) -> list[Any]:
    return [UNDEFINED if c == {} else c for c in json.loads(canonical_key)]


def _path_segments(path: str) -> tuple[str, ...]:
    """`/a/"b c"/'d/e'` -> `("a", "b c", "d/e")`: a segment in double or single quotes may hold
    `/` (and its quote, escaped by a backslash), as the SDK and the service read paths."""
    segments = []
    position = 0
    while position < len(path):
        if path[position] != "/":
            raise _bad_path(path)
        position += 1
        if position < len(path) and path[position] in "\"'":
            quote = path[position]
            end = path.find(quote, position + 1)
            while end != -1 and path[end - 1] == "\\":
                end = path.find(quote, end + 1)
            if end == -1:
                raise _bad_path(path)
            segments.append(path[position + 1 : end])
            position = end + 1
        else:
            end = path.find("/", position)
            end = len(path) if end == -1 else end
            segments.append(path[position:end])
            position = end
    if not segments or not all(segments):
        raise _bad_path(path)
    return tuple(segments)


def _bad_path(path: str) -> CosmosError:
    return CosmosError(
        400,
        f"The partition key path {path!r} is invalid: use '/name' segments; quote a segment with "
        "\" or ' to include '/'.",
    )


def _normal(component: Any) -> Any:
    if component is UNDEFINED:
        return {}
    if isinstance(component, float) and component.is_integer() and abs(component) < 2**53:
        return int(component)
    return component


def canonical(components: Sequence[Any]) -> str:
    """The identity of a logical partition (and the first half of a document's storage key)."""
    return json.dumps([_normal(c) for c in components], separators=(",", ":"))


@lru_cache(maxsize=65536)
def parse_header(value: str) -> LogicalKey:
    """Parse `x-ms-documentdb-partitionkey` (a JSON array; `{}` means "no value").
    Cached by the exact header text: a hot key is parsed once."""
    try:
        parsed = jsonin.loads(value, "The partition key header")
    except CosmosError:
        parsed = None
    if not isinstance(parsed, list) or len(parsed) > MAX_HIERARCHY_DEPTH:
        raise CosmosError(
            400,
            f"The partition key header {value!r} is invalid: expected a JSON array of up to "
            f'{MAX_HIERARCHY_DEPTH} values, e.g. ["p1"].',
        )
    components = []
    for item in parsed:
        if isinstance(item, Mapping) and not item:
            components.append(UNDEFINED)
        elif item is None or isinstance(item, bool | int | float | str):
            components.append(item)
        else:
            raise CosmosError(
                400,
                f"The partition key header {value!r} is invalid: components must be strings, "
                "numbers, booleans, null or {}.",
            )
    return LogicalKey.of(components)


# Sub-status of "wrong partition key" answers (the SDK's SubStatusCodes.PARTITION_KEY_MISMATCH).
PARTITION_KEY_MISMATCH = 1001


def check_matches(header: LogicalKey, document: LogicalKey) -> None:
    if header.canonical != document.canonical:
        raise CosmosError(
            400,
            "PartitionKey extracted from document doesn't match the one specified in the header. "
            f"Learn more: {WRONG_PK_HELP}",
            substatus=PARTITION_KEY_MISMATCH,
        )
