"""`rubench seed` and `rubench run`: the harness's subcommands."""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import RubenchError, RunFailed
from bench.harness.target import Connection

if TYPE_CHECKING:
    from bench.rundata import OperationStats, Run

TARGET_HELP = (
    "local (start rubench's emulator for the run), emulator (https://localhost:8081 with "
    "its well-known key) or an account endpoint (key from COSMOS_KEY, else Microsoft "
    "Entra ID); default: local"
)
MAX_FORCED_PROCESSES = 256  # even --force-processes stops short of a fork bomb
MAX_SEED_CONCURRENCY = 1024  # each create in flight is a task and a pooled connection


def register(subparsers: argparse._SubParsersAction) -> None:
    seed = subparsers.add_parser(
        "seed",
        help="create a workload's container and load its documents",
        description="Create the database and container a workload file describes and load "
        "its documents (idempotent: items that exist are left alone).",
    )
    seed.add_argument("--workload", required=True, type=Path, help="workload TOML file")
    seed.add_argument("--target", default="local", help=TARGET_HELP)
    seed.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help=f"creates in flight, at most {MAX_SEED_CONCURRENCY} (64)",
    )
    add_connection_arguments(seed)
    seed.set_defaults(handler=run_seed)

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
    add_connection_arguments(run)
    run.set_defaults(handler=run_run)


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """TLS and endpoint discovery for targets other than Azure and the official emulator;
    each has an environment variable too, which plain `locust` runs read."""
    parser.add_argument(
        "--ca-file",
        metavar="PEM",
        help="trust this CA bundle for the target's TLS certificate (env RUBENCH_CA_FILE)",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the target's TLS certificate; test servers on localhost or "
        "127.0.0.1 only (env RUBENCH_INSECURE=1)",
    )
    parser.add_argument(
        "--no-endpoint-discovery",
        action="store_true",
        help="use the endpoint as given, not the addresses the target advertises "
        "(env RUBENCH_ENDPOINT_DISCOVERY=0)",
    )


def connection_of(args: argparse.Namespace) -> Connection:
    """The command line's connection options over the environment's."""
    default = Connection.from_environment()
    return Connection(
        ca_file=args.ca_file or default.ca_file,
        insecure=args.insecure or default.insecure,
        endpoint_discovery=default.endpoint_discovery and not args.no_endpoint_discovery,
    )


def parse_duration(text: str, flag: str = "--duration") -> float:
    """`90`, `45s`, `5m`, `1h30m` -> seconds."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not text.strip() or not match or not any(g is not None for g in match.groups()):
        raise RubenchError(f"{flag} {text!r}: expected a time like 30s, 5m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def _positive(value: float, flag: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise RubenchError(f"{flag} {value}: expected a finite number above 0")


def available_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_processes(processes: int, *, forced: bool) -> None:
    """More Locust processes than CPUs only compete for them (and measure the machine)."""
    _positive(processes, "--processes")
    cpus = available_cpus()
    limit = MAX_FORCED_PROCESSES if forced else cpus
    if processes > limit:
        how = "" if forced else f"; add --force-processes to go up to {MAX_FORCED_PROCESSES}"
        raise RubenchError(
            f"--processes {processes}: expected at most {limit} (this machine offers "
            f"{cpus} CPUs{how})"
        )


def run_seed(args: argparse.Namespace) -> int:
    import asyncio

    from bench.harness.run import target_for
    from bench.harness.seed import seed_container
    from bench.harness.workload import load_workload

    _positive(args.concurrency, "--concurrency")
    if args.concurrency > MAX_SEED_CONCURRENCY:
        raise RubenchError(
            f"--concurrency {args.concurrency}: expected at most {MAX_SEED_CONCURRENCY} creates "
            "in flight"
        )
    if args.target == "local":
        raise RubenchError(
            "seed --target local: rubench's local emulator keeps its data only while it "
            "runs, and `rubench run --target local` starts and seeds its own; seed a running "
            "emulator instead (`rubench emulator`, then --target http://127.0.0.1:8081) or "
            "an account"
        )
    workload = load_workload(args.workload)
    with target_for(args.target, connection=connection_of(args)) as target:
        result = asyncio.run(seed_container(workload, target, concurrency=args.concurrency))
    spec = workload.container
    print(
        f"{spec.database}/{spec.container} on {target.host}: {result.created} documents created, "
        f"{result.existing} already there, {result.request_units:.1f} RU spent, "
        f"{result.throttled} throttled (429) attempts retried"
    )
    return 0


def run_run(args: argparse.Namespace) -> int:
    from bench.harness.run import RunSettings, target_for
    from bench.harness.workload import load_workload
    from bench.pipeline import run_and_report

    for value, flag in ((args.users, "--users"), (args.spawn_rate, "--spawn-rate")):
        _positive(value, flag)
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
