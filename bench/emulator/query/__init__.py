"""The Cosmos DB NoSQL query engine (lexer -> parser -> planner -> evaluator).

`execute` runs a whole query over the physical partitions the HTTP layer
routed it to (that layer pages the result); the storage keeps each
partition's `PartitionIndex` current on every write. Usage:

    result = execute("SELECT * FROM c WHERE c.kind = @k", [{"name": "@k", "value": "a"}],
                     partitions, partition_key_paths=["/pk"])
    result.documents, query_charge(result.metrics)

For clients reading a query before they send it: `check_syntax` (does it parse) and
`partition_key_parameters` (which parameters pin its partition key); for advising an
indexing policy, `query_paths` (which document paths it filters, sorts, aggregates on).
"""

from bench.emulator.query.execution import QueryResult, check_syntax, execute, fan_out_plan
from bench.emulator.query.indexing import PartitionIndex
from bench.emulator.query.loader import PartitionSource
from bench.emulator.query.metrics import (
    QueryMetrics,
    index_metrics_header,
    index_metrics_v2_header,
    query_metrics_header,
)
from bench.emulator.query.partition_scope import partition_key_parameters
from bench.emulator.query.partitioned import PartitionedPlan
from bench.emulator.query.query_paths import QueryPaths, query_paths

__all__ = [
    "PartitionIndex",
    "PartitionSource",
    "PartitionedPlan",
    "QueryMetrics",
    "QueryPaths",
    "QueryResult",
    "check_syntax",
    "execute",
    "fan_out_plan",
    "index_metrics_header",
    "index_metrics_v2_header",
    "partition_key_parameters",
    "query_metrics_header",
    "query_paths",
]
