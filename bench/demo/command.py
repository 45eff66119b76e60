"""`rubench demo`: start the local emulator, compare two partition-key designs on a
product catalog, and plan capacity for a promotion peak, in about a minute.

Everything it writes lands in one directory, printed at the end::

    rubench demo
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.arguments import positive_int, positive_number
from bench.errors import RubenchError
from bench.files import timestamped_directory

DEMO_WORKLOAD = Path(__file__).with_name("catalog.toml")
DEMO_KEYS = ("/categoryId", "/id")
DEMO_PARTITIONS = 4
DEMO_SPAWNS_PER_USER = 4  # every user starts within 0.25 s, so no ramp skews a short run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see rubench work: local emulator, two partition-key designs, a capacity plan",
        description="Start the local emulator, seed a product catalog, run a short mixed "
        "workload against /categoryId and /id partition keys, and write the comparison "
        "report and a capacity plan.",
    )
    parser.add_argument("--out", type=Path, help="output directory (reports/<timestamp>-demo)")
    parser.add_argument("--duration", default="20s", help="run time per design (20s)")
    parser.add_argument("--users", type=positive_int, default=8, help="concurrent users (8)")
    parser.add_argument(
        "--peak-rate",
        type=positive_number,
        default=5000.0,
        help="requests/s the capacity plan is for (5000)",
    )
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from bench.capacity.measure import plan_run
    from bench.capacity.prices import PriceTable
    from bench.capacity.render import render_html as render_plan_html
    from bench.capacity.render import render_text as render_plan_text
    from bench.files import write_output
    from bench.harness.command import parse_duration
    from bench.harness.run import RunSettings
    from bench.harness.workload import load_workload
    from bench.variants.figures import best_variant
    from bench.variants.render import render_text as render_keys_text
    from bench.variants.runs import (
        RUNS_COMPARISON_FILE,
        VariantTargets,
        run_variants,
        write_comparison,
    )
    from bench.variants.spec import check_variants, key_variant

    started = time.monotonic()
    out_dir = args.out or timestamped_directory("demo")
    workload = load_workload(DEMO_WORKLOAD)
    designs = check_variants([key_variant(key) for key in DEMO_KEYS], "demo")
    settings = RunSettings(
        users=args.users,
        spawn_rate=float(args.users) * DEMO_SPAWNS_PER_USER,
        duration_s=parse_duration(args.duration),
        quiet=True,
        seed_progress=False,
    )
    _say(f"starting the local emulator ({DEMO_PARTITIONS} physical partitions per container)")
    with VariantTargets("local", partitions=DEMO_PARTITIONS) as targets:
        target = targets.for_variant(designs[0])
        _say(
            f"emulator at {target.endpoint}; running {workload.name} once per design: "
            f"{', '.join(d.label for d in designs)} ({settings.duration_s:g}s each)"
        )
        runs = run_variants(workload, designs, targets, settings, out_dir)
    comparison = write_comparison(
        runs, workload, out_dir, f"Partition-key designs: {workload.name}"
    )
    figures = comparison.figures
    chosen = best_variant(figures)
    if chosen is None:
        raise RubenchError(
            f"{out_dir}: no design's run made a call without failing, so there is nothing to plan"
        )
    chosen_run = next(run for design, run in runs if design.label == chosen.variant)
    plan, _ = plan_run(
        chosen_run,
        peak_rate=args.peak_rate,
        mix_file=None,
        headroom=0.2,
        prices=PriceTable(),
    )
    plan_page = write_output(out_dir / "plan.html", render_plan_html(plan, None))

    print(render_keys_text(figures))
    print(f"\nCapacity plan for {chosen.variant} at {args.peak_rate:,.0f} requests/s:\n")
    print(render_plan_text(plan, None))
    print(f"\nDone in {time.monotonic() - started:.0f} s.")
    print(f"  comparison report: {comparison.page}")
    print(f"  runs side by side: {out_dir / RUNS_COMPARISON_FILE}")
    print(f"  capacity plan:     {plan_page}")
    for design, run in runs:
        print(f"  run ({design.label}): {run.directory}")
    return 0


def _say(message: str) -> None:
    print(f"rubench demo: {message}", file=sys.stderr, flush=True)
