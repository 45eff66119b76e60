"""`rubench seed` and `rubench run` from the command line: idempotent seeding, and one
clear line plus a non-zero exit for each kind of bad input."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.emulator.costs import read_charge
from bench.rundata import load_requests

WORKLOADS = Path(__file__).parents[2] / "workloads"


def rubench(*args: str, key: str | None = None, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k != "COSMOS_KEY"}
    if key is not None:
        env["COSMOS_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def one_line_error(result) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rubench: error: ")
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_seed_is_idempotent_and_reports_its_ru(tmp_path, emulator):
    workload = tmp_path / "seeded.toml"
    workload.write_text(
        'name = "seeded"\n[container]\ncontainer = "seeded"\n[documents]\ncount = 30\n'
        '[operations.r]\nkind = "read"\n'
    )
    pattern = r"(\d+) documents created, (\d+) already there, ([\d.]+) RU spent"
    seed = ("seed", "--workload", str(workload), "--target", emulator.endpoint)
    first = rubench(*seed, key=emulator.key)
    assert first.returncode == 0, first.stderr
    created, existing, ru = re.search(pattern, first.stdout).groups()
    assert (int(created), int(existing)) == (30, 0) and float(ru) > 30 * 5
    second = rubench(*seed, key=emulator.key)
    assert second.returncode == 0, second.stderr
    assert re.search(pattern, second.stdout).groups()[:2] == ("0", "30")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = [", "not valid TOML"),
        (
            'name = "x"\n[operations.r]\nkind = "scan"\n',
            "operations.r.kind: 'scan' is not one of read, query",
        ),
    ],
)
def test_bad_workload_files(tmp_path, text, expected):
    workload = tmp_path / "bad.toml"
    workload.write_text(text)
    line = one_line_error(rubench("run", "--workload", str(workload), "--target", "emulator"))
    assert str(workload) in line and expected in line


def test_unreachable_endpoint(tmp_path):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    smoke = str(WORKLOADS / "smoke.toml")
    result = rubench(
        "run", "--workload", smoke, "--target", endpoint, "--out", str(tmp_path / "run"), key="a2V5"
    )
    assert f"cannot reach {endpoint}" in one_line_error(result)


def test_wrong_key(tmp_path, emulator):
    smoke = str(WORKLOADS / "smoke.toml")
    out = str(tmp_path / "run")
    result = rubench(
        "run", "--workload", smoke, "--target", emulator.endpoint, "--out", out, key="d3Jvbmcga2V5"
    )
    line = one_line_error(result)
    assert "rejected the credentials (401 Unauthorized); check COSMOS_KEY" in line
    assert "d3Jvbmcga2V5" not in result.stderr + result.stdout


def test_run_on_a_strong_local_account_records_reads_at_twice_the_charge(tmp_path):
    workload = tmp_path / "reads.toml"
    workload.write_text(
        'name = "reads"\n[container]\ncontainer = "reads"\n[documents]\ncount = 20\n'
        '[operations.r]\nkind = "read"\n'
    )
    out = tmp_path / "run"
    result = rubench(
        "run", "--workload", str(workload), "--target", "local", "--consistency", "Strong",
        "--duration", "3s", "--users", "2", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    reads = load_requests(out).query("kind == 'read' and outcome == 'ok'")
    assert len(reads) > 0
    for ru, size in zip(reads["ru"], reads["bytes"], strict=True):
        assert ru == pytest.approx(2 * read_charge(size), abs=0.01)
    assert json.loads((out / "run.json").read_text())["target"]["consistency"] == "Strong"
    ledger = json.loads((out / "partitions.json").read_text())
    assert ledger["operations"]["Read"]["request_charge"] == pytest.approx(
        reads["ru"].sum(), abs=0.05
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("emulator", "--consistency Strong needs --target local"),
        ("local", "--consistency: unknown consistency level 'Strongest'"),
    ],
)
def test_consistency_is_checked_before_anything_runs(tmp_path, target, expected):
    level = "Strong" if target == "emulator" else "Strongest"
    smoke = str(WORKLOADS / "smoke.toml")
    result = rubench(
        "run", "--workload", smoke, "--target", target, "--consistency", level,
        "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert expected in one_line_error(result)
    assert not (tmp_path / "run").exists()


def test_ctrl_c_keeps_what_was_done(tmp_path):
    """`--target local` end to end, stopped with a terminal's Ctrl-C (SIGINT to the whole
    foreground process group) once rows are on disk."""
    out = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "COSMOS_KEY"}
    command = [sys.executable, "-m", "bench", "run", "--workload", str(WORKLOADS / "smoke.toml")]
    command += ["--duration", "2m", "--users", "4", "--out", str(out)]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # as in a terminal, even when pytest itself runs in the background (which ignores
        # SIGINT, and an ignored signal stays ignored across exec)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("requests/part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGINT)  # its own group: this test's is left alone
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr.decode()[-2000:]
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "interrupted"
    assert info["ended_at"] - info["started_at"] < 60
    rows = load_requests(out)
    assert len(rows) > 0
    assert (out / "summary.json").exists()
    # the emulator (its own session) outlived the Ctrl-C, so the run's ledger was read
    ledger = json.loads((out / "partitions.json").read_text())
    assert ledger["container"] == "dbs/rubench/colls/smoke"
    assert ledger["requests"] >= len(rows) and ledger["request_charge"] > 0
