"""Run directories with known answers, built row by row for the report tests."""

from __future__ import annotations

from bench.perf.synthetic_run import STARTED_AT, make_run, requests_frame, spread

__all__ = ["STARTED_AT", "make_run", "requests_frame", "spread"]
