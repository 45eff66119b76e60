"""`rubench seed`, and the options `rubench run` (bench/pipeline.py) shares with it."""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

from bench.errors import RubenchError
from bench.harness.target import Connection

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
        ca_file_source="--ca-file" if args.ca_file else default.ca_file_source,
        insecure_source="--insecure" if args.insecure else default.insecure_source,
    )


def parse_duration(text: str, flag: str = "--duration") -> float:
    """`90`, `45s`, `5m`, `1h30m` -> seconds."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not text.strip() or not match or not any(g is not None for g in match.groups()):
        raise RubenchError(f"{flag} {text!r}: expected a time like 30s, 5m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def check_positive(value: float, flag: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise RubenchError(f"{flag} {value}: expected a finite number above 0")


def available_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_processes(processes: int, *, forced: bool) -> None:
    """More Locust processes than CPUs only compete for them (and measure the machine)."""
    check_positive(processes, "--processes")
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

    check_positive(args.concurrency, "--concurrency")
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
