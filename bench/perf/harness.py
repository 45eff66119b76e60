"""The harness's own cost: point reads/s through `rubench run` vs a bare SDK loop.

Both drive the same local emulator (its own process) from one process with the same
number of concurrent greenlets; the bare loop is what a user would write by hand with
the SDK's default client, and again with the client rubench builds (no proxy lookups
from the environment per call, a bigger pool). The ratio rubench / bare default is the
figure to watch (aim >= 0.9)::

    python -m bench.perf.harness [--users 10] [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

WORKLOAD = """
name = "perf_reads"
[container]
container = "perf_reads"
throughput = {{ mode = "manual", rus = 100000 }}
[documents]
count = {count}
[operations.point_read]
kind = "read"
weight = 1
"""


def bare_loop(endpoint: str, key: str, users: int, duration: float, tuned: bool) -> float:
    """Point reads/s of `users` greenlets calling read_item in a loop (run in a child
    process, because gevent must patch before anything else is imported)."""
    from gevent import monkey

    monkey.patch_all()
    import random
    import time

    import gevent
    from azure.cosmos import CosmosClient

    from bench.harness.documents import DocumentFactory
    from bench.harness.target import requests_transport
    from bench.harness.workload import parse_workload

    workload = parse_workload(
        __import__("tomllib").loads(WORKLOAD.format(count=1000)), source=Path("perf.toml")
    )
    factory = DocumentFactory(workload)
    keys = [(doc["id"], factory.partition_key(doc)) for doc in map(factory.document, range(1000))]
    options = {"transport": requests_transport()} if tuned else {}
    client = CosmosClient(endpoint, key, **options)
    container = client.get_database_client("rubench").get_container_client("perf_reads")
    container.read()
    done = 0
    deadline = time.perf_counter() + duration

    def user() -> None:
        nonlocal done
        rng = random.Random()
        while time.perf_counter() < deadline:
            doc_id, pk = rng.choice(keys)
            container.read_item(doc_id, pk)
            done += 1

    started = time.perf_counter()
    gevent.joinall([gevent.spawn(user) for _ in range(users)])
    return done / (time.perf_counter() - started)


def run_bare(endpoint: str, key: str, users: int, duration: float, tuned: bool) -> float:
    command = [sys.executable, "-m", "bench.perf.harness", "--bare", endpoint, str(users)]
    command += [str(duration), "tuned" if tuned else "default"]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={"RUBENCH_KEY": key}
    )
    return float(output.stdout.strip().splitlines()[-1])


def run_rubench(target: object, users: int, duration: float, workdir: Path) -> float:
    from bench.harness.run import RunSettings, run_workload
    from bench.harness.workload import load_workload
    from bench.rundata import load_requests

    path = workdir / "perf.toml"
    path.write_text(WORKLOAD.format(count=1000))
    settings = RunSettings(
        users=users,
        spawn_rate=1000,
        duration_s=duration,
        out=workdir / "run",
        quiet=True,
        seed_progress=False,
    )
    run_dir = run_workload(load_workload(path), target, settings)
    rows = load_requests(run_dir, columns=["timestamp", "latency_ms"])
    ends = rows["timestamp"] + rows["latency_ms"] / 1000
    return len(rows) / (ends.max() - rows["timestamp"].min())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        import os

        endpoint, users, duration, mode = sys.argv[2:6]
        rate = bare_loop(
            endpoint, os.environ["RUBENCH_KEY"], int(users), float(duration), mode == "tuned"
        )
        print(json.dumps(rate))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()

    from bench.emulator import LocalEmulator
    from bench.harness.target import Target

    with LocalEmulator(port=0) as emulator, tempfile.TemporaryDirectory() as workdir:
        target = Target("local", emulator.endpoint, emulator.key, "the local emulator")
        rubench = run_rubench(target, args.users, args.duration, Path(workdir))  # seeds first
        bare = run_bare(emulator.endpoint, emulator.key, args.users, args.duration, tuned=False)
        tuned = run_bare(emulator.endpoint, emulator.key, args.users, args.duration, tuned=True)
    print(f"point reads/s, {args.users} greenlets in 1 process, {args.duration:.0f} s each")
    print(f"{'loop':<40} {'reads/s':>10} {'vs bare':>8}")
    for name, rate in (
        ("bare SDK loop, default client", bare),
        ("bare SDK loop, rubench's client", tuned),
        ("rubench run (Locust + recording)", rubench),
    ):
        print(f"{name:<40} {rate:>10.0f} {rate / bare:>8.2f}")


if __name__ == "__main__":
    main()
