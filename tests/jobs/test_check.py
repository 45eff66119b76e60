"""`rubench baseline` / `rubench check` on synthetic runs: the gate's verdicts and CI files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


@pytest.fixture
def catalog_rows(rows):
    """`catalog_rows(query_ru, retrieved, hit_ratio)`: point reads at 1 RU plus a query
    returning 10 documents."""

    def build(query_ru: float = 3.0, retrieved: float = 10.0, hit_ratio: float = 1.0):
        return rows("point_read", "read", 50, 1.0) + rows(
            "query_by_category",
            "query",
            50,
            query_ru,
            retrieved_docs=retrieved,
            output_docs=10.0,
            index_hit_ratio=hit_ratio,
        )

    return build


@pytest.fixture
def baseline(tmp_path: Path, rubench, write_run, catalog_rows) -> Path:
    run = write_run(tmp_path / "base", catalog_rows())
    path = tmp_path / "ci" / "baseline.json"
    assert rubench("baseline", run, "-o", path) == 0
    return path


def test_baseline_records_ru_percentiles_and_query_efficiency(baseline: Path) -> None:
    document = json.loads(baseline.read_text())
    query = document["operations"]["query_by_category"]
    assert query["ru_p50"] == 3.0
    assert query["ru_p95"] == 3.0
    assert query["retrieved_docs"] == 10.0
    assert query["output_docs"] == 10.0
    assert query["index_hit_ratio"] == 1.0
    assert document["operations"]["point_read"]["retrieved_docs"] is None


def test_same_costs_pass(tmp_path, baseline, rubench, write_run, catalog_rows, capsys) -> None:
    run = write_run(tmp_path / "again", catalog_rows(query_ru=3.2))  # +7%, inside 10%
    assert rubench("check", run, "--baseline", baseline) == 0
    out = capsys.readouterr().out
    assert "PASS: 2 operation(s) within 10%" in out
    suite = ET.parse(run / "check-junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "0"
    assert "**PASS" in (run / "check-summary.md").read_text()


def test_costlier_operation_fails(tmp_path, baseline, rubench, write_run, catalog_rows, capsys):
    run = write_run(tmp_path / "pr", catalog_rows(query_ru=3.6))  # +20%
    junit, markdown = tmp_path / "out" / "junit.xml", tmp_path / "out" / "summary.md"
    code = rubench("check", run, "--baseline", baseline, "--junit", junit, "--markdown", markdown)
    assert code == 1
    out = capsys.readouterr().out
    assert "query_by_category: RU p50 3.00 -> 3.60 (+20%)" in out
    assert "FAIL: 1 operation(s) regressed beyond 10%: query_by_category" in out
    failures = ET.parse(junit).getroot().findall(".//testcase/failure")
    assert [f.get("type") for f in failures] == ["costlier"]
    assert "| query_by_category | 3.00 -> 3.60 |" in markdown.read_text()

    # a looser tolerance lets the same run through
    assert rubench("check", run, "--baseline", baseline, "--tolerance", "25%") == 0


def test_query_that_starts_scanning_fails_even_at_the_same_ru(
    tmp_path, baseline, rubench, write_run, catalog_rows, capsys
) -> None:
    run = write_run(tmp_path / "scan", catalog_rows(retrieved=500.0, hit_ratio=0.02))
    assert rubench("check", run, "--baseline", baseline) == 1
    out = capsys.readouterr().out
    assert "reads 50.0 documents per result (was 1.0)" in out
    assert "index hit ratio 1.00 -> 0.02" in out
    assert "SCANNING" in out


def test_missing_and_new_operations(tmp_path, baseline, rubench, write_run, rows, capsys):
    run = write_run(
        tmp_path / "other", rows("point_read", "read", 50, 1.0) + rows("upsert", "upsert", 5, 10.0)
    )
    assert rubench("check", run, "--baseline", baseline) == 1
    out = capsys.readouterr().out
    assert "query_by_category: not run" in out
    root = ET.parse(run / "check-junit.xml").getroot()
    assert root.find(".//testcase[@name='upsert']/skipped") is not None


def test_bad_baseline_files_are_named(tmp_path, baseline, rubench, write_run, catalog_rows, capsys):
    run = write_run(tmp_path / "run", catalog_rows())
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert rubench("check", run, "--baseline", broken) == 2
    assert f"baseline {broken} is not valid JSON" in capsys.readouterr().err

    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"operations": {}}))
    assert rubench("check", run, "--baseline", foreign) == 2
    assert "not a rubench baseline" in capsys.readouterr().err

    document = json.loads(baseline.read_text())
    document["operations"]["point_read"]["ru_p50"] = "one"
    bad_value = tmp_path / "bad.json"
    bad_value.write_text(json.dumps(document))
    assert rubench("check", run, "--baseline", bad_value) == 2
    assert "operation 'point_read': 'ru_p50' must be a number" in capsys.readouterr().err

    del document["operations"]["point_read"]["ru_p50"]
    bad_value.write_text(json.dumps(document))
    assert rubench("check", run, "--baseline", bad_value) == 2
    assert "needs count, kind, ru_p50, ru_p95" in capsys.readouterr().err


def test_a_baseline_of_another_workload_is_bad_input(
    tmp_path, baseline, rubench, write_run, rows, capsys
):
    run = write_run(tmp_path / "other", rows("upsert", "upsert", 5, 10.0), name="orders")
    assert rubench("check", run, "--baseline", baseline) == 2
    error = capsys.readouterr().err
    assert f"baseline {baseline}" in error
    assert "another workload ('synthetic', this run is 'orders')" in error


def test_queries_that_often_find_nothing_read_one_document_per_result(
    tmp_path, rubench, write_run, rows, capsys
) -> None:
    """Half the lookups return 1 document after reading 1, half read and return nothing."""
    lookups = rows("lookup", "query", 40, 2.0, retrieved_docs=[1.0, 0.0], output_docs=[1.0, 0.0])
    path = tmp_path / "baseline.json"
    assert rubench("baseline", write_run(tmp_path / "base", lookups), "-o", path) == 0
    found_more = rows("lookup", "query", 40, 2.0, retrieved_docs=1.0, output_docs=1.0)
    assert rubench("check", write_run(tmp_path / "run", found_more), "--baseline", path) == 0
    assert "1.0 -> 1.0" in capsys.readouterr().out


def test_unwritable_outputs_are_one_line_errors(
    tmp_path, baseline, rubench, write_run, catalog_rows, capsys
):
    run = write_run(tmp_path / "run", catalog_rows())
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert rubench("check", run, "--baseline", baseline, "--junit", blocker / "junit.xml") == 2
    assert f"{blocker / 'junit.xml'}: cannot write it" in capsys.readouterr().err
    assert rubench("baseline", run, "-o", blocker / "baseline.json") == 2
    assert f"{blocker / 'baseline.json'}: cannot write it" in capsys.readouterr().err


@pytest.mark.parametrize("job", ["plan", "baseline", "check"])
def test_a_run_directory_missing_rows_is_refused(
    tmp_path, baseline, rubench, write_run, catalog_rows, capsys, job
):
    """A part deleted after the run: the figures would be those of part of the run."""
    from bench.rundata.info import RowCheck, read_run_info, write_run_info

    run = write_run(tmp_path / "run", catalog_rows())
    write_run_info(run, read_run_info(run).updated(rows=RowCheck(counted=150, in_directory=100)))
    argv = _job_argv(job, run, tmp_path / "new.json", baseline)

    assert rubench(*argv) == 2
    error = capsys.readouterr().err
    assert f"{run}: 150 calls were counted during the run, but the run directory holds 100" in error
    assert not (tmp_path / "new.json").exists()


@pytest.mark.parametrize("job", ["plan", "baseline", "check"])
def test_a_run_whose_calls_all_fell_in_the_warm_up_says_so(
    tmp_path, baseline, rubench, write_run, catalog_rows, capsys, job
):
    """It said "the run recorded no requests" of a run that recorded 100."""
    from bench.rundata.info import read_run_info, write_run_info

    run = write_run(tmp_path / "run", catalog_rows(), duration_s=100.0)
    write_run_info(run, read_run_info(run).updated(warmup_s=200.0))
    argv = _job_argv(job, run, tmp_path / "new.json", baseline)

    assert rubench(*argv) == 2
    assert f"{run}: the run made no call after its 3 min 20 s warm-up (100 rows fell in it)" in (
        capsys.readouterr().err
    )


def _job_argv(job: str, run: Path, output: Path, baseline: Path) -> tuple[str | Path, ...]:
    """`rubench plan`, `baseline` or `check` of `run`: the three jobs that take its figures."""
    return {
        "plan": ("plan", run, "--peak-rate", "100"),
        "baseline": ("baseline", run, "-o", output),
        "check": ("check", run, "--baseline", baseline),
    }[job]
