"""Per-partition indexes built from the container's indexing policy.

What the service does, in miniature: every scalar at an included path is a
term `(path, value)` where array elements share the path segment `[]`
(so `/tags/[]/?` covers `c.tags[0]` and `c.tags[7]`). A term maps to the
set of documents holding it; equality and IN look terms up, ranges walk the
sorted distinct values of one path. Lookups may return a superset (a
generalized array path); the evaluator re-checks the filter on every hit.

The storage calls `insert`/`remove` on creates and deletes and `replace`
when a document is written over (only the terms that differ change, which
is also what the cost model charges), and builds a new index when the
container's indexing policy is replaced.

Each indexed path also records which documents hold an object or array
there, so IS_DEFINED is answered from the index (not charged as terms).

Each composite index holds one entry per document, whatever the document
holds at its paths ("If a path in a composite index doesn't exist in an item
or leads to a nonscalar value, a value is added to the index to indicate
that the path is undefined", index-policy.md): a write pays for that entry
like for any other index term. Queries read composite indexes through the
range indexes of their paths (same documents, one seek; see `composites.py`).
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.emulator.errors import CosmosError
from bench.emulator.query.values import RANK_ARRAY, RANK_NUMBER, RANK_STRING, sort_key

ARRAY_ITEM = "[]"
SYSTEM_PROPERTIES = frozenset({"_rid", "_self", "_etag", "_ts", "_attachments"})
DEFAULT_POLICY: Mapping[str, Any] = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": "/*"}],
    "excludedPaths": [{"path": '/"_etag"/?'}],
}
_MISSING = object()
_CONTAINER: Term = (RANK_ARRAY,)  # the one term of a path's object/array presence set
_PENDING_LIMIT = 1024  # new distinct values buffered before the sorted list is rebuilt

Path = tuple[str, ...]
Term = tuple  # sort_key(value): (type rank, comparable value)


@dataclass(frozen=True)
class PathPattern:
    """An includedPaths/excludedPaths entry: segments, then `?` (this scalar) or `*` (subtree)."""

    segments: Path
    subtree: bool

    def matches(self, path: Path) -> bool:
        if self.subtree:
            return path[: len(self.segments)] == self.segments
        return path == self.segments

    @property
    def precision(self) -> tuple[int, int]:
        """More segments wins; at equal depth `?` is more precise than `*` (service rule)."""
        return (len(self.segments), 0 if self.subtree else 1)


def parse_path(text: Any, *, terminal: bool = True) -> PathPattern:
    """Parse `/a/"b c"/[]/?`; raises CosmosError(400) in the service's words if malformed."""
    if not isinstance(text, str) or not text.startswith("/"):
        raise _bad_path(text, 0)
    if terminal and text == "/":
        # The first API version's root path, still accepted: the whole document, as `/*`.
        return PathPattern((), subtree=True)
    segments: list[str] = []
    pos = 1
    while pos <= len(text):
        if text.startswith('"', pos):
            close = text.find('"', pos + 1)
            if close == -1:
                raise _bad_path(text, pos)
            segments.append(text[pos + 1 : close])
            pos = close + 1
        else:
            end = text.find("/", pos)
            end = len(text) if end == -1 else end
            segment = text[pos:end]
            if not segment:
                raise _bad_path(text, pos)
            segments.append(segment)
            pos = end
        if pos < len(text) and text[pos] != "/":
            raise _bad_path(text, pos)
        pos += 1
    if not terminal:
        return PathPattern(tuple(segments), subtree=False)
    if not segments or segments[-1] not in ("?", "*"):
        raise _bad_path(text, len(text))
    return PathPattern(tuple(segments[:-1]), subtree=segments[-1] == "*")


def _bad_path(text: Any, position: int) -> CosmosError:
    return CosmosError(
        400,
        f"The indexing path '{text}' could not be accepted, failed near position '{position}'. "
        "Please ensure that the path is a valid path. Common errors include invalid characters "
        "or absence of quotes around labels.",
    )


@dataclass(frozen=True)
class CompositeIndex:
    paths: tuple[tuple[Path, bool], ...]  # (document path, descending)

    def entry(self, document: Mapping[str, Any]) -> tuple[Term | None, ...]:
        """The document's entry: each path's scalar term, None where undefined or nonscalar."""
        entry: list[Term | None] = []
        for path, _ in self.paths:
            value: Any = document
            for segment in path:
                value = value.get(segment, _MISSING) if type(value) is dict else _MISSING
            scalar = value is not _MISSING and type(value) not in (dict, list)
            entry.append(sort_key(value) if scalar else None)
        return tuple(entry)


class PathPolicy:
    """Decides, once per distinct path, whether the policy indexes the scalars found there."""

    def __init__(self, policy: Mapping[str, Any]) -> None:
        included = [parse_path(_entry_path(p)) for p in _entries(policy, "includedPaths")]
        excluded = [parse_path(_entry_path(p)) for p in _entries(policy, "excludedPaths")]
        self.rules = sorted(
            [(p, True) for p in included] + [(p, False) for p in excluded],
            key=lambda rule: (rule[0].precision, not rule[1]),
            reverse=True,
        )
        self._decisions: dict[Path, bool] = {}

    def is_indexed(self, path: Path) -> bool:
        decision = self._decisions.get(path)
        if decision is None:
            decision = next((inc for pattern, inc in self.rules if pattern.matches(path)), False)
            self._decisions[path] = decision
        return decision


def _entries(policy: Mapping[str, Any], name: str) -> list[Any]:
    entries = policy.get(name) or []
    if not isinstance(entries, list):
        raise CosmosError(
            400,
            f'The indexing policy\'s \'{name}\' must be a list of {{"path": "/..."}} '
            f"entries, not {json.dumps(entries)[:80]}.",
        )
    return entries


def _entry_path(entry: Any) -> Any:
    return entry.get("path") if isinstance(entry, Mapping) else entry


class _PathValues:
    """The terms of one path: documents per value, plus the values in sorted order for ranges."""

    __slots__ = ("by_term", "entries", "pending", "sorted_terms")

    def __init__(self) -> None:
        self.entries = 0  # (term, document) pairs: documents holding a scalar at a plain path
        self.by_term: dict[Term, set[Any]] = {}
        self.sorted_terms: list[Term] = []
        self.pending: list[Term] = []

    def add(self, term: Term, key: Any) -> None:
        keys = self.by_term.get(term)
        if keys is None:
            self.by_term[term] = {key}
            self.entries += 1
            self.pending.append(term)
            if len(self.pending) > max(_PENDING_LIMIT, len(self.sorted_terms) // 8):
                self._rebuild()
        elif key not in keys:
            keys.add(key)
            self.entries += 1

    def discard(self, term: Term, key: Any) -> None:
        keys = self.by_term.get(term)
        if keys is not None and key in keys:
            keys.remove(key)
            self.entries -= 1
            if not keys:
                del self.by_term[term]  # its sorted entry is skipped until the next rebuild

    def ordered(self, descending: bool) -> Iterator[tuple[Term, set[Any]]]:
        """Terms in ORDER BY order with their documents (a snapshot of the sorted terms)."""
        if self.pending or len(self.sorted_terms) > 2 * len(self.by_term):
            self._rebuild()
        by_term = self.by_term
        for term in reversed(self.sorted_terms) if descending else iter(self.sorted_terms):
            keys = by_term.get(term)
            if keys:
                yield term, keys

    def _rebuild(self) -> None:
        # Two sorted runs: Timsort merges them in linear time. Drop removed and repeated terms.
        merged = sorted(self.sorted_terms + sorted(self.pending))
        by_term = self.by_term
        self.sorted_terms = [t for t in dict.fromkeys(merged) if t in by_term]
        self.pending = []

    def range(self, low: Term, low_inclusive: bool, high: Term, high_inclusive: bool) -> set[Any]:
        if len(self.pending) > _PENDING_LIMIT or len(self.sorted_terms) > 2 * len(self.by_term):
            self._rebuild()
        terms = self.sorted_terms
        begin = (bisect.bisect_left if low_inclusive else bisect.bisect_right)(terms, low)
        end = (bisect.bisect_right if high_inclusive else bisect.bisect_left)(terms, high)
        selected = [t for t in terms[begin:end] if t in self.by_term]
        selected += [
            t
            for t in self.pending
            if _within(t, low, low_inclusive, high, high_inclusive) and t in self.by_term
        ]
        result: set[Any] = set()
        for term in set(selected):
            result |= self.by_term[term]
        return result


def _within(term: Term, low: Term, low_inc: bool, high: Term, high_inc: bool) -> bool:
    above = term >= low if low_inc else term > low
    below = term <= high if high_inc else term < high
    return above and below


@dataclass(frozen=True)
class IndexChange:
    """What re-indexing a document did: user terms removed + added, and the new total."""

    changed: int
    total: int


class _PathNode:
    """One path of the documents seen so far: its child paths and, if indexed, its terms
    and the documents holding an object or array there (for IS_DEFINED)."""

    __slots__ = ("children", "counted", "path", "present", "values")

    def __init__(
        self, path: Path, values: _PathValues | None, present: _PathValues | None, counted: int
    ) -> None:
        self.path = path
        self.values = values
        self.present = present
        self.counted = counted  # 1 for user properties, 0 for system ones (not charged)
        self.children: dict[str, _PathNode] = {}


IndexEntry = tuple[_PathValues, Term, int]  # (the path's terms, the term, 1 if charged)


class PartitionIndex:
    """Index of one physical partition's documents."""

    def __init__(self, policy: Mapping[str, Any], partition_key_paths: Sequence[str]) -> None:
        self.policy = dict(policy) if policy else dict(DEFAULT_POLICY)
        self.partition_key_paths = list(partition_key_paths)
        mode = str(self.policy.get("indexingMode", "consistent")).lower()
        self.enabled = mode != "none" and self.policy.get("automatic", True) is not False
        self.paths = PathPolicy(self.policy if self.enabled else {})
        self.composites = [_composite(c) for c in self.policy.get("compositeIndexes") or []]
        self._paths: dict[Path, _PathValues] = {}
        self._present: dict[Path, _PathValues] = {}
        self._root = _PathNode((), None, None, 0)
        self._sizes: dict[Any, int] = {}
        # First-insert order of every key ever seen: index hits come back in a stable order
        # (kept across remove+insert, so a replace does not move a document).
        self._positions: dict[Any, int] = {}

    # -- writes ----------------------------------------------------------
    def insert(self, key: Any, document: Mapping[str, Any]) -> int:
        """Index `document` under storage key `key`; return the number of index terms written
        for user properties (system properties are indexed too but not counted) and
        composite indexes (one entry each), which the cost model charges for."""
        self._sizes.pop(key, None)
        if key not in self._positions:
            self._positions[key] = len(self._positions)
        written = len(self.composites) if self.enabled else 0
        for values, term, counted in self._terms(document):
            values.add(term, key)
            written += counted
        return written

    def remove(self, key: Any, document: Mapping[str, Any]) -> None:
        """Forget `document` (as it was stored) under `key`."""
        self._sizes.pop(key, None)
        for values, term, _ in self._terms(document):
            values.discard(term, key)

    def replace(self, key: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> IndexChange:
        """Re-index `key` from `old` to `new`, touching only the terms that differ: what
        the service's index maintenance does on a replace, upsert or patch (and charges)."""
        self._sizes.pop(key, None)
        before, after = Counter(self._terms(old)), Counter(self._terms(new))
        changed = 0
        for (values, term, counted), count in (before - after).items():
            if (values, term, counted) not in after:
                values.discard(term, key)
            changed += counted * count
        for (values, term, counted), count in (after - before).items():
            values.add(term, key)
            changed += counted * count
        total = sum(counted * count for (_, _, counted), count in after.items())
        if self.enabled:
            # A composite entry that changes is removed and written again.
            changed += 2 * sum(c.entry(old) != c.entry(new) for c in self.composites)
            total += len(self.composites)
        return IndexChange(changed=changed, total=total)

    def _terms(self, document: Mapping[str, Any]) -> list[IndexEntry]:
        """Every index term of `document`: one per scalar at an indexed path, each array
        element its own term."""
        entries: list[IndexEntry] = []
        if self.enabled:
            self._collect(self._root, document.items(), entries)
        return entries

    def _collect(
        self, node: _PathNode, items: Iterable[tuple[str, Any]], entries: list[IndexEntry]
    ) -> None:
        """The write path of every document, kept tight: path nodes are found by name in a
        trie, so no path tuple is built per value."""
        children = node.children
        for name, value in items:
            child = children.get(name)
            if child is None:
                child = children[name] = self._new_node(node, name)
            kind = type(value)
            # An object or array there: recorded for IS_DEFINED, not charged (the model
            # prices scalar terms).
            if (kind is dict or kind is list) and child.present is not None:
                entries.append((child.present, _CONTAINER, 0))
            if kind is dict:
                self._collect(child, value.items(), entries)
                continue
            if kind is list:
                element = child.children.get(ARRAY_ITEM)
                if element is None:
                    element = child.children[ARRAY_ITEM] = self._new_node(child, ARRAY_ITEM)
                self._collect(child, [(ARRAY_ITEM, item) for item in value], entries)
                continue
            values = child.values
            if values is None:
                continue
            if kind is str:
                term: Term = (RANK_STRING, value)
            elif kind is int or kind is float:
                term = (RANK_NUMBER, value)
            else:
                term = sort_key(value)
            entries.append((values, term, child.counted))

    def _new_node(self, parent: _PathNode, name: str) -> _PathNode:
        path = (*parent.path, name)
        values = present = None
        if self.paths.is_indexed(path):
            values = self._paths[path] = _PathValues()
            present = self._present[path] = _PathValues()
        return _PathNode(path, values, present, int(path[0] not in SYSTEM_PROPERTIES))

    # -- reads -----------------------------------------------------------
    def is_indexed(self, path: Path) -> bool:
        return self.enabled and self.paths.is_indexed(path)

    def lookup_equal(self, path: Path, value: Any) -> set[Any]:
        values = self._paths.get(path)
        if values is None:
            return set()
        return values.by_term.get(sort_key(value), set())

    def lookup_defined(self, path: Path) -> set[Any]:
        """Documents holding anything at `path` (IS_DEFINED): a scalar, an object or an array
        (at an array path `[]`: any element, a superset for one position)."""
        found: set[Any] = set()
        values = self._paths.get(path)
        if values is not None:
            for keys in values.by_term.values():
                found |= keys
        present = self._present.get(path)
        if present is not None:
            found |= present.by_term.get(_CONTAINER, set())
        return found

    def lookup_range(
        self, path: Path, low: Term, low_inclusive: bool, high: Term, high_inclusive: bool
    ) -> set[Any]:
        values = self._paths.get(path)
        if values is None:
            return set()
        return values.range(low, low_inclusive, high, high_inclusive)

    def ordered(self, path: Path, descending: bool) -> Iterator[tuple[Term, list[Any]]]:
        """Walk one path's range index in ORDER BY order: (term, keys in stable order)."""
        values = self._paths.get(path)
        if values is None:
            return
        position = self.position
        for term, keys in values.ordered(descending):
            yield term, sorted(keys, key=position)

    def documents_with(self, path: Path) -> int:
        """How many documents hold a scalar at `path` (exact for paths without `[]`)."""
        values = self._paths.get(path)
        return 0 if values is None else values.entries

    def position(self, key: Any) -> int:
        """Stable ordering of documents found through the index."""
        return self._positions.get(key, -1)

    def document_size(self, key: Any, document: Mapping[str, Any]) -> int:
        """Stored size in bytes, cached until the document changes."""
        size = self._sizes.get(key)
        if size is None:
            text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
            size = self._sizes[key] = len(text.encode())
        return size

    def find_composite(self, order: Sequence[tuple[Path, bool]]) -> CompositeIndex | None:
        """A composite index serving this ORDER BY as is, or with every direction inverted."""
        wanted = tuple(order)
        inverted = tuple((path, not desc) for path, desc in order)
        return next((c for c in self.composites if c.paths in (wanted, inverted)), None)


def _composite(entries: Any) -> CompositeIndex:
    if not isinstance(entries, list) or len(entries) < 2:
        raise CosmosError(400, "A composite index must contain at least two paths.")
    paths = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise CosmosError(400, "Each composite index entry must be an object with a 'path'.")
        order = str(entry.get("order", "ascending")).lower()
        if order not in ("ascending", "descending"):
            raise CosmosError(
                400,
                f"Invalid composite index order '{entry.get('order')}': "
                "expected 'ascending' or 'descending'.",
            )
        pattern = parse_path(entry.get("path"), terminal=False)
        paths.append((pattern.segments, order == "descending"))
    return CompositeIndex(tuple(paths))


def string_prefix_range(prefix: str) -> tuple[Term, Term]:
    """The term range holding every string that starts with `prefix` (for STARTSWITH)."""
    return (RANK_STRING, prefix), (RANK_STRING, prefix + "\U0010ffff")


def rank_bounds(rank: int) -> tuple[Term, Term]:
    """The whole term range of one type (for `c.x > 5`: numbers above 5, nothing else)."""
    assert rank < RANK_ARRAY
    return (rank,), (rank + 1,)
