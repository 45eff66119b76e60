"""Reading run directories and aggregating their request rows with pandas.

Example::

    from bench.rundata import load_run, summarize, write_summary

    summary = write_summary("reports/20261123-101500-catalog")  # also writes summary.json
    summary["operations"]["point_read"]["latency_ms"]["p99"]
"""

from bench.rundata.reading import load_requests
from bench.rundata.run import Run, Window, load_run
from bench.rundata.summary import summarize, write_summary

__all__ = ["Run", "Window", "load_requests", "load_run", "summarize", "write_summary"]
