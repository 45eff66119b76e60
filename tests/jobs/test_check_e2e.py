"""The CI recipe (docs/ci-recipe.md) end to end on the local emulator: a baseline from one
run; a rerun of the same workload passes; a run whose query path is excluded from the
index fails."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

WORKLOADS = Path(__file__).with_name("workloads")


def run_ci_workload(rubench, workload: Path, out: Path) -> Path:
    code = rubench("run", "--workload", workload, "--users", "4", "--duration", "6s", "--out", out)
    assert code == 0
    return out


def test_baseline_rerun_passes_and_scanning_query_fails(tmp_path: Path, rubench, capsys) -> None:
    workload = WORKLOADS / "ci.toml"
    baseline = tmp_path / "ci" / "baseline.json"
    first = run_ci_workload(rubench, workload, tmp_path / "first")
    assert rubench("baseline", first, "-o", baseline) == 0

    rerun = run_ci_workload(rubench, workload, tmp_path / "rerun")
    capsys.readouterr()
    assert rubench("check", rerun, "--baseline", baseline) == 0
    assert "PASS: 4 operation(s) within 10%" in capsys.readouterr().out

    # the same workload with /sku/? excluded from the index: query_by_sku now scans
    variant = tmp_path / "unindexed"
    variant.mkdir()
    shutil.copy(workload, variant / "ci.toml")
    policy = (WORKLOADS / "ci-index.json").read_text()
    (variant / "ci-index.json").write_text(
        policy.replace('"excludedPaths": [', '"excludedPaths": [{"path": "/sku/?"}, ')
    )
    scanning = run_ci_workload(rubench, variant / "ci.toml", tmp_path / "scanning")
    capsys.readouterr()
    assert rubench("check", scanning, "--baseline", baseline) == 1
    out = capsys.readouterr().out
    assert "FAIL: 1 operation(s) regressed beyond 10%: query_by_sku" in out
    assert "query_by_sku: reads" in out
    failures = ET.parse(scanning / "check-junit.xml").getroot().findall(".//failure")
    assert [f.get("type") for f in failures] == ["scanning"]
    assert "SCANNING" in (scanning / "check-summary.md").read_text()


FAILING_BATCH = """name = "batches"
[container]
container = "batches"
[documents]
count = 10
size_bytes = 30000
[operations.point_read]
kind = "read"
weight = 1
[operations.big_batch]
kind = "batch"
weight = 1
batch_size = {batch_size}
"""


def test_a_failing_operation_fails_run_baseline_and_check(tmp_path: Path, rubench, capsys) -> None:
    """100 upserts of 30 kB exceed the 2 MB batch limit: every batch fails (413). The run
    exits 1 with the reason, no baseline is taken from it, and check refuses to pass it."""
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(FAILING_BATCH.format(batch_size=2))
    bad.write_text(FAILING_BATCH.format(batch_size=100))
    baseline = tmp_path / "baseline.json"
    run_ci_workload(rubench, good, tmp_path / "good")
    assert rubench("baseline", tmp_path / "good", "-o", baseline) == 0

    capsys.readouterr()
    args = ("--users", "2", "--duration", "4s", "--out", tmp_path / "bad")
    assert rubench("run", "--workload", bad, *args) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("rubench: error: calls failed: big_batch 100% of ")
    assert "status 413" in error

    assert rubench("baseline", tmp_path / "bad", "-o", tmp_path / "bad.json") == 2
    assert "every call of big_batch failed" in capsys.readouterr().err
    assert not (tmp_path / "bad.json").exists()

    assert rubench("check", tmp_path / "bad", "--baseline", baseline) == 1
    out = capsys.readouterr().out
    assert "big_batch: 100% of calls failed (baseline 0%)" in out
    failures = ET.parse(tmp_path / "bad" / "check-junit.xml").getroot().findall(".//failure")
    assert [f.get("type") for f in failures] == ["failing"]


FAILING_QUERY = """name = "badquery"
[container]
container = "badquery"
partition_key = "/categoryId"
[documents]
count = 20
categories = 2
[operations.point_read]
kind = "read"
weight = 1
[operations.by_category]
kind = "query"
weight = 1
sql = "SELECT * FROM c WHERE c.categoryId = @cat{extra}"
parameters = {{ "@cat" = "field:categoryId" }}
"""


def test_a_failing_query_charged_like_a_point_read_fails_check(
    tmp_path: Path, rubench, capsys
) -> None:
    """Every query fails (400, charged 1 RU) next to 1 RU point reads: the charges of the
    failed calls are not "a target that charges the same for everything", so check does
    not refuse the run (exit 2, blaming the target) but fails the operation (exit 1)."""
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(FAILING_QUERY.format(extra=""))
    bad.write_text(FAILING_QUERY.format(extra=" AND NOSUCHFN(c.price)"))
    baseline = tmp_path / "baseline.json"
    run_ci_workload(rubench, good, tmp_path / "good")
    assert rubench("baseline", tmp_path / "good", "-o", baseline) == 0

    args = ("--users", "2", "--duration", "4s", "--out", tmp_path / "bad")
    assert rubench("run", "--workload", bad, *args) == 1
    capsys.readouterr()
    assert rubench("check", tmp_path / "bad", "--baseline", baseline) == 1
    assert "by_category: 100% of calls failed (baseline 0%)" in capsys.readouterr().out
