"""End to end through Locust and the real SDK against the local emulator: a query sorted on
two properties without its composite index (the service answers 400) and a filter query.
The run records the index metrics of a sample of calls, the report names the composite
indexes, `rubench advise` writes a policy with them and with excluded paths, and a run
with that policy gets the sorted query answered and writes cheaper."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.harness.run import RunSettings
from bench.harness.workload import load_workload
from bench.pipeline import run_and_report
from bench.report import write_comparison_report
from bench.rundata import load_requests, load_run
from bench.rundata.schema import INDEX_METRICS_COLUMN, NOT_REPORTED

WORKLOAD = Path(__file__).parents[2] / "workloads" / "index-advice.toml"
SORTED = [{"path": "/price", "order": "descending"}, {"path": "/name", "order": "ascending"}]
FILTER = [{"path": "/categoryId", "order": "ascending"}, {"path": "/stock", "order": "ascending"}]
USED = ("/categoryId", "/price", "/name", "/stock")  # the key, sorted and filtered on


def run(workload_file: Path, out: Path, target: Any) -> Path:
    settings = RunSettings(
        out=out, seed_progress=False, users=3, spawn_rate=50, duration_s=4, quiet=True
    )
    return run_and_report(load_workload(workload_file), target, settings).directory


@pytest.fixture(scope="module")
def original(tmp_path_factory, local_target) -> Path:
    return run(WORKLOAD, tmp_path_factory.mktemp("original") / "run", local_target)


@pytest.fixture(scope="module")
def advised(original, tmp_path_factory) -> tuple[Path, list[str]]:
    """`rubench advise` on the original run: the policy file and the lines it printed."""
    policy = tmp_path_factory.mktemp("advice") / "policy.json"
    lines = _advise(original, policy)
    return policy, lines


def _advise(run_dir: Path, policy: Path) -> list[str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["advise", str(run_dir), "-o", str(policy)]) == 0
    return printed.getvalue().splitlines()


def test_a_sample_of_query_calls_records_what_the_target_said(original):
    rows = load_requests(original, columns=["operation", "kind", "status", INDEX_METRICS_COLUMN])
    asked = rows[rows[INDEX_METRICS_COLUMN] != ""]
    # [run] index_metrics_sample = 2 in one process: two calls of each query operation
    assert asked["operation"].astype(str).value_counts().to_dict() == {
        "by_price_then_name": 2,
        "cheap": 2,
    }
    assert (asked["kind"] == "query").all()
    sorted_calls = asked[asked["operation"] == "by_price_then_name"]
    assert (sorted_calls["status"] == 400).all()  # no composite index: no metrics, unknown
    assert (sorted_calls[INDEX_METRICS_COLUMN] == NOT_REPORTED).all()
    for answer in asked.loc[asked["operation"] == "cheap", INDEX_METRICS_COLUMN]:
        document = json.loads(answer)
        assert {e["IndexSpec"] for e in document["UtilizedSingleIndexes"]} >= {"/stock/?"}

    summary = load_run(original).summary
    cheap = summary.operations["cheap"].query.indexes
    assert (cheap.sampled_calls, cheap.reported_calls) == (2, 2)
    assert [u.paths for u in cheap.potential_composite] == [("/categoryId ASC", "/stock ASC")]
    assert cheap.potential_composite[0].impact == "High"
    assert ("/stock/?",) in [u.paths for u in cheap.utilized_single]
    unknown = summary.operations["by_price_then_name"].query.indexes
    assert (unknown.sampled_calls, unknown.reported_calls) == (2, 0)
    assert summary.operations["new_product"].query.indexes is None  # no query: never asked


def test_advise_writes_the_composites_and_excludes_unused_paths(original, advised):
    policy_file, lines = advised
    policy = json.loads(policy_file.read_text())
    assert SORTED in policy["compositeIndexes"] and FILTER in policy["compositeIndexes"]
    excluded = {p["path"] for p in policy["excludedPaths"]}
    assert {"/description/?", "/sku/?", "/tags/*"} <= excluded
    assert not any(path.startswith(used + "/") for path in excluded for used in USED)
    assert policy["includedPaths"] == [{"path": "/*"}]
    # what changed and why, per query and per path
    assert any(
        line.startswith("by_price_then_name: add composite index (/price DESC, /name ASC)")
        and "400" in line
        for line in lines
    )
    assert any(line.startswith("/description: exclude /description/?") for line in lines)
    assert "/categoryId: keep: a partition key path" in lines
    assert lines[-1] == str(policy_file)


@pytest.fixture(scope="module")
def advised_run(advised, local_target, tmp_path_factory) -> Path:
    """A run of the workload with the advised policy (before any browser starts: its
    event loop would stop the seeding's)."""
    policy_file, _ = advised
    directory = tmp_path_factory.mktemp("advised")
    workload = directory / "advised.toml"
    text = WORKLOAD.read_text().replace(
        'container = "index_advice"',
        f'container = "index_advised"\nindexing_policy = "{policy_file}"',
    )
    workload.write_text(text)
    assert load_workload(workload).container.indexing_policy == json.loads(policy_file.read_text())
    return run(workload, directory / "run", local_target)


def test_the_advised_policy_answers_the_sorted_query_and_writes_cheaper(
    original, advised, advised_run, tmp_path
):
    after = load_run(advised_run).summary
    before = load_run(original).summary
    sorted_query = after.operations["by_price_then_name"]
    assert sorted_query.failed_calls == 0 and sorted_query.failures_by_status == {}
    assert sorted_query.query.indexes.reported_calls == 2
    utilized = after.operations["cheap"].query.indexes.utilized_composite
    assert [use.paths for use in utilized] == [("/categoryId ASC", "/stock ASC")]
    assert after.operations["new_product"].ru.mean < before.operations["new_product"].ru.mean
    assert after.operations["cheap"].ru.mean <= before.operations["cheap"].ru.mean
    # advising again changes nothing: the composites are there, the paths excluded
    _advise(advised_run, tmp_path / "again.json")
    policy_file, _ = advised
    assert json.loads((tmp_path / "again.json").read_text()) == json.loads(policy_file.read_text())


def test_the_reports_name_the_composite_indexes(original, advised_run, tmp_path, open_page):
    page, errors, requests = open_page(original / "report.html")
    text = page.locator("#indexes").inner_text()
    page.close()
    assert errors == [] and requests == [(original / "report.html").as_uri()]
    assert "composite (/price DESC, /name ASC): its ORDER BY needs it" in text
    assert "composite (/categoryId ASC, /stock ASC): 2 calls, High impact" in text
    assert "unknown: the target sent no index metrics" in text

    html = write_comparison_report([original, advised_run], tmp_path / "comparison.html")
    page, errors, _ = open_page(html)
    text = page.locator("#indexes").inner_text()
    page.close()
    assert errors == []
    assert "composite (/categoryId ASC, /stock ASC): 2 calls" in text  # used, after
    assert "composite (/price DESC, /name ASC): its ORDER BY needs it" in text  # before
