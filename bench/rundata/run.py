"""One run directory, typed: what ran (run.json), the ledger, the workload and the summary.

No request rows are held: every figure a job shows is in the summary, and a
comparison draws bounded samples (`operation_samples`) when it needs rows.

Example::

    run = load_run("reports/20261123-101500-catalog")
    run.summary.window.duration_s, run.info.provisioned_rus, run.summary.rows.operations
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.rundata.figures import RunSummary
from bench.rundata.info import RunInfo, read_run_info
from bench.rundata.ledger import PartitionLedger, read_ledger
from bench.rundata.reading import run_directory
from bench.rundata.summary import load_summary


@dataclass(frozen=True)
class Run:
    """A loaded run directory: run.json, partitions.json (None when the target kept no
    ledger), workload.toml (None when absent) and the summary of its rows."""

    directory: Path
    info: RunInfo
    ledger: PartitionLedger | None
    workload_text: str | None
    summary: RunSummary

    @property
    def name(self) -> str:
        return self.info.name or self.directory.name

    @property
    def label(self) -> str:
        """How comparisons name this run: the directory, which is unique per run."""
        return self.directory.name


def load_run(run_dir: str | Path) -> Run:
    """The run's files and its summary (summary.json when current, else computed)."""
    directory = run_directory(run_dir)
    workload = directory / "workload.toml"
    return Run(
        directory=directory,
        info=read_run_info(directory),
        ledger=read_ledger(directory),
        workload_text=workload.read_text(encoding="utf-8", errors="replace")
        if workload.exists()
        else None,
        summary=load_summary(directory),
    )
