"""`rubench run` stopped from outside: SIGTERM goes the way of Ctrl-C (Locust stopped and
waited for, summary and report written, nothing orphaned), and a target that dies mid-run
leaves a run marked failed, with the reason, and the summary and report of what completed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.emulator import LocalEmulator
from bench.rundata import load_requests

SMOKE = Path(__file__).parents[2] / "workloads" / "smoke.toml"


def start_run(out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "bench", "run", "--workload", str(SMOKE), "--users", "4"]
    command += ["--out", str(out), *args]
    base = {k: v for k, v in os.environ.items() if k != "COSMOS_KEY"}
    return subprocess.Popen(
        command,
        env={**base, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for_rows(out: Path, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not list(out.glob("requests/part-*.parquet")):
        assert process.poll() is None, process.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "no request rows written"
        time.sleep(0.2)


def test_sigterm_stops_the_run_like_ctrl_c(tmp_path):
    out = tmp_path / "run"
    process = start_run(out, "--duration", "5m")
    try:
        wait_for_rows(out, process)
        descendants = psutil.Process(process.pid).children(recursive=True)
        assert any("locust" in " ".join(p.cmdline()) for p in descendants)
        os.kill(process.pid, signal.SIGTERM)  # the process only, as a supervisor would
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + signal.SIGTERM, stderr.decode()[-2000:]
    assert stderr.decode().strip().splitlines()[-1] == "rubench: terminated"
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "interrupted"
    assert info["status_reason"] == "stopped by SIGTERM"
    assert info["ended_at"] - info["started_at"] < 240
    assert len(load_requests(out)) > 0
    assert (out / "summary.json").exists() and (out / "report.html").exists()
    assert "stopped by SIGTERM" in (out / "report.html").read_text()
    assert_row_check_holds(out)
    # the emulator outlived the stop (only rubench was signalled), so the ledger was read
    assert json.loads((out / "partitions.json").read_text())["requests"] > 0
    left = [p.pid for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], "Locust or the emulator outlived rubench"


def locust_workers(process: subprocess.Popen) -> list[psutil.Process]:
    """The --processes workers: the children of rubench's Locust (the master)."""
    children = psutil.Process(process.pid).children()
    master = next(p for p in children if "locust" in " ".join(p.cmdline()))
    return master.children()


def assert_row_check_holds(out: Path) -> None:
    """run.json counts exactly the rows in the directory, and the report finds nothing."""
    rows = json.loads((out / "run.json").read_text())["rows"]
    assert rows["counted"] == rows["in_directory"] == len(load_requests(out)) > 0, rows
    assert rows["workers_unaccounted"] == []
    assert "calls were counted during the run" not in (out / "report.html").read_text()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "ctrl-c"])
def test_a_stop_with_processes_waits_for_the_workers_and_counts_their_rows(tmp_path, stop):
    # Locust's master exited in ~3 s; its --processes workers lived on, orphaned, for up to
    # a minute, and wrote their last rows after summary and report had been written. And
    # the master counted the workers' rows as they last reported, not their final counts.
    out = tmp_path / "run"
    process = start_run(out, "--duration", "5m", "--processes", "2")
    try:
        wait_for_rows(out, process)
        time.sleep(2)
        descendants = psutil.Process(process.pid).children(recursive=True)
        os.kill(process.pid, stop)
        _, stderr = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + stop, stderr.decode()[-2000:]
    left = [p.pid for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], "Locust's workers outlived rubench"
    # no row arrives after rubench exited (after its summary and report)
    written = len(load_requests(out))
    time.sleep(3)
    assert len(load_requests(out)) == written
    assert_row_check_holds(out)


def test_a_worker_killed_mid_run_is_named_as_unaccounted(tmp_path):
    """A SIGKILLed worker never hands over its last rows: run.json and the report name it
    (it used to vanish from the check once Locust had dropped it)."""
    out = tmp_path / "run"
    process = start_run(out, "--duration", "5m", "--processes", "2")
    try:
        wait_for_rows(out, process)
        time.sleep(4)  # past a worker report (every 3 s): both workers have taken part
        locust_workers(process)[0].kill()
        time.sleep(1)
        os.kill(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + signal.SIGTERM, stderr.decode()[-2000:]
    unaccounted = json.loads((out / "run.json").read_text())["rows"]["workers_unaccounted"]
    assert len(unaccounted) == 1
    assert (
        f"never handed over their last rows: {unaccounted[0]}" in (out / "report.html").read_text()
    )


@pytest.mark.parametrize("client", ["sdk", "fast"])
def test_a_target_that_dies_mid_run_fails_the_run_and_keeps_what_completed(tmp_path, client):
    out = tmp_path / "run"
    with LocalEmulator(port=0) as emulator:
        env = {"COSMOS_KEY": emulator.key, "RUBENCH_TARGET_KIND": "local"}
        where = ("--target", emulator.endpoint, "--client", client)
        process = start_run(out, "--duration", "10s", *where, env=env)
        try:
            wait_for_rows(out, process)
            os.kill(emulator.pid, signal.SIGKILL)
            _, stderr = process.communicate(timeout=180)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    lines = stderr.decode().strip().splitlines()
    endpoint = emulator.endpoint.rstrip("/")
    assert process.returncode != 0
    assert lines[-1].startswith(f"rubench: error: the target {endpoint} stopped answering")
    assert lines[-1].endswith(f"{out} holds what completed")
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "failed"
    assert info["status_reason"].startswith(f"the target {endpoint} stopped answering")
    rows = load_requests(out)
    assert (rows["outcome"] == "ok").any() and (rows["status"] == 0).any()
    assert (out / "summary.json").exists() and (out / "report.html").exists()
    assert "stopped answering" in (out / "report.html").read_text()
    assert info["client"]["kind"] == client
