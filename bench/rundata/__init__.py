"""The run directory, owned in one place: typed files, and figures streamed from its rows.

Example::

    from bench.rundata import load_run, operation_samples

    run = load_run("reports/20261123-101500-catalog")  # summary.json, computed if stale
    run.summary.operations["point_read"].latency_ms.p99
    operation_samples(run.directory, ["latency_ms"])["point_read"]["latency_ms"]
"""

from bench.rundata.figures import OperationStats, RunSummary
from bench.rundata.info import RunInfo, read_run_info, write_run_info
from bench.rundata.ledger import PartitionLedger, read_ledger, write_ledger
from bench.rundata.outcome import FAILED_OUTCOMES, Outcome
from bench.rundata.reading import load_requests
from bench.rundata.run import Run, load_run
from bench.rundata.samples import operation_samples
from bench.rundata.summary import load_summary, summarize, write_summary

__all__ = [
    "FAILED_OUTCOMES",
    "OperationStats",
    "Outcome",
    "PartitionLedger",
    "Run",
    "RunInfo",
    "RunSummary",
    "load_requests",
    "load_run",
    "load_summary",
    "operation_samples",
    "read_ledger",
    "read_run_info",
    "summarize",
    "write_ledger",
    "write_run_info",
    "write_summary",
]
