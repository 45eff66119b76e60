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
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

BARE = "bare SDK loop, default client"
TUNED = "bare SDK loop, rubench's client"
RUBENCH = "rubench run (Locust + recording)"
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


def bare_loop(
    endpoint: str, key: str, users: int, duration: float, tuned: bool
) -> tuple[float, float]:
    """(point reads/s, client CPU ms per read) of `users` greenlets calling read_item in a
    loop (in a child process: gevent must patch before anything else is imported)."""
    from gevent import monkey

    monkey.patch_all()
    import random
    import time
    import tomllib

    import gevent
    from azure.cosmos import CosmosClient

    from bench.harness.target import requests_transport
    from bench.harness.workload import parse_workload

    workload = parse_workload(tomllib.loads(WORKLOAD.format(count=1000)), source=Path("perf.toml"))
    factory = workload.document_factory()
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

    started, cpu = time.perf_counter(), time.process_time()
    gevent.joinall([gevent.spawn(user) for _ in range(users)])
    cpu_ms = (time.process_time() - cpu) * 1000 / max(1, done)
    return done / (time.perf_counter() - started), cpu_ms


def run_bare(
    endpoint: str, key: str, users: int, duration: float, tuned: bool
) -> tuple[float, float]:
    command = [sys.executable, "-m", "bench.perf.harness", "--bare", endpoint, str(users)]
    command += [str(duration), "tuned" if tuned else "default"]
    # the user's whole environment: the default client's cost depends on it (proxies, netrc)
    env = {**os.environ, "RUBENCH_KEY": key}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    rate, cpu_ms = json.loads(output.stdout.strip().splitlines()[-1])
    return rate, cpu_ms


def run_rubench(target: object, users: int, duration: float, workdir: Path) -> tuple[float, float]:
    """(point reads/s, CPU ms per read of the Locust process, start-up included)."""
    from bench.harness.run import RunSettings, ensure_seeded, run_workload
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
    workload = load_workload(path)
    ensure_seeded(workload, target, progress=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_dir = run_workload(workload, target, settings)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = load_requests(run_dir, columns=["timestamp", "latency_ms"])
    ends = rows["timestamp"] + rows["latency_ms"] / 1000
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return len(rows) / (ends.max() - rows["timestamp"].min()), cpu_s * 1000 / len(rows)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        endpoint, users, duration, mode = sys.argv[2:6]
        key = os.environ["RUBENCH_KEY"]
        print(json.dumps(bare_loop(endpoint, key, int(users), float(duration), mode == "tuned")))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2, help="best of N, interleaved")
    args = parser.parse_args()

    from bench.emulator import LocalEmulator
    from bench.harness.target import Target

    best: dict[str, tuple[float, float]] = {}

    def keep(name: str, result: tuple[float, float]) -> None:
        if result[0] > best.get(name, (0.0, 0.0))[0]:
            best[name] = result

    with LocalEmulator(port=0) as emulator, tempfile.TemporaryDirectory() as workdir:
        target = Target("local", emulator.endpoint, emulator.key, "the local emulator")
        for round_number in range(args.rounds):  # interleaved: load from elsewhere hits all
            directory = Path(workdir) / str(round_number)
            directory.mkdir()
            keep(RUBENCH, run_rubench(target, args.users, args.duration, directory))
            endpoint, key = emulator.endpoint, emulator.key
            keep(BARE, run_bare(endpoint, key, args.users, args.duration, tuned=False))
            keep(TUNED, run_bare(endpoint, key, args.users, args.duration, tuned=True))
    print(
        f"point reads/s, {args.users} greenlets in 1 process, {args.duration:.0f} s each, "
        f"best of {args.rounds}"
    )
    print(f"{'loop':<40} {'reads/s':>10} {'vs bare':>8} {'CPU ms/read':>12}")
    for name in (BARE, TUNED, RUBENCH):
        rate, cpu_ms = best[name]
        print(f"{name:<40} {rate:>10.0f} {rate / best[BARE][0]:>8.2f} {cpu_ms:>12.2f}")


if __name__ == "__main__":
    main()
