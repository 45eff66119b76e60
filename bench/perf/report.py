"""Benchmark: summary + run report generation time and peak memory for 1, 5, 10 million rows.

Each size is generated as a synthetic run directory first (not timed), then a
fresh Python process aggregates it and writes report.html, so the peak RSS it
reports belongs to the report alone. Aim: 10 million rows in under 60 s and
2 GB, growing linearly.

    python -m bench.perf.report                 # 1, 5 and 10 million
    python -m bench.perf.report --millions 0.5 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(run_dir: Path) -> dict[str, float]:
    """Time write_summary and write_run_report in this process; report peak RSS."""
    import bench.report
    import bench.rundata

    imported_mb = _peak_rss_mb()
    started = time.perf_counter()
    (run_dir / "summary.json").unlink(missing_ok=True)
    bench.rundata.write_summary(run_dir)
    summarized = time.perf_counter()
    bench.report.write_run_report(run_dir)
    finished = time.perf_counter()
    return {
        "summary_s": summarized - started,
        "report_s": finished - summarized,
        "total_s": finished - started,
        "peak_rss_mb": _peak_rss_mb(),
        "imports_rss_mb": imported_mb,
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _measure_in_child(run_dir: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.perf.report", "--measure", str(run_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, nargs="+", default=[1, 5, 10])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    from bench.perf.synthetic_run import write_synthetic_run

    header = (
        f"{'rows':>12} {'parquet MB':>11} {'summary s':>10} {'report s':>9} {'total s':>8} "
        f"{'s / M rows':>10} {'peak RSS MB':>12} {'RSS - imports':>14}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="rubench-perf-report-") as root:
        for millions in args.millions:
            rows = int(millions * 1_000_000)
            run_dir = write_synthetic_run(Path(root) / f"run-{rows}", samples=rows, seed=1)
            size_mb = sum(p.stat().st_size for p in run_dir.glob("requests/*.parquet")) / 2**20
            figures = _measure_in_child(run_dir)
            print(
                f"{rows:>12,} {size_mb:>11.0f} {figures['summary_s']:>10.1f} "
                f"{figures['report_s']:>9.1f} {figures['total_s']:>8.1f} "
                f"{figures['total_s'] / max(millions, 1e-9):>10.1f} "
                f"{figures['peak_rss_mb']:>12.0f} "
                f"{figures['peak_rss_mb'] - figures['imports_rss_mb']:>14.0f}",
                flush=True,
            )
            for path in run_dir.rglob("*"):
                if path.is_file():
                    path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
