"""Seeding's cost: documents/s and the seeding process's memory growth for N documents.

Seeding once built one coroutine per document before the first was sent (memory grew
with `count`); it now streams with `--concurrency` in flight, so the growth should stay
flat as N grows. Runs against rubench's emulator in its own process::

    python -m bench.perf.seeding [--documents 10000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

WORKLOAD = """
name = "perf_seed"
[container]
container = "perf_seed_{documents}"
throughput = {{ mode = "manual", rus = 1000000 }}
[documents]
count = {documents}
[operations.point_read]
kind = "read"
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    from bench.emulator import LocalEmulator
    from bench.harness.seed import seed_container
    from bench.harness.target import Target
    from bench.harness.workload import load_workload

    with tempfile.TemporaryDirectory() as folder, LocalEmulator(port=0) as emulator:
        path = Path(folder) / "perf_seed.toml"
        path.write_text(WORKLOAD.format(documents=args.documents))
        workload = load_workload(path)
        target = Target("local", emulator.endpoint, emulator.key, "the local emulator")
        before = peak_rss_mb()
        started = time.perf_counter()
        result = asyncio.run(
            seed_container(workload, target, concurrency=args.concurrency, progress=False)
        )
        elapsed = time.perf_counter() - started
        after = peak_rss_mb()
    print(f"documents            {args.documents}")
    print(f"created              {result.created}")
    print(f"documents/s          {args.documents / elapsed:.0f}")
    print(f"RU/s                 {result.request_units / elapsed:.0f}")
    print(f"peak RSS before (MB) {before:.1f}")
    print(f"peak RSS after (MB)  {after:.1f}")
    print(f"growth (MB)          {after - before:.1f}")


if __name__ == "__main__":
    main()
