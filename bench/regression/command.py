"""`rubench baseline` and `rubench check`: the query-efficiency gate for CI.

Example::

    rubench baseline reports/main-run -o ci/baseline.json
    rubench check reports/pr-run --baseline ci/baseline.json --tolerance 10%
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.arguments import add_run_dir, percentage

EXIT_REGRESSED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    baseline = subparsers.add_parser(
        "baseline",
        help="record a run's RU per operation and query efficiency as a baseline file",
        description="Record per operation the RU per request (median, p95) and, for queries, "
        "documents read per result and index hit ratio, for `rubench check`.",
    )
    add_run_dir(baseline)
    baseline.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="baseline JSON to write"
    )
    baseline.set_defaults(handler=run_baseline)

    check = subparsers.add_parser(
        "check",
        help="fail when operations got costlier than a baseline, queries started scanning "
        "or calls failed",
        description="Compare a run with a baseline; exit 1 when more of an operation's calls "
        "failed than in the baseline, its RU per request grew beyond the tolerance or a "
        "query started scanning.",
    )
    add_run_dir(check)
    check.add_argument(
        "--baseline", type=Path, required=True, metavar="FILE", help="from `rubench baseline`"
    )
    check.add_argument(
        "--tolerance", type=percentage, default=0.1, help="allowed growth (default: 10%%)"
    )
    check.add_argument(
        "--junit", type=Path, metavar="FILE", help="JUnit XML (default: RUN_DIR/check-junit.xml)"
    )
    check.add_argument(
        "--markdown",
        type=Path,
        metavar="FILE",
        help="Markdown summary (default: RUN_DIR/check-summary.md)",
    )
    check.set_defaults(handler=run_check)


def run_baseline(args: argparse.Namespace) -> int:
    from bench.regression.figures import measure_run, write_baseline
    from bench.rundata import load_run

    figures = measure_run(load_run(args.run_dir), for_baseline=True)
    write_baseline(figures, args.output)
    print(f"Baseline of {len(figures.operations)} operation(s) written to {args.output}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from bench.files import write_output
    from bench.regression.figures import measure_run, read_baseline
    from bench.regression.gate import check
    from bench.regression.outputs import render_junit, render_markdown, render_text
    from bench.rundata import load_run

    baseline = read_baseline(args.baseline)
    result = check(baseline, measure_run(load_run(args.run_dir)), args.tolerance)
    junit = args.junit or args.run_dir / "check-junit.xml"
    markdown = args.markdown or args.run_dir / "check-summary.md"
    write_output(junit, render_junit(result))
    write_output(markdown, render_markdown(result))
    print(render_text(result))
    print(f"JUnit XML: {junit}\nMarkdown: {markdown}")
    return 0 if result.passed else EXIT_REGRESSED
