"""Run -> summarise -> report: what `rubench run`, `compare-keys` and `demo` do with a
workload. The harness records and nothing else; this composes it with the summary and the
run report, so a job gets the loaded `Run` (its rows summarised once) to build on::

    with target_for("local") as target:
        run = run_and_report(workload, target, RunSettings(users=10, duration_s=20))
    run.summary.totals.ru_per_s, run.directory / "report.html"
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.files import timestamped_directory
from bench.harness.run import RunSettings, run_workload
from bench.harness.target import Target
from bench.harness.workload import Workload
from bench.report import write_run_report
from bench.rundata import Run, load_run


def run_and_report(workload: Workload, target: Target, settings: RunSettings) -> Run:
    """Record a run, then write its summary.json and report.html. A run that fails, loses
    its target or is stopped (Ctrl-C, SIGTERM) is still summarised and reported from the
    rows it recorded before the error is raised."""
    run_dir = Path(settings.out or timestamped_directory(workload.name))
    fresh = not (run_dir / "run.json").exists()  # else run_workload refuses the directory
    try:
        run_workload(workload, target, replace(settings, out=run_dir))
    except BaseException:
        if fresh and (run_dir / "run.json").exists():
            _report(run_dir)
        raise
    return _report(run_dir)


def _report(run_dir: Path) -> Run:
    """The run summarised (summary.json, from its rows once) and reported."""
    run = load_run(run_dir)
    write_run_report(run)
    return run
