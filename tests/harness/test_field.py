"""rubench as users run it outside `rubench run`: plain `locust` (hand-started master and
workers, the web UI), containers seeded differently from the workload file. Each test
checks that the figures in the run directory are the true ones (the emulator's ledger is
the referee), or flagged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.emulator import fetch_ledger
from bench.harness.run import LOCUSTFILE, container_link, ensure_seeded, free_port, ledger_delta
from bench.harness.target import Target
from bench.harness.workload import WORKLOAD_VARIABLE, load_workload
from bench.rundata import load_requests
from bench.rundata.reading import part_rows
from bench.rundata.schema import REQUEST_SCHEMA

READS = """name = "{name}"
[container]
container = "{name}"
throughput = {{ mode = "manual", rus = {rus} }}
[documents]
count = 20
[operations.point_read]
kind = "read"
weight = 1
"""


def workload_file(tmp_path: Path, name: str, rus: int = 10000, *, mkdir: bool = False) -> Path:
    if mkdir:
        tmp_path.mkdir()
    path = tmp_path / f"{name}.toml"
    path.write_text(READS.format(name=name, rus=rus))
    return path


def locust_env(target: Target, workload: Path) -> dict[str, str]:
    return {**os.environ, **target.child_environment(), WORKLOAD_VARIABLE: str(workload)}


@contextmanager
def started(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen]:
    cwd.mkdir(parents=True, exist_ok=True)
    with (cwd / "locust.log").open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def charged(target: Target, workload_path: Path, before: dict) -> dict:
    link = container_link(load_workload(workload_path))
    after = fetch_ledger(target.endpoint, target.key)
    return ledger_delta(after["containers"][link], before["containers"].get(link, {}))


def assert_charged_as_recorded(ledger: dict, rows) -> None:
    """The point reads the emulator served and charged are exactly the recorded ones (the
    SDK's metadata requests are charged to no partition)."""
    served = [p["operations"].get("Read", {}) for p in ledger["partitions"].values()]
    reads = rows[rows["kind"] == "read"]
    assert len(reads) == sum(tally.get("requests", 0) for tally in served)
    assert reads["ru"].sum() == pytest.approx(sum(t.get("request_charge", 0) for t in served))


def test_hand_started_master_and_workers_write_every_row_into_the_masters_directory(
    tmp_path, local_target
):
    """Workers started by hand from other directories, one with its own --rubench-run-dir:
    every row still lands in the master's run directory, and run.json's row check agrees."""
    path = workload_file(tmp_path, "by_hand")
    ensure_seeded(load_workload(path), local_target, progress=False)
    env = locust_env(local_target, path)
    run_dir, port = tmp_path / "master" / "run", str(free_port())
    before = fetch_ledger(local_target.endpoint, local_target.key)
    master = locust(
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--headless", "--users", "4", "--spawn-rate", "50", "--run-time", "4s",
        "--expect-workers", "2", "--host", local_target.endpoint,
        "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    worker = locust("--worker", "--master-host", "127.0.0.1", "--master-port", port)
    with (
        started(master, env, tmp_path / "master") as process,
        started(worker, env, tmp_path / "w1"),
        started([*worker, "--rubench-run-dir", str(tmp_path / "mine")], env, tmp_path / "w2"),
    ):
        process.wait(timeout=120)
    rows = load_requests(run_dir, columns=REQUEST_SCHEMA.names)
    assert rows.loc[rows["kind"] == "read", "worker"].nunique() == 2  # the master reads offers
    assert_charged_as_recorded(charged(local_target, path, before), rows)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["rows"] == {
        "counted": len(rows),
        "in_directory": len(rows),
        "workers_unaccounted": [],
    }
    assert not list((tmp_path / "w1").glob("reports/**/*.parquet"))
    assert not list((tmp_path / "w2").glob("reports/**/*.parquet"))
    assert not (tmp_path / "mine").exists()


def test_a_worker_that_quits_mid_run_hands_over_its_final_count(tmp_path, local_target):
    """A hand-started worker stopped by Ctrl-C mid-run quits as Locust does, writing its
    last rows and handing its final count to the master (the interruption used to land in
    a user greenlet instead: a traceback, a charged call never recorded, no quit)."""
    path = workload_file(tmp_path, "worker_quits")
    ensure_seeded(load_workload(path), local_target, progress=False)
    env = locust_env(local_target, path)
    run_dir, port = tmp_path / "master" / "run", str(free_port())
    master = locust(
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--headless", "--users", "4", "--spawn-rate", "50", "--run-time", "10s",
        "--expect-workers", "2", "--host", local_target.endpoint,
        "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    worker = locust("--worker", "--master-host", "127.0.0.1", "--master-port", port)
    before = fetch_ledger(local_target.endpoint, local_target.key)
    with (
        started(master, env, tmp_path / "master") as process,
        started(worker, env, tmp_path / "w1") as quitter,
        started(worker, env, tmp_path / "w2"),
    ):
        wait_for(lambda: list(run_dir.glob(f"requests/part-*-{quitter.pid}-*")), "its rows")
        quitter.send_signal(signal.SIGINT)
        assert quitter.wait(timeout=60) == 0
        process.wait(timeout=120)
    assert "Traceback" not in (tmp_path / "w1" / "locust.log").read_text()
    rows = load_requests(run_dir, columns=REQUEST_SCHEMA.names)
    assert_charged_as_recorded(charged(local_target, path, before), rows)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["rows"] == {
        "counted": len(rows),
        "in_directory": len(rows),
        "workers_unaccounted": [],
    }


def strict_report(run_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", "report", str(run_dir), "--strict"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_flags_a_run_directory_missing_rows(tmp_path, local_target):
    """A part lost after the run, or one added: the report says which, and `--strict`
    fails."""
    from .test_runs import run

    workload = load_workload(workload_file(tmp_path, "lost_rows"))
    run_dir, rows = run(tmp_path, local_target, workload, duration_s=3)
    parts = sorted((run_dir / "requests").glob("part-*.parquet"))
    assert json.loads((run_dir / "run.json").read_text())["rows"]["counted"] == len(rows)
    copy = run_dir / "requests" / "part-copied-000000.parquet"
    copy.write_bytes(parts[0].read_bytes())
    more = part_rows(run_dir) - len(rows)
    added = strict_report(run_dir)
    assert added.returncode == 1, added.stderr
    assert f"holds {len(rows) + more:,} rows ({more:,} more): rows no process" in added.stderr
    copy.unlink()
    lost = part_rows(run_dir) - (parts[0].unlink() or part_rows(run_dir))
    assert lost > 0
    strict = strict_report(run_dir)
    assert strict.returncode == 1, strict.stderr
    assert f"{len(rows):,} calls were counted" in strict.stderr
    assert f"holds {len(rows) - lost:,} rows ({lost:,} fewer): every figure" in strict.stderr
    assert f"{len(rows):,} calls were counted" in (run_dir / "report.html").read_text()
    lenient = subprocess.run(
        [sys.executable, "-m", "bench", "report", str(run_dir)], capture_output=True, timeout=120
    )
    assert lenient.returncode == 0


@pytest.mark.parametrize("stop", ["run-time", "ctrl-c"])
def test_plain_locust_records_the_calls_in_flight_when_it_stops(tmp_path, local_target, stop):
    """Plain `locust` (one process, --stop-timeout 0) kills users mid-call when the run
    time ends or on Ctrl-C; the emulator charged those calls, so they must be recorded."""
    path = workload_file(tmp_path, f"in_flight_{stop.replace('-', '_')}")
    ensure_seeded(load_workload(path), local_target, progress=False)
    run_dir = tmp_path / "run"
    before = fetch_ledger(local_target.endpoint, local_target.key)
    command = locust(
        "--headless", "--users", "8", "--spawn-rate", "100", "--host", local_target.endpoint,
        "--run-time", "4s" if stop == "run-time" else "5m", "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    with started(command, locust_env(local_target, path), tmp_path) as process:
        if stop == "ctrl-c":
            deadline = time.monotonic() + 60
            while not list(run_dir.glob("requests/part-*")) and time.monotonic() < deadline:
                time.sleep(0.2)
            process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    rows = load_requests(run_dir, columns=REQUEST_SCHEMA.names)
    assert len(rows) > 0
    assert_charged_as_recorded(charged(local_target, path, before), rows)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == ("completed" if stop == "run-time" else "interrupted")
    assert info["rows"]["counted"] == info["rows"]["in_directory"] == len(rows)


BULK = """name = "{name}"
[container]
container = "{name}"
throughput = {{ mode = "manual", rus = 10000 }}
[documents]
count = 20
[operations.import_bulk]
kind = "bulk_create"
weight = 1
bulk_size = 100
concurrency = 20
"""


def test_plain_locust_stopping_during_bulk_creates_records_them_without_tracebacks(
    tmp_path, local_target
):
    """A bulk_create has many calls in flight at once (greenlets of a pool): at stop, the
    user waits for all of them, and the pool's greenlets that may not start another call
    end quietly (they printed one StopUser traceback each, hundreds per run)."""
    path = tmp_path / "bulk_at_stop.toml"
    path.write_text(BULK.format(name="bulk_at_stop"))
    ensure_seeded(load_workload(path), local_target, progress=False)
    run_dir = tmp_path / "run"
    before = fetch_ledger(local_target.endpoint, local_target.key)
    command = locust(
        "--headless", "--users", "4", "--spawn-rate", "100", "--host", local_target.endpoint,
        "--run-time", "3s", "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    with started(command, locust_env(local_target, path), tmp_path) as process:
        process.wait(timeout=120)
    log = (tmp_path / "locust.log").read_text()
    assert "Traceback" not in log and "StopUser" not in log, log[-2000:]
    rows = load_requests(run_dir, columns=REQUEST_SCHEMA.names)
    creates = rows[rows["kind"] == "bulk_create"]
    ledger = charged(local_target, path, before)
    served = [p["operations"].get("Create", {}) for p in ledger["partitions"].values()]
    assert len(creates) == sum(tally.get("requests", 0) for tally in served) > 0
    assert creates["ru"].sum() == pytest.approx(sum(t.get("request_charge", 0) for t in served))


def test_the_report_uses_the_containers_offer_not_the_workload_files(tmp_path, local_target):
    """Seeded at 10,000 RU/s, run with a file that says 400: run.json, the summary and the
    report use the 10,000 the target reports, and the report says that the file differs."""
    from azure.cosmos import CosmosClient

    from bench.report import write_run_report

    from .test_runs import run

    ensure_seeded(load_workload(workload_file(tmp_path, "offered", 10000)), local_target)
    says_400 = load_workload(workload_file(tmp_path / "other", "offered", 400, mkdir=True))
    run_dir, _ = run(tmp_path, local_target, says_400, duration_s=3)
    container = json.loads((run_dir / "run.json").read_text())["container"]
    assert container["throughput"] == {"mode": "manual", "rus": 10000, "source": "target"}
    assert container["workload_throughput"] == {"mode": "manual", "rus": 400, "source": None}
    client = CosmosClient(local_target.endpoint, local_target.key)
    proxy = client.get_database_client("rubench").get_container_client("offered")
    assert container["physical_partitions"] == len(list(proxy.read_feed_ranges()))
    assert json.loads((run_dir / "summary.json").read_text())["provisioned_rus"] == 10000
    html = write_run_report(run_dir).read_text()
    assert "not the 400 RU/s (manual) the workload file says" in html
    assert "of the 400 RU/s provisioned" not in html


def post(base: str, path: str, form: dict[str, str] | None = None) -> bytes:
    data = urllib.parse.urlencode(form or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=30) as r:
        return r.read()


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_web_ui_runs_record_each_start_stop_and_reset_as_a_phase(tmp_path, local_target):
    """Driven through Locust's HTTP API as the web UI does: the idle time before the first
    start is not part of the run, Stop completes it, and a second start is a new phase."""
    path = workload_file(tmp_path, "web_ui")
    ensure_seeded(load_workload(path), local_target, progress=False)
    run_dir, port = tmp_path / "run", free_port()
    before = fetch_ledger(local_target.endpoint, local_target.key)
    command = locust(
        "--web-host", "127.0.0.1", "--web-port", str(port), "--host", local_target.endpoint,
        "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    info = lambda: json.loads((run_dir / "run.json").read_text())  # noqa: E731
    with started(command, locust_env(local_target, path), tmp_path) as process:
        wait_for(lambda: (run_dir / "run.json").exists(), "run.json")
        time.sleep(2)  # idle in the web UI before anyone presses Start
        assert info()["status"] == "waiting"
        swarmed = time.time()
        assert json.loads(post(base, "/swarm", {"user_count": "3", "spawn_rate": "30"}))["success"]
        wait_for(lambda: part_rows(run_dir) > 0, "rows")
        post(base, "/stats/reset")
        time.sleep(1)
        post(base, "/stop")
        wait_for(lambda: info()["status"] == "completed", "Stop to complete the run")
        first = info()
        time.sleep(1.5)
        assert json.loads(post(base, "/swarm", {"user_count": "2", "spawn_rate": "20"}))["success"]
        wait_for(lambda: len(info()["phases"]) == 3, "the second start")
        time.sleep(1)
        post(base, "/stop")
        wait_for(lambda: info()["status"] == "completed", "the second Stop")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    final = info()
    assert swarmed <= final["started_at"] < swarmed + 10
    assert first["ended_at"] is not None and first["ended_at"] < final["ended_at"]
    phases = final["phases"]
    assert [p.get("reset", False) for p in phases] == [False, True, False]
    assert [(p["users"], p["spawn_rate"]) for p in phases] == [(3, 30), (3, 30), (2, 20)]
    assert phases[0]["ended_at"] == phases[1]["started_at"]
    assert phases[2]["started_at"] - phases[1]["ended_at"] >= 1.5
    assert (final["users"], final["spawn_rate"]) == (2, 20)
    rows = load_requests(run_dir, columns=REQUEST_SCHEMA.names)
    assert final["rows"]["counted"] == final["rows"]["in_directory"] == len(rows)
    assert_charged_as_recorded(charged(local_target, path, before), rows)
    from bench.report import write_run_report

    html = write_run_report(run_dir).read_text()
    assert "The test was started 2 times" in html and "reset 1 time(s)" in html


def test_ctrl_c_after_the_web_uis_stop_leaves_the_run_completed(tmp_path, local_target):
    """Ctrl-C is how a web-UI session ends: after Stop it quits Locust, it interrupts no
    test, so the run is not reported as interrupted."""
    path = workload_file(tmp_path, "web_ui_quit")
    ensure_seeded(load_workload(path), local_target, progress=False)
    run_dir, port = tmp_path / "run", free_port()
    command = locust(
        "--web-host", "127.0.0.1", "--web-port", str(port), "--host", local_target.endpoint,
        "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    info = lambda: json.loads((run_dir / "run.json").read_text())  # noqa: E731
    with started(command, locust_env(local_target, path), tmp_path) as process:
        wait_for(lambda: (run_dir / "run.json").exists(), "run.json")
        assert json.loads(post(base, "/swarm", {"user_count": "2", "spawn_rate": "20"}))["success"]
        wait_for(lambda: part_rows(run_dir) > 0, "rows")
        # a new user count while the test runs: the same phase, with what was asked for
        assert json.loads(post(base, "/swarm", {"user_count": "3", "spawn_rate": "30"}))["success"]
        wait_for(lambda: info()["users"] == 3, "the new user count")
        post(base, "/stop")
        wait_for(lambda: info()["status"] == "completed", "Stop to complete the run")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    final = info()
    assert final["status"] == "completed"
    assert [(p["users"], p["spawn_rate"]) for p in final["phases"]] == [(3, 30)]
    assert (final["users"], final["spawn_rate"]) == (3, 30)
    assert final["rows"]["counted"] == final["rows"]["in_directory"] > 0


def test_a_web_ui_master_records_its_workers_and_a_new_user_count(tmp_path, local_target):
    """A master driven from the web UI with workers started by hand (no --expect-workers):
    run.json counts the workers connected, not 1, and a new user count and spawn rate
    asked for while the test runs is what run.json says."""
    path = workload_file(tmp_path, "web_ui_workers")
    ensure_seeded(load_workload(path), local_target, progress=False)
    env = locust_env(local_target, path)
    run_dir, port, web = tmp_path / "master" / "run", str(free_port()), free_port()
    master = locust(
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--web-host", "127.0.0.1", "--web-port", str(web), "--host", local_target.endpoint,
        "--rubench-run-dir", str(run_dir),
    )  # fmt: skip
    worker = locust("--worker", "--master-host", "127.0.0.1", "--master-port", port)
    base = f"http://127.0.0.1:{web}"
    info = lambda: json.loads((run_dir / "run.json").read_text())  # noqa: E731
    with (
        started(master, env, tmp_path / "master") as process,
        started(worker, env, tmp_path / "w1"),
        started(worker, env, tmp_path / "w2"),
    ):
        wait_for(lambda: (run_dir / "run.json").exists(), "run.json")
        ready = lambda: json.loads(urllib.request.urlopen(base + "/stats/requests").read())  # noqa: E731
        wait_for(lambda: len(ready().get("workers", [])) == 2, "two workers")
        assert json.loads(post(base, "/swarm", {"user_count": "4", "spawn_rate": "40"}))["success"]
        wait_for(lambda: info()["users"] == 4, "four users")
        assert json.loads(post(base, "/swarm", {"user_count": "2", "spawn_rate": "20"}))["success"]
        wait_for(lambda: info()["users"] == 2, "the new user count")
        post(base, "/stop")
        wait_for(lambda: info()["status"] == "completed", "Stop to complete the run")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    final = info()
    assert final["rows"]["counted"] == final["rows"]["in_directory"] > 0
    assert final["rows"]["workers_unaccounted"] == []
    assert final["processes"] == 2
    assert (final["users"], final["spawn_rate"]) == (2, 20)
    assert (final["phases"][-1]["users"], final["phases"][-1]["spawn_rate"]) == (2, 20)


def test_the_console_shows_a_live_line_and_the_tables_once(tmp_path, local_target):
    """Locust's table and the RU table every 2 s flooded a 15 s run with ~640 lines."""
    from .test_runs import run

    workload = load_workload(workload_file(tmp_path, "quiet"))
    run_dir, _ = run(tmp_path, local_target, workload, duration_s=7)
    log = (run_dir / "locust.log").read_text().splitlines()
    live = [line for line in log if "rubench " in line and " calls " in line]
    assert live and all(" users | " in line and " RU/s | 429s " in line for line in live)
    # the final tables only: Locust's statistics and percentiles, rubench's RU table
    assert sum(" Aggregated " in line for line in log) == 3


def test_a_throughput_change_during_the_run_is_recorded_and_flagged(tmp_path, local_target):
    """Scaled from 10,000 to 12,000 RU/s mid-run: run.json keeps the start's offer and
    adds the end's, and the report says the container changed."""
    import threading

    from azure.cosmos import CosmosClient

    from bench.report import write_run_report

    from .test_runs import run

    workload = load_workload(workload_file(tmp_path, "rescaled"))
    ensure_seeded(workload, local_target, progress=False)
    client = CosmosClient(local_target.endpoint, local_target.key)
    proxy = client.get_database_client("rubench").get_container_client("rescaled")
    result: dict = {}
    runner = threading.Thread(
        target=lambda: result.update(out=run(tmp_path, local_target, workload, duration_s=8))
    )
    runner.start()
    wait_for(lambda: list((tmp_path / "run").glob("requests/part-*")), "rows")
    proxy.replace_throughput(12000)
    runner.join(timeout=120)
    run_dir, _ = result["out"]
    container = json.loads((run_dir / "run.json").read_text())["container"]
    assert container["throughput"]["rus"] == 10000
    assert container["at_end"]["throughput"] == {"mode": "manual", "rus": 12000, "source": "target"}
    assert "The container changed during the run" in write_run_report(run_dir).read_text()


def test_unverified_tls_warns_once_not_per_connection(tls_emulator):
    """The SDK skips certificate checks on 127.0.0.1 and localhost, and urllib3 warns on
    every new unverified connection (6,631 warnings in 15 s against the official emulator,
    which does not keep connections alive). Five clients, five connections: one warning."""
    script = (
        "import sys\n"
        "from bench.harness.target import resolve_target, sync_client\n"
        "for _ in range(5):\n"
        "    list(sync_client(resolve_target(sys.argv[1])).list_databases())\n"
    )
    env = {**os.environ, "COSMOS_KEY": tls_emulator.key, "RUBENCH_TARGET_KIND": "local"}
    done = subprocess.run(
        [sys.executable, "-c", script, tls_emulator.endpoint],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("InsecureRequestWarning") == 1
