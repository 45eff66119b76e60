"""`rubench compare-keys`: the same workload against several partition-key designs.

Example::

    rubench compare-keys --workload workloads/catalog.toml \\
        --key /categoryId --key /id --key /tenantId,/userId --duration 30s
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.arguments import positive_int, positive_number
from bench.files import timestamped_directory
from bench.harness.command import TARGET_HELP, parse_duration

DEFAULT_LOCAL_PARTITIONS = 4


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare-keys",
        help="run one workload against several partition-key designs and compare them",
        description="Run the same documents, operation mix and load against one container "
        "per partition-key design and write one comparison report: RU per operation, "
        "latency, 429s, partition heat and query fan-out.",
    )
    parser.add_argument("--workload", required=True, type=Path, help="workload TOML file")
    parser.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="PATHS",
        help="a design: /categoryId, or /tenantId,/userId for a hierarchical key (repeat)",
    )
    parser.add_argument(
        "--users", type=positive_int, default=10, help="concurrent users per run (10)"
    )
    parser.add_argument(
        "--spawn-rate", type=positive_number, default=10.0, help="users started per second"
    )
    parser.add_argument("--duration", default="30s", help="run time per design (30s)")
    parser.add_argument("--target", default="local", help=TARGET_HELP)
    parser.add_argument(
        "--partitions",
        type=positive_int,
        default=DEFAULT_LOCAL_PARTITIONS,
        help="local target: physical partitions per container, so heat shows as it would "
        f"at production scale ({DEFAULT_LOCAL_PARTITIONS})",
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (reports/<timestamp>-<name>-keys)"
    )
    parser.set_defaults(handler=run_compare_keys)


def run_compare_keys(args: argparse.Namespace) -> int:
    from bench.harness.run import RunSettings, target_for
    from bench.harness.workload import load_workload
    from bench.keydesign.compare import run_designs, write_comparison
    from bench.keydesign.designs import check_documents_have_keys, parse_designs
    from bench.keydesign.render import render_text

    designs = parse_designs(args.key)
    workload = load_workload(args.workload)
    check_documents_have_keys(designs, workload.document_factory().document(0))
    settings = RunSettings(
        users=args.users, spawn_rate=args.spawn_rate, duration_s=parse_duration(args.duration)
    )
    out_dir = args.out or timestamped_directory(f"{workload.name}-keys")
    partitions = args.partitions if args.target == "local" else None
    with target_for(args.target, partitions=partitions) as target:
        runs = run_designs(workload, designs, target, settings, out_dir)
    page, figures = write_comparison(runs, out_dir, f"Partition-key designs: {workload.name}")
    print(render_text(figures))
    print(f"\ncomparison report: {page}")
    return 0
