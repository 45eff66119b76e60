"""`rubench plan`: the throughput, partitions and cost a target traffic level needs.

Example::

    rubench plan reports/20261123-101500-catalog --peak-rate 12000 --headroom 20%
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from bench.arguments import percentage, positive_number
from bench.errors import RubenchError

if TYPE_CHECKING:
    from bench.capacity.prices import PriceTable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="capacity plan (RU/s, partitions, cost) for a target traffic level",
        description="Turn a run's measured RU per operation into the RU/s, physical partitions "
        "and monthly cost a peak traffic level needs. Given a comparison directory "
        "(rubench compare, compare-keys), price every variant and name the cheapest design "
        "that does not throttle.",
    )
    parser.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a run directory or a comparison directory"
    )
    parser.add_argument(
        "--peak-rate",
        type=positive_number,
        help="requests/s at peak, all operations together (default: the profile's busiest hour)",
    )
    mix = parser.add_mutually_exclusive_group()
    mix.add_argument(
        "--mix", type=Path, metavar="FILE", help="operation weights at peak (JSON or TOML)"
    )
    mix.add_argument(
        "--same-mix", action="store_true", help="the run's own operation mix (the default)"
    )
    parser.add_argument(
        "--headroom", type=percentage, default=0.2, help="extra throughput (default: 20%%)"
    )
    parser.add_argument(
        "--price-file", type=Path, metavar="FILE", help="prices overriding the defaults (JSON/TOML)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="CSV",
        help="hourly traffic profile (columns hour,rate) to compare manual vs autoscale cost",
    )
    parser.add_argument(
        "-o",
        "--html",
        type=Path,
        metavar="FILE",
        help="HTML page (default: RUN_DIR/plan.html, or plans.html for a comparison)",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(handler=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    from bench.capacity.measure import plan_run
    from bench.capacity.prices import load_price_table
    from bench.capacity.profile import read_profile, replay
    from bench.capacity.render import plan_as_dict, render_html, render_text
    from bench.files import write_output
    from bench.rundata import load_run
    from bench.variants.manifest import is_comparison

    prices = load_price_table(args.price_file)
    if is_comparison(args.run_dir):
        return _plan_comparison(args, prices)
    hours = read_profile(args.profile) if args.profile else None
    peak_rate = args.peak_rate or (max(rate for _, rate in hours) if hours else None)
    if not peak_rate:
        raise RubenchError("plan: give --peak-rate (requests/s) or a --profile with a rate above 0")
    plan, request_ru = plan_run(
        load_run(args.run_dir),
        peak_rate=peak_rate,
        mix_file=args.mix,
        headroom=args.headroom,
        prices=prices,
    )
    profile = (
        replay(
            hours,
            ru_per_request=request_ru,
            headroom=args.headroom,
            prices=prices,
            source=str(args.profile),
        )
        if hours
        else None
    )
    html_path = args.html or args.run_dir / "plan.html"
    write_output(html_path, render_html(plan, profile))
    if args.json:
        document = plan_as_dict(plan, profile)
        document["html"] = str(html_path)
        print(json.dumps(document, indent=2))
    else:
        print(render_text(plan, profile))
        print(f"\nHTML: {html_path}")
    return 0


def _plan_comparison(args: argparse.Namespace, prices: PriceTable) -> int:
    """Every variant of a comparison at the same peak: which design is cheapest."""
    from bench.capacity.designs import plan_comparison
    from bench.capacity.render_designs import plans_as_dict, render_html, render_text
    from bench.files import write_output

    if args.profile:
        raise RubenchError(
            f"plan {args.run_dir}: --profile replays one run; give one variant's run "
            "directory (a folder of the comparison) with it"
        )
    if not args.peak_rate:
        raise RubenchError(f"plan {args.run_dir}: give --peak-rate (requests/s) for a comparison")
    plans, unpriced = plan_comparison(
        args.run_dir,
        peak_rate=args.peak_rate,
        mix_file=args.mix,
        headroom=args.headroom,
        prices=prices,
    )
    html_path = args.html or args.run_dir / "plans.html"
    title = f"Designs at {args.peak_rate:,.0f} requests/s"
    write_output(html_path, render_html(plans, title, unpriced))
    if args.json:
        print(json.dumps({**plans_as_dict(plans, unpriced), "html": str(html_path)}, indent=2))
    else:
        print(render_text(plans, unpriced))
        print(f"\nHTML: {html_path}")
    return 0
