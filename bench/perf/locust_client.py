"""Requests per Locust core: rubench's locustfile with `client = "sdk"` vs `client = "fast"`.

One Locust process (headless, `--users` users, recording rows as in any run) against the
do-nothing gateway of `bench.perf.client` (`bench.perf.canned_gateway`, its own process),
point reads and upserts; requests/s over the recorded window and per second of the
Locust process's CPU beyond its start-up (a 1-user, 1 s run of the same client measures
that: imports, metadata reads), interleaved, best of `--rounds`. What
`python -m bench.perf.client` measures for a bare loop, here with Locust, the recording
plugin and the harness's per-call work included::

    python -m bench.perf.locust_client [--users 32] [--duration 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness.run import LOCUSTFILE
from bench.harness.target import KEY_VARIABLE, KIND_VARIABLE
from bench.harness.workload import WORKLOAD_VARIABLE

CLIENTS = ("sdk", "fast")
OPERATIONS = {"read": "read", "upsert": "upsert"}  # label: workload kind
WORKLOAD = """
name = "perf_{kind}"
client = "{client}"
[container]
database = "d"
container = "c"
partition_key = "/pk"
[documents]
count = 100
[operations.{kind}]
kind = "{kind}"
"""


def run_locust(
    endpoint: str, client: str, kind: str, users: int, duration: float, workdir: Path
) -> tuple[float, int, float]:
    """(requests/s, requests, CPU seconds of the Locust process)."""
    from bench.rundata import load_requests

    workload = workdir / f"{client}-{kind}.toml"
    workload.write_text(WORKLOAD.format(kind=kind, client=client))
    run_dir = workdir / f"{client}-{kind}-{users}"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--users", str(users), "--spawn-rate", "1000", "--run-time", f"{duration:.0f}s"]
    command += ["--host", endpoint, "--rubench-run-dir", str(run_dir), "--only-summary"]
    env = {**os.environ, WORKLOAD_VARIABLE: str(workload), KIND_VARIABLE: "emulator"}
    env.pop(KEY_VARIABLE, None)  # the well-known key: the canned gateway checks none
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = load_requests(run_dir, columns=["timestamp", "latency_ms", "kind"])
    rows = rows[rows["kind"] != "metadata"]
    if rows.empty:
        raise SystemExit(f"no rows from the {client} {kind} run: see {run_dir}")
    window = (rows["timestamp"] + rows["latency_ms"] / 1000).max() - rows["timestamp"].min()
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return len(rows) / window, len(rows), cpu_s


def per_core(
    endpoint: str, client: str, kind: str, users: int, duration: float, workdir: Path
) -> tuple[float, float]:
    """(requests/s, requests per CPU second beyond start-up)."""
    _, start_rows, start_cpu = run_locust(endpoint, client, kind, 1, 1, workdir)
    rate, rows, cpu_s = run_locust(endpoint, client, kind, users, duration, workdir)
    return rate, (rows - start_rows) / max(cpu_s - start_cpu, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2, help="best of N, interleaved")
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.perf.canned_gateway"], stdout=subprocess.PIPE, text=True
    )
    best: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        assert server.stdout is not None
        endpoint = f"http://127.0.0.1:{server.stdout.readline().split()[1]}"
        with tempfile.TemporaryDirectory() as workdir:
            for round_number in range(args.rounds):  # interleaved: outside load hits all
                directory = Path(workdir) / str(round_number)
                directory.mkdir()
                for kind in OPERATIONS:
                    for client in CLIENTS:
                        result = per_core(
                            endpoint, client, kind, args.users, args.duration, directory
                        )
                        if result[1] > best.get((client, kind), (0.0, 0.0))[1]:
                            best[(client, kind)] = result
    finally:
        server.terminate()
        server.wait()
    print(
        f"one Locust process, {args.users} users, {args.duration:.0f} s each, best of "
        f"{args.rounds}, rubench's locustfile against a do-nothing gateway"
    )
    print(f"{'operation':<9} {'client':<6} {'requests/s':>10} {'per CPU-s':>10} {'vs sdk':>7}")
    for kind in OPERATIONS:
        for client in CLIENTS:
            rate, per_cpu = best[(client, kind)]
            ratio = per_cpu / best[("sdk", kind)][1]
            print(f"{kind:<9} {client:<6} {rate:>10.0f} {per_cpu:>10.0f} {ratio:>7.2f}")


if __name__ == "__main__":
    main()
