"""`rubench run`: run -> summarise -> report. The harness records and nothing else; this
composes it with the summary and the run report, so a job (`run`, `compare-keys`,
`demo`) gets the loaded `Run`, its rows summarised once, to build on::

    with target_for("local") as target:
        run = run_and_report(workload, target, RunSettings(users=10, duration_s=20))
    run.summary.totals.ru_per_s, run.directory / "report.html"

Heavy imports (Locust's runner, pandas, DuckDB) happen inside the functions, so that
`rubench --help` stays fast.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import RubenchError, RunFailed
from bench.files import timestamped_directory
from bench.harness.command import (
    MAX_FORCED_PROCESSES,
    TARGET_HELP,
    add_connection_arguments,
    available_cpus,
    check_positive,
    check_processes,
    connection_of,
    parse_duration,
)

if TYPE_CHECKING:
    from bench.harness.run import RunSettings
    from bench.harness.target import Target
    from bench.harness.workload import Workload
    from bench.rundata import OperationStats, Run


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a workload with Locust and record RU per request",
        description="Seed if the container is missing, run Locust headless with the "
        "workload's operation mix, and leave a run directory.",
    )
    run.add_argument("--workload", required=True, type=Path, help="workload TOML file")
    run.add_argument("--users", type=int, default=10, help="concurrent users (10)")
    run.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second (10)")
    run.add_argument("--duration", default="30s", help="run time, e.g. 45s, 5m, 1h (30s)")
    run.add_argument(
        "--warmup",
        default="0s",
        help="start of the run that summaries and reports leave out, e.g. 10s (0s)",
    )
    run.add_argument(
        "--processes",
        type=int,
        default=1,
        help=f"Locust processes, at most the CPUs this machine offers ({available_cpus()}) (1)",
    )
    run.add_argument(
        "--force-processes",
        action="store_true",
        help=f"allow --processes above the CPU count (up to {MAX_FORCED_PROCESSES})",
    )
    run.add_argument("--target", default="local", help=TARGET_HELP)
    run.add_argument(
        "--consistency",
        metavar="LEVEL",
        help="--target local only: the emulator account's default consistency, Strong, "
        "BoundedStaleness, Session, ConsistentPrefix or Eventual (Session); Strong and "
        "BoundedStaleness reads and queries cost 2x",
    )
    run.add_argument("--out", type=Path, help="run directory (reports/<timestamp>-<name>)")
    run.add_argument(
        "--client",
        choices=("sdk", "fast"),
        help="sdk (azure-cosmos: latencies as applications see them) or fast (rubench's "
        "gateway client: several times the requests per core); default: the workload's "
        "`client`, else sdk",
    )
    add_connection_arguments(run)
    run.set_defaults(handler=run_run)


def run_and_report(workload: Workload, target: Target, settings: RunSettings) -> Run:
    """Record a run, then write its summary.json and report.html. A run that fails, loses
    its target or is stopped (Ctrl-C, SIGTERM) is still summarised and reported from the
    rows it recorded before the error is raised."""
    from bench.harness.run import run_workload

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
    from bench.report import write_run_report
    from bench.rundata import load_run

    run = load_run(run_dir)
    write_run_report(run)
    return run


def run_run(args: argparse.Namespace) -> int:
    from bench.harness.run import RunSettings, target_for
    from bench.harness.workload import apply_overrides, load_workload

    for value, flag in ((args.users, "--users"), (args.spawn_rate, "--spawn-rate")):
        check_positive(value, flag)
    check_processes(args.processes, forced=args.force_processes)
    duration_s = parse_duration(args.duration)
    warmup_s = parse_duration(args.warmup, "--warmup")
    if warmup_s >= duration_s:
        raise RubenchError(
            f"--warmup {args.warmup} leaves nothing to measure: it must be shorter than "
            f"--duration {args.duration}"
        )
    settings = RunSettings(
        users=args.users,
        spawn_rate=args.spawn_rate,
        duration_s=duration_s,
        warmup_s=warmup_s,
        processes=args.processes,
        out=args.out,
    )
    workload = load_workload(args.workload)
    if args.client:
        workload = apply_overrides(workload, {"client": args.client})
    connection = connection_of(args)
    with target_for(args.target, consistency=args.consistency, connection=connection) as target:
        run = run_and_report(workload, target, settings)
    print(f"run directory: {run.directory}")
    print(f"report: {run.directory / 'report.html'}")
    failure = failed_calls(run)
    if failure:
        raise RunFailed(failure)
    return 0


def failed_calls(run: Run) -> str | None:
    """Why the run counts as failed (calls failed, or Locust exited 1), or None."""
    operations = run.summary.operations
    exit_code = run.info.locust_exit_code
    failing = {name: stats for name, stats in operations.items() if stats.failed_calls}
    if not operations:
        return "no call was recorded" if exit_code == 1 else None
    if failing:
        worst = sorted(failing.items(), key=lambda item: -item[1].error_rate)
        listed = ", ".join(
            f"{name} {stats.error_rate:.0%} of {stats.count:,} ({_statuses(stats)})"
            for name, stats in worst
        )
        every = "every call failed" if len(failing) == len(operations) else "calls failed"
        return f"{every}: {listed}; see the report"
    if exit_code == 1:
        return "Locust exited 1 (an error outside rubench's calls); see its output"
    return None


def _statuses(stats: OperationStats) -> str:
    return ", ".join(f"status {code} x{n:,}" for code, n in stats.failures_by_status.items())
