"""`rubench compare` (any design variants) and `rubench compare-keys` (its short form for
partition keys only): one workload against one container per variant, one report.

Example::

    rubench compare --workload workloads/catalog.toml --variant base \\
        --variant 'lean:index=lean-policy.json' --variant 'auto:throughput=autoscale:10000'
    rubench compare-keys --workload workloads/catalog.toml --key /categoryId --key /id
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bench.arguments import positive_int, positive_number
from bench.files import timestamped_directory
from bench.harness.command import (
    TARGET_HELP,
    add_connection_arguments,
    connection_of,
    parse_duration,
)

if TYPE_CHECKING:
    from bench.variants.spec import Variant

DEFAULT_LOCAL_PARTITIONS = 4
VARIANT_HELP = (
    "NAME[:SETTING=VALUE[;...]]: a bare NAME is the workload as written; settings: "
    "key=/a or key=/a,/b (hierarchical), index=FILE.json (an indexing policy), "
    "throughput=manual:4000 or autoscale:10000, consistency=Strong (--target local); "
    "the first variant is the baseline (repeat)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    compare = subparsers.add_parser(
        "compare",
        help="run one workload against several design variants (key, index, throughput, "
        "consistency) and compare them",
        description="Run the same documents, operation mix and load against one container per "
        "variant and write one comparison report: a verdict per operation (RU, latency, 429s, "
        "fan-out) against the first variant, and what each indexing policy trades.",
    )
    compare.add_argument(
        "--variant", action="append", required=True, metavar="SPEC", help=VARIANT_HELP
    )
    _add_run_arguments(compare, "variants")
    compare.set_defaults(handler=run_compare)

    keys = subparsers.add_parser(
        "compare-keys",
        help="run one workload against several partition-key designs and compare them",
        description="The short form of `rubench compare` for partition keys only: one "
        "container per key design; RU per operation, latency, 429s, partition heat and "
        "query fan-out.",
    )
    keys.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="PATHS",
        help="a design: /categoryId, or /tenantId,/userId for a hierarchical key (repeat)",
    )
    _add_run_arguments(keys, "keys")
    keys.set_defaults(handler=run_compare_keys)


def _add_run_arguments(parser: argparse.ArgumentParser, suffix: str) -> None:
    parser.add_argument("--workload", required=True, type=Path, help="workload TOML file")
    parser.add_argument(
        "--users", type=positive_int, default=10, help="concurrent users per run (10)"
    )
    parser.add_argument(
        "--spawn-rate", type=positive_number, default=10.0, help="users started per second"
    )
    parser.add_argument("--duration", default="30s", help="run time per variant (30s)")
    parser.add_argument("--target", default="local", help=TARGET_HELP)
    parser.add_argument(
        "--partitions",
        type=positive_int,
        default=DEFAULT_LOCAL_PARTITIONS,
        help="local target: physical partitions per container, so heat shows as it would "
        f"at production scale ({DEFAULT_LOCAL_PARTITIONS})",
    )
    parser.add_argument(
        "--out", type=Path, help=f"output directory (reports/<timestamp>-<name>-{suffix})"
    )
    add_connection_arguments(parser)


def run_compare(args: argparse.Namespace) -> int:
    from bench.variants.spec import parse_variants

    return _compare(args, parse_variants(args.variant), "variants", "Design variants")


def run_compare_keys(args: argparse.Namespace) -> int:
    from bench.variants.spec import check_variants, key_variant

    variants = check_variants([key_variant(value) for value in args.key], "compare-keys")
    return _compare(args, variants, "keys", "Partition-key designs")


def _compare(args: argparse.Namespace, variants: list[Variant], suffix: str, title: str) -> int:
    from bench.harness.run import RunSettings
    from bench.harness.workload import load_workload
    from bench.variants.render import render_text
    from bench.variants.runs import (
        VariantTargets,
        check_existing_containers,
        run_variants,
        write_comparison,
    )
    from bench.variants.spec import check_documents_have_keys, check_target

    check_target(variants, args.target)
    workload = load_workload(args.workload)
    check_documents_have_keys(variants, workload.document_factory().document(0))
    for variant in variants:
        variant.applied_to(workload)  # every variant's errors before the first run
    settings = RunSettings(
        users=args.users, spawn_rate=args.spawn_rate, duration_s=parse_duration(args.duration)
    )
    out_dir = args.out or timestamped_directory(f"{workload.name}-{suffix}")
    partitions = args.partitions if args.target == "local" else None
    connection = connection_of(args)
    with VariantTargets(args.target, partitions=partitions, connection=connection) as targets:
        check_existing_containers(workload, variants, targets)
        runs = run_variants(workload, variants, targets, settings, out_dir)
    comparison = write_comparison(runs, workload, out_dir, f"{title}: {workload.name}")
    print(render_text(comparison.figures, comparison.tradeoffs))
    print(f"\ncomparison report: {comparison.page}")
    return 0
