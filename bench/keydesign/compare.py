"""Running one workload against one container per partition-key design, then comparing.

Every design gets the same documents (the generator is deterministic), the
same operation mix and the same load settings; only the partition key and the
container name change. Operations take partition key values from the
documents, so they adapt to each design::

    runs = run_designs(workload, designs, target, settings, out_dir)
    page, figures = write_comparison(runs, out_dir, "Partition-key designs")
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from bench.files import write_output
from bench.harness.run import RunSettings
from bench.harness.target import Target
from bench.harness.workload import Workload
from bench.keydesign.designs import KeyDesign
from bench.keydesign.figures import DesignFigures, design_figures
from bench.keydesign.render import render_html
from bench.pipeline import run_and_report
from bench.report import write_comparison_report
from bench.rundata import Run

COMPARISON_FILE = "comparison.html"
RUNS_COMPARISON_FILE = "runs-comparison.html"  # the report's side-by-side of the runs


def run_designs(
    workload: Workload,
    designs: list[KeyDesign],
    target: Target,
    settings: RunSettings,
    out_dir: Path,
) -> list[tuple[KeyDesign, Run]]:
    """One run per design, under `out_dir/<design slug>`, each summarised and reported."""
    runs = []
    for design in designs:
        variant = workload.with_partition_key(
            design.paths, design.container_name(workload.container.container)
        )
        runs.append(
            (design, run_and_report(variant, target, replace(settings, out=out_dir / design.slug)))
        )
    return runs


def write_comparison(
    runs: list[tuple[KeyDesign, Run]], out_dir: Path, title: str
) -> tuple[Path, list[DesignFigures]]:
    """The comparison page in `out_dir`, linking the report's side-by-side comparison of
    the runs (the first design is its baseline) and each design's own run report."""
    figures = [design_figures(design, run) for design, run in runs]
    side_by_side = write_comparison_report([run for _, run in runs], out_dir / RUNS_COMPARISON_FILE)
    links = {
        design.label: os.path.relpath(run.directory / "report.html", out_dir)
        for design, run in runs
    }
    page = write_output(
        out_dir / COMPARISON_FILE,
        render_html(figures, title, links, os.path.relpath(side_by_side, out_dir)),
    )
    return page, figures
