"""What one query execution did, and the two response headers that report it.

`x-ms-documentdb-query-metrics` is the service's `key=value;...` string
(the key names are those the SDKs' parsers read, e.g. `indexUtilizationRatio`);
`x-ms-cosmos-index-utilization` is base64 of a JSON object, which the Python
SDK decodes (`_utils.get_index_metrics_info`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

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
    # (filter text, index spec) pairs: indexes used, and indexes that would have served a scan.
    utilized_indexes: list[tuple[str, str]] = field(default_factory=list)
    potential_indexes: list[tuple[str, str]] = field(default_factory=list)
    utilized_composite_indexes: list[list[str]] = field(default_factory=list)

    @property
    def index_hit_ratio(self) -> float:
        if self.index_only:
            return 1.0
        if not self.retrieved_document_count:
            return 0.0
        return min(1.0, self.index_hit_document_count / self.retrieved_document_count)


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

    def single(entries: list[tuple[str, str]]) -> list[dict[str, object]]:
        return [
            {
                "FilterExpression": text,
                "IndexSpec": spec,
                "FilterPreciseSet": True,
                "IndexPreciseSet": True,
                "IndexImpactScore": "High",
            }
            for text, spec in entries
        ]

    document = {
        "UtilizedSingleIndexes": single(metrics.utilized_indexes),
        "PotentialSingleIndexes": single(metrics.potential_indexes),
        "UtilizedCompositeIndexes": [
            {"IndexSpecs": specs, "IndexPreciseSet": True, "IndexImpactScore": "High"}
            for specs in metrics.utilized_composite_indexes
        ],
        "PotentialCompositeIndexes": [],
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode()).decode("ascii")
