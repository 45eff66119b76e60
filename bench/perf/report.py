"""Benchmark: summarising and comparing runs of 1 to 100 million rows, time and peak memory.

For each size two synthetic runs are generated (not timed: a day-long soak at
1,000 requests/s, scaled down), then each step runs in a fresh Python process
so its peak RSS is its own (CPU seconds beside the wall time: the machine is shared):

- summarise: `write_summary` of the baseline run (DuckDB scans over the parts);
- compare: `load_run` of both runs (their summaries are current) and
  `compare_runs` (bounded samples + block bootstrap), what a comparison report does;
- before: today's pandas path (`write_summary` of bench/rundata at commit
  `BEFORE_COMMIT`, which holds every row in memory), for sizes up to 10 million.

Aim: 100 million rows summarise, and two such runs compare, in under 2 minutes
within 2 GB on 2 cores.

    python -m bench.perf.report --millions 1 10 100
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

BEFORE_COMMIT = "2a15348"  # the last commit with the pandas summary path
BEFORE_MAX_ROWS = 10_000_000  # beyond this the pandas path needs more than the machine has
ROWS_PER_SECOND = 1_000  # the soak the synthetic runs imitate


def measure(step: str, run_dirs: list[Path]) -> dict[str, float]:
    """Time one step in this process; report this process's peak RSS."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if step == "summarise":
        from bench.rundata import write_summary

        write_summary(run_dirs[0])
    elif step == "compare":
        from bench.rundata import load_run
        from bench.rundata.compare import JUDGED, compare_runs

        compare_runs(load_run(run_dirs[0]), load_run(run_dirs[1]), JUDGED)
    elif step == "before":
        from bench.rundata import write_summary  # the old package, by PYTHONPATH

        write_summary(run_dirs[0])
        (run_dirs[0] / "summary.json").unlink()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu_started,  # both of DuckDB's threads
        "peak_rss_mb": _peak_rss_mb(),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """This process's peak RSS since it started. Linux's ru_maxrss would also count the
    parent's peak before the fork (it survives exec); VmHWM belongs to this program alone."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _in_child(step: str, run_dirs: list[Path], python_path: Path | None = None) -> dict:
    environment = None
    if python_path is not None:
        environment = {**os.environ, "PYTHONPATH": str(python_path)}
    output = subprocess.run(
        [sys.executable, "-m", "bench.perf.report", "--measure", step, *map(str, run_dirs)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
        cwd=python_path,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _figures(measured: dict[str, float], width: int) -> str:
    return (
        f"{measured['seconds']:>{width}.1f} {measured['cpu_seconds']:>6.1f} "
        f"{measured['peak_rss_mb']:>7.0f}"
    )


def _before_package(root: Path) -> Path:
    """bench/ as it was at BEFORE_COMMIT, extracted under `root` (with this script, so
    `-m bench.perf.report --measure` runs there)."""
    repository = Path(__file__).resolve().parents[2]
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", BEFORE_COMMIT, "bench"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    (root / "bench" / "perf" / "report.py").write_text(Path(__file__).read_text())
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        step, *run_dirs = args.measure
        print(json.dumps(measure(step, [Path(d) for d in run_dirs])))
        return 0

    from bench.perf.synthetic_run import write_synthetic_run

    header = (
        f"{'rows':>12} {'parquet MB':>10} {'generate s':>10} {'summarise s':>11} {'CPU s':>6} "
        f"{'RSS MB':>7} {'compare s':>9} {'CPU s':>6} {'RSS MB':>7} {'before s':>8} "
        f"{'CPU s':>6} {'RSS MB':>7}"
    )
    print(header)
    print("-" * len(header), flush=True)
    with tempfile.TemporaryDirectory(prefix="rubench-perf-report-") as root:
        before = _before_package(Path(root) / "before")
        for millions in args.millions:
            rows = int(millions * 1_000_000)
            started = time.perf_counter()
            runs = [
                write_synthetic_run(
                    Path(root) / f"{name}-{rows}",
                    samples=rows,
                    seed=seed,
                    name=name,
                    duration_s=max(60.0, rows / ROWS_PER_SECOND),
                    latency_scale=scale,
                )
                for name, seed, scale in (("baseline", 1, 1.0), ("candidate", 2, 1.05))
            ]
            generated = time.perf_counter() - started
            size_mb = sum(p.stat().st_size for p in runs[0].glob("requests/*.parquet")) / 2**20
            summarised = _in_child("summarise", runs[:1])
            _in_child("summarise", runs[1:])  # the candidate's summary, for the comparison
            compared = _in_child("compare", runs)
            old = _in_child("before", runs[:1], before) if rows <= BEFORE_MAX_ROWS else None
            print(
                f"{rows:>12,} {size_mb:>10.0f} {generated:>10.1f} "
                f"{_figures(summarised, 11)} {_figures(compared, 9)} "
                + (_figures(old, 8) if old else f"{'-':>8} {'-':>6} {'-':>7}"),
                flush=True,
            )
            for run in runs:
                for path in sorted(run.rglob("*"), reverse=True):
                    path.unlink() if path.is_file() else path.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
