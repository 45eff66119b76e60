"""What one query execution did, and the two response headers that report it.

`x-ms-documentdb-query-metrics` is the service's `key=value;...` string
(the key names are those the SDKs' parsers read, e.g. `indexUtilizationRatio`);
`x-ms-cosmos-index-utilization` answers `x-ms-cosmos-populateindexmetrics`
(what azure-cosmos 4.17.1 sends) with base64 of a JSON object, which the
Python SDK decodes (`_utils.get_index_metrics_info`); its field names are
those of the service's document (index-metrics.md) and of the .NET SDK's
`SingleIndexUtilizationEntity` / `CompositeIndexUtilizationEntity`. The newer
`x-ms-cosmos-populateindexmetrics-V2` (the .NET and JavaScript SDKs) is
answered in the same header with the URL-encoded JSON of the .NET SDK's
`IndexMetricsInfo`: `{"Utilized": {"SingleIndexes", "CompositeIndexes"},
"Potential": {...}}`, each entry only its spec(s) and impact score.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import TypeVar

TIMING_KEYS = (
    "totalExecutionTimeInMs",
    "queryCompileTimeInMs",
    "queryLogicalPlanBuildTimeInMs",
    "queryPhysicalPlanBuildTimeInMs",
    "queryOptimizationTimeInMs",
    "VMExecutionTimeInMs",
    "indexLookupTimeInMs",
    "documentLoadTimeInMs",
    "systemFunctionExecuteTimeInMs",
    "userFunctionExecuteTimeInMs",
)


_Entry = TypeVar("_Entry")
HIGH_IMPACT = "High"  # the service's IndexImpactScore values: "High" or "Low"
LOW_IMPACT = "Low"


@dataclass(frozen=True)
class SingleIndexUse:
    """One entry of UtilizedSingleIndexes / PotentialSingleIndexes."""

    filter_expression: str  # the filter the index serves ("" for the partition-key scope)
    index_spec: str  # `/name/?`
    # The index returns exactly the documents the filter selects; False for a generalized
    # array path (`/tags/[]/?`), whose lookup returns a superset the filter re-checks.
    index_precise: bool = True
    filter_precise: bool = True
    impact: str = HIGH_IMPACT

    def document(self) -> dict[str, object]:
        return {
            "FilterExpression": self.filter_expression,
            "IndexSpec": self.index_spec,
            "FilterPreciseSet": self.filter_precise,
            "IndexPreciseSet": self.index_precise,
            "IndexImpactScore": self.impact,
        }


@dataclass(frozen=True)
class CompositeIndexUse:
    """One entry of UtilizedCompositeIndexes / PotentialCompositeIndexes."""

    index_specs: tuple[str, ...]  # (`/name ASC`, `/age ASC`)
    # The service sends false for the composite indexes it suggests (the V1 sample for
    # `name = 'Julien' AND age > 12` in the .NET SDK's IndexUtilizationInfoTests).
    index_precise: bool = True
    impact: str = HIGH_IMPACT

    def document(self) -> dict[str, object]:
        return {
            "IndexSpecs": list(self.index_specs),
            "IndexPreciseSet": self.index_precise,
            "IndexImpactScore": self.impact,
        }


@dataclass
class QueryMetrics:
    """What one execution did; the cost model charges from it and it feeds the metrics header."""

    retrieved_document_count: int = 0
    retrieved_document_size: int = 0  # bytes of the documents loaded
    output_document_count: int = 0
    output_document_size: int = 0  # bytes of the results
    index_lookup_count: int = 0  # index seeks/range scans performed
    index_hit_document_count: int = 0  # documents found through an index
    scanned_document_count: int = 0  # documents visited by a full scan
    partitions_touched: int = 0
    in_memory_sort: bool = False  # ORDER BY not served by an index
    index_only: bool = False  # answered from the index alone (COUNT), no document loaded
    timings_ms: dict[str, float] = field(default_factory=dict)  # keyed by TIMING_KEYS names
    # Indexes used, and indexes that would have served what was scanned or sorted.
    utilized_indexes: list[SingleIndexUse] = field(default_factory=list)
    potential_indexes: list[SingleIndexUse] = field(default_factory=list)
    utilized_composite_indexes: list[CompositeIndexUse] = field(default_factory=list)
    potential_composite_indexes: list[CompositeIndexUse] = field(default_factory=list)

    @property
    def index_hit_ratio(self) -> float:
        if self.index_only:
            return 1.0
        if not self.retrieved_document_count:
            return 0.0
        return min(1.0, self.index_hit_document_count / self.retrieved_document_count)

    def add_index_uses(self, other: QueryMetrics) -> None:
        """Take the index entries `other` recorded that this one lacks."""
        for mine, theirs in (
            (self.utilized_indexes, other.utilized_indexes),
            (self.potential_indexes, other.potential_indexes),
            (self.utilized_composite_indexes, other.utilized_composite_indexes),
            (self.potential_composite_indexes, other.potential_composite_indexes),
        ):
            for entry in theirs:
                add_once(mine, entry)


def add_once(entries: list[_Entry], entry: _Entry) -> None:
    """Index entries are listed once per query, however many partitions used them."""
    if entry not in entries:
        entries.append(entry)


def query_metrics_header(metrics: QueryMetrics) -> str:
    """The `x-ms-documentdb-query-metrics` value, in the service's `key=value;...` format."""
    timings = metrics.timings_ms
    parts = [f"{key}={timings.get(key, 0.0):.2f}" for key in TIMING_KEYS[:6]]
    parts.append(f"indexLookupTimeInMs={timings.get('indexLookupTimeInMs', 0.0):.2f}")
    parts.append("instructionCount=0")
    parts += [f"{key}={timings.get(key, 0.0):.2f}" for key in TIMING_KEYS[7:]]
    parts += [
        f"retrievedDocumentCount={metrics.retrieved_document_count}",
        f"retrievedDocumentSize={metrics.retrieved_document_size}",
        f"outputDocumentCount={metrics.output_document_count}",
        f"outputDocumentSize={metrics.output_document_size}",
        f"writeOutputTimeInMs={timings.get('writeOutputTimeInMs', 0.0):.2f}",
        f"indexUtilizationRatio={metrics.index_hit_ratio:.2f}",
    ]
    return ";".join(parts)


def index_metrics_header(metrics: QueryMetrics) -> str:
    """The `x-ms-cosmos-index-utilization` value: base64 of the service's JSON document."""
    document = {
        "UtilizedSingleIndexes": [e.document() for e in metrics.utilized_indexes],
        "PotentialSingleIndexes": [e.document() for e in metrics.potential_indexes],
        "UtilizedCompositeIndexes": [e.document() for e in metrics.utilized_composite_indexes],
        "PotentialCompositeIndexes": [e.document() for e in metrics.potential_composite_indexes],
    }
    return base64.b64encode(_json_bytes(document)).decode("ascii")


def index_metrics_v2_header(metrics: QueryMetrics) -> str:
    """The same header's value for `x-ms-cosmos-populateindexmetrics-V2`: URL-encoded JSON."""

    def entity(singles: list[SingleIndexUse], composites: list[CompositeIndexUse]) -> dict:
        return {
            "SingleIndexes": [
                {"IndexSpec": e.index_spec, "IndexImpactScore": e.impact} for e in singles
            ],
            "CompositeIndexes": [
                {"IndexSpecs": list(e.index_specs), "IndexImpactScore": e.impact}
                for e in composites
            ],
        }

    document = {
        "Utilized": entity(metrics.utilized_indexes, metrics.utilized_composite_indexes),
        "Potential": entity(metrics.potential_indexes, metrics.potential_composite_indexes),
    }
    return urllib.parse.quote(_json_bytes(document), safe="")


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
