"""`rubench report RUN_DIR [RUN_DIR ...] [-o FILE]`: a run report, or a comparison."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.rundata import Run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report of a run, or compare runs",
        description="One run directory: write its run report (default RUN_DIR/report.html). "
        "Two or more: compare them, the first being the baseline "
        "(default comparison.html in the current directory). The page is one "
        "self-contained HTML file that opens offline.",
    )
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run directory")
    parser.add_argument("-o", "--output", type=Path, help="HTML file to write")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a run directory does not hold every call its run counted",
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from bench.report import write_comparison_report, write_run_report
    from bench.rundata import load_run

    runs = [load_run(run_dir) for run_dir in args.run_dirs]
    if len(runs) == 1:
        path = write_run_report(runs[0], args.output)
    else:
        path = write_comparison_report(runs, args.output or Path("comparison.html"))
    print(path)
    return _incomplete_runs(runs) if args.strict else 0


def _incomplete_runs(runs: list[Run]) -> int:
    """1 (after saying why on stderr) when a run directory misses rows, else 0."""
    import sys

    from bench.report.trust import row_check_warnings

    problems = [
        f"rubench: {run.directory}: {warning.text}"
        for run in runs
        for warning in row_check_warnings(run)
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
