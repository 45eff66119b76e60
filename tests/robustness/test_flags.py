"""Bad flags and environment: one line naming the flag and what is allowed, never a usage
block, a traceback or a fork of thousands of processes."""

from pathlib import Path

import pytest

from bench.cli import build_parser, main
from bench.harness.command import available_cpus

SMOKE = str(Path(__file__).parents[2] / "workloads" / "smoke.toml")


def one_line(capsys, code: int) -> str:
    err = capsys.readouterr().err
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rubench: error: "), lines[0]
    return lines[0]


def test_a_flag_that_is_not_a_number_is_one_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--workload", SMOKE, "--users", "abc"])
    line = one_line(capsys, exited.value.code)
    assert "argument --users: invalid int value: 'abc' (see rubench run --help)" in line


@pytest.mark.parametrize("rate", ["nan", "inf"])
def test_a_spawn_rate_that_is_not_finite_is_one_line(capsys, rate):
    line = one_line(capsys, main(["run", "--workload", SMOKE, "--spawn-rate", rate]))
    assert f"--spawn-rate {rate}: expected a finite number above 0" in line


def test_processes_are_bounded_by_the_cpus(capsys, closed_endpoint):
    cpus = available_cpus()
    run = ["run", "--workload", SMOKE, "--target", closed_endpoint, "--processes", "99999"]
    line = one_line(capsys, main(run))
    assert f"--processes 99999: expected at most {cpus} (this machine offers {cpus} CPUs" in line
    assert "--force-processes" in line
    assert "expected at most 256" in one_line(capsys, main([*run, "--force-processes"]))


def test_a_cosmos_key_that_is_not_base64_is_one_line(capsys, monkeypatch, closed_endpoint):
    monkeypatch.setenv("COSMOS_KEY", "not-a-key!")
    line = one_line(capsys, main(["run", "--workload", SMOKE, "--target", closed_endpoint]))
    assert "COSMOS_KEY is not an account key: expected base64 text" in line
    assert "not-a-key!" not in line


def test_seed_and_run_share_a_target_and_local_seeding_is_refused(capsys):
    parser = build_parser()
    seed = parser.parse_args(["seed", "--workload", SMOKE])
    run = parser.parse_args(["run", "--workload", SMOKE])
    assert seed.target == run.target == "local"
    line = one_line(capsys, main(["seed", "--workload", SMOKE]))
    assert "seed --target local: rubench's local emulator keeps its data only while it runs" in line


def test_seed_concurrency_is_bounded(capsys):
    seed = ["seed", "--workload", SMOKE, "--target", "emulator", "--concurrency", "100000"]
    line = one_line(capsys, main(seed))
    assert "--concurrency 100000: expected at most 1024 creates in flight" in line


def test_an_unknown_client_is_one_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--workload", SMOKE, "--client", "turbo"])
    line = one_line(capsys, exited.value.code)
    assert "argument --client: invalid choice: 'turbo' (choose from" in line
