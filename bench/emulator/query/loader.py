"""Loads the documents a query needs from each partition, and records what that cost.

Three ways, as on the service: index lookups when the filter allows them
(the candidates are loaded in a stable order); an ordered walk of a range
index for `ORDER BY` with TOP/LIMIT, which stops once enough rows came out;
otherwise a full scan. Everything loaded counts in `QueryMetrics`.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from bench.emulator.query.composites import FilterComposite, composite_spec, filter_composites
from bench.emulator.query.evaluator import CompiledQuery, Compiler, Row
from bench.emulator.query.indexing import (
    ARRAY_ITEM,
    CompositeIndex,
    PartitionIndex,
    Path,
    parse_path,
)
from bench.emulator.query.metrics import (
    CompositeIndexUse,
    QueryMetrics,
    SingleIndexUse,
    add_once,
)
from bench.emulator.query.planner import (
    AnyOf,
    Lookup,
    Plan,
    index_spec,
    lookup_options,
    partition_key_lookups,
)
from bench.emulator.query.values import UNDEFINED, deep_equal


class PartitionSource(Protocol):
    """What the engine reads from one physical partition (the storage provides it)."""

    id: str
    documents: Mapping[Any, dict]  # stored documents (with system properties) by storage key
    index: PartitionIndex


class DocumentLoader:
    """Finds, loads and counts the documents of one query execution."""

    def __init__(
        self,
        plan: Plan,
        compiler: Compiler,
        base: Row,
        metrics: QueryMetrics,
        partition_key_paths: Sequence[str],
        partition_key_prefix: Sequence[Any] | None,
        visible: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> None:
        self.plan = plan
        self.visible = visible
        self.base = base
        self.metrics = metrics
        self.filter_paths: set[Path] = set()  # paths whose index narrowed the filter
        self.filter_composites = filter_composites(plan.lookups)
        self.scope_lookups: list[Lookup] = []
        self.in_scope: Callable[[Mapping[str, Any]], bool] | None = None
        self.scope_exact = True  # the scope's index lookups alone find exactly its documents
        if partition_key_prefix:
            self.scope_lookups = partition_key_lookups(
                partition_key_paths, partition_key_prefix, compiler
            )
            self.in_scope = _scope_filter(partition_key_paths, partition_key_prefix)
            self.scope_exact = len(self.scope_lookups) == len(partition_key_prefix)

    # -- lookups and scans -------------------------------------------------
    def documents(self, partitions: Sequence[PartitionSource]) -> Iterator[dict]:
        for partition in partitions:
            yield from self._partition(partition)

    def _partition(self, partition: PartitionSource) -> Iterator[dict]:
        index, stored, metrics = partition.index, partition.documents, self.metrics
        started = time.perf_counter()
        hits = self._lookup(index, self.plan.lookups, record=True)
        scope = self._lookup(index, self.scope_lookups, record=False)
        if scope is not None:  # the service reports the partition key's index as used
            _note(self.metrics.utilized_indexes, self.scope_lookups)
        self._add_time("indexLookupTimeInMs", started)
        if hits is not None:
            metrics.index_hit_document_count += len(hits if scope is None else hits & scope)
        candidates = hits if scope is None else scope if hits is None else hits & scope
        if candidates is None:
            # A list, not the live keys: a sliced execution pauses while writes go on.
            keys: Any = list(stored)
            scanning = True
        elif len(candidates) * 8 > len(stored):
            keys = [key for key in stored if key in candidates]
            scanning = False
        else:
            keys = sorted(candidates, key=index.position)
            scanning = False
        for key in keys:
            document = stored.get(key)
            if document is None:
                continue
            if scanning:
                metrics.scanned_document_count += 1
            if self.in_scope is not None and not self.in_scope(document):
                continue
            if self.visible is not None and not self.visible(document):
                continue
            self._loaded(index, key, document)
            yield document

    def count_from_index(self, partitions: Sequence[PartitionSource]) -> int | None:
        """`SELECT VALUE COUNT(1)` counted from index entries, loading no document (as the
        service answers it); None when a document would have to be read (a path the policy
        does not index, a constant the index cannot serve, hidden documents)."""
        if not self.plan.count_from_index or self.visible is not None or not self.scope_exact:
            return None
        lookups = [o for lookup in self.plan.lookups for o in lookup_options(lookup)]
        if not all(p.index.is_indexed(o.path) for p in partitions for o in lookups):
            return None
        real, self.metrics = self.metrics, QueryMetrics()  # kept only if the index answers
        started = time.perf_counter()
        try:
            total = 0
            for partition in partitions:
                hits = self._lookup(partition.index, self.plan.lookups, record=True)
                scope = self._lookup(partition.index, self.scope_lookups, record=False)
                if (self.plan.lookups and hits is None) or (self.scope_lookups and scope is None):
                    return None
                if scope is not None:
                    _note(self.metrics.utilized_indexes, self.scope_lookups)
                keys = hits if scope is None else scope if hits is None else hits & scope
                total += len(partition.documents) if keys is None else len(keys)
            counted = self.metrics
        finally:
            self.metrics = real
        real.index_lookup_count += counted.index_lookup_count
        real.index_hit_document_count += total
        real.add_index_uses(counted)
        real.index_only = True
        self._add_time("indexLookupTimeInMs", started)
        return total

    def _loaded(self, index: PartitionIndex, key: Any, document: dict) -> None:
        self.metrics.retrieved_document_count += 1
        self.metrics.retrieved_document_size += index.document_size(key, document)

    def _lookup(
        self, index: PartitionIndex, lookups: Sequence[Lookup | AnyOf], *, record: bool
    ) -> set[Any] | None:
        """Intersection of the usable lookups' results; None when none is usable (scan).
        Lookups a composite index of the policy serves together count as one index seek."""
        served = self._composite_lookups(index) if record else {}
        sought: set[FilterComposite] = set()
        found: list[set[Any]] = []
        for lookup in lookups:
            options = lookup_options(lookup)
            if not all(index.is_indexed(o.path) for o in options):
                if record:
                    _note(self.metrics.potential_indexes, options)
                continue
            composite = served.get(id(lookup))
            union: set[Any] | None = set()
            for option in options:
                if composite is None or composite[0] not in sought:
                    self.metrics.index_lookup_count += 1
                keys = option.run(index, self.base)
                if keys is None:
                    union = None
                    break
                union |= keys
            if union is None:
                continue
            found.append(union)
            if not record:
                continue
            self.filter_paths.update(o.path for o in options)
            if composite is None:
                _note(self.metrics.utilized_indexes, options)
            else:
                sought.add(composite[0])
                add_once(self.metrics.utilized_composite_indexes, _composite_use(composite[1]))
        if not found:
            return None
        found.sort(key=len)
        result = set(found[0])
        for keys in found[1:]:
            result &= keys
        return result

    def _composite_lookups(
        self, index: PartitionIndex
    ) -> dict[int, tuple[FilterComposite, CompositeIndex]]:
        """The filter's lookups a composite index of the policy serves (by lookup id), and
        the composite indexes the service would suggest for the rest, noted as potential."""
        served: dict[int, tuple[FilterComposite, CompositeIndex]] = {}
        for candidate in self.filter_composites:
            match = next((c for c in index.composites if candidate.served_by(c)), None)
            if match is None:
                add_once(
                    self.metrics.potential_composite_indexes,
                    CompositeIndexUse(tuple(candidate.specs()), index_precise=False),
                )
            elif all(index.is_indexed(path) for path in candidate.paths):
                for lookup in candidate.lookups:
                    served.setdefault(id(lookup), (candidate, match))
        return served

    def _add_time(self, name: str, started: float) -> None:
        timings = self.metrics.timings_ms
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - started) * 1000

    # -- ORDER BY ----------------------------------------------------------
    def ordered_documents(
        self, compiled: CompiledQuery, partitions: Sequence[PartitionSource]
    ) -> Iterator[dict] | None:
        """Documents in ORDER BY order straight from a range index, loaded lazily; None when
        the index cannot give that order (or the filter has a better index to use)."""
        order = self.plan.order_paths
        if (
            order is None
            or len(order) != 1
            or ARRAY_ITEM in order[0][0]
            or not compiled.source_is_container
            or compiled.joins
            or compiled.aggregate
            or compiled.distinct
            or (compiled.top is None and compiled.limit is None)
            or self.in_scope is not None
            or not partitions
        ):
            return None
        path, descending = order[0]
        for partition in partitions:
            index = partition.index
            if not index.is_indexed(path):
                return None
            # Documents without a scalar there sort around the indexed ones: fall back.
            if index.documents_with(path) != len(partition.documents):
                return None
            if any(
                all(index.is_indexed(o.path) for o in lookup_options(lk))
                for lk in self.plan.lookups
            ):
                return None
        streams = [self._ordered_partition(p, path, descending) for p in partitions]
        merged = heapq.merge(*streams, key=lambda pair: pair[0], reverse=descending)
        return (document for _, document in merged)

    def _ordered_partition(
        self, partition: PartitionSource, path: Path, descending: bool
    ) -> Iterator[tuple[tuple, dict]]:
        index, stored = partition.index, partition.documents
        for term, keys in index.ordered(path, descending):
            for key in keys:
                document = stored.get(key)
                if document is None or (self.visible is not None and not self.visible(document)):
                    continue
                self._loaded(index, key, document)
                yield term, document

    def record_order_by(self, partitions: Sequence[PartitionSource]) -> None:
        """Whether the ORDER BY was served by an index: a single path's range index, or the
        composite index a multi-path ORDER BY requires. A filter on a path the ORDER BY
        does not list makes the service sort: it serves `WHERE a = 1 ORDER BY b` from the
        range indexes even with a composite (a, b), and `ORDER BY a, b` from the composite
        (index-policy.md, "Queries with a filter and ORDER BY")."""
        plan, metrics = self.plan, self.metrics
        if not plan.order_by:
            return
        if plan.order_paths is None or not partitions:
            metrics.in_memory_sort = True
            return
        order_paths = [p for p, _ in plan.order_paths]
        if self.filter_paths - set(order_paths):
            metrics.in_memory_sort = True
            return
        if len(order_paths) == 1:
            path = order_paths[0]
            order_use = SingleIndexUse(
                f"ORDER BY ROOT{_dotted(path)}", index_spec(path), ARRAY_ITEM not in path
            )
            add_once(metrics.utilized_indexes, order_use)
            return
        composite = partitions[0].index.find_composite(plan.order_paths)
        if composite is None:  # check_order_by refused the query already
            metrics.in_memory_sort = True
            return
        add_once(metrics.utilized_composite_indexes, _composite_use(composite))


def _composite_use(composite: CompositeIndex) -> CompositeIndexUse:
    return CompositeIndexUse(tuple(composite_spec(p, d) for p, d in composite.paths))


def _note(entries: list[SingleIndexUse], options: Sequence[Lookup]) -> None:
    for option in options:
        precise = ARRAY_ITEM not in option.path
        use = SingleIndexUse(option.text, index_spec(option.path), precise, impact=option.impact)
        add_once(entries, use)


def _dotted(path: Path) -> str:
    return "".join("[]" if s == ARRAY_ITEM else f".{s}" for s in path)


def _scope_filter(
    paths: Sequence[str], prefix: Sequence[Any]
) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a document's partition-key values start with `prefix` (`{}`: no value)."""
    wanted = [
        (parse_path(path, terminal=False).segments, UNDEFINED if value == {} else value)
        for path, value in zip(paths, prefix, strict=False)
    ]

    def in_scope(document: Mapping[str, Any]) -> bool:
        for segments, value in wanted:
            current: Any = document
            for segment in segments:
                current = current.get(segment, UNDEFINED) if type(current) is dict else UNDEFINED
            if value is UNDEFINED:
                if current is not UNDEFINED:
                    return False
            elif not deep_equal(current, value):
                return False
        return True

    return in_scope
