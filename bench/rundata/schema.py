"""The columns of `requests/*.parquet`, as docs/run-directory.md defines them.

One place for the names and types, so the recorder that writes parts and the
readers that aggregate them cannot drift apart.
"""

from __future__ import annotations

import pyarrow as pa

REQUEST_SCHEMA = pa.schema(
    [
        ("timestamp", pa.float64()),
        ("operation", pa.string()),
        ("kind", pa.string()),
        ("latency_ms", pa.float64()),
        ("ru", pa.float64()),
        ("status", pa.int32()),
        ("substatus", pa.int32()),
        ("outcome", pa.string()),
        ("bytes", pa.int64()),
        ("item_count", pa.int32()),
        ("pk_range", pa.string()),
        ("partitions", pa.int32()),
        ("attempts", pa.int32()),
        ("throttled", pa.int32()),
        ("throttle_wait_ms", pa.float64()),
        ("retrieved_docs", pa.float64()),
        ("output_docs", pa.float64()),
        ("index_hit_ratio", pa.float64()),
        ("worker", pa.string()),
    ]
)

# The `kind` of rows that record requests the SDK made on its own (partition key
# ranges, container reads): charged by the target, but no operation of the workload.
METADATA_KIND = "metadata"

# Optional: the partition key value of a point operation ("" when none). Lets
# findings name the hot key; runs without it still load.
PARTITION_KEY_COLUMN = "partition_key"

# Optional: what the target said about indexes for a query call that asked for index
# metrics (a sample of each query operation's calls), as decoded JSON; "null" when the
# call asked and the target sent none (unknown), "" when the call did not ask.
INDEX_METRICS_COLUMN = "index_metrics"
NOT_REPORTED = "null"

# Low-cardinality text columns, loaded as pandas categoricals to keep ten
# million rows small and groupbys fast.
CATEGORICAL_COLUMNS = ("operation", "kind", "outcome", "pk_range", "worker", PARTITION_KEY_COLUMN)

# What the summary and the report read; the rest stays on disk.
ANALYSIS_COLUMNS = (
    "timestamp",
    "operation",
    "kind",
    "latency_ms",
    "ru",
    "status",
    "outcome",
    "bytes",
    "item_count",
    "pk_range",
    "partitions",
    "attempts",
    "throttled",
    "retrieved_docs",
    "output_docs",
    "index_hit_ratio",
    PARTITION_KEY_COLUMN,
)
