"""The `stored_procedure` operation kind: Locust runs a workload whose procedure (registered
from the workload's own JavaScript file) counts and tags a category's items; each call is a
row with the RU the emulator's ledger charged for it."""

import json
from pathlib import Path

import pytest

from bench.harness.run import RunSettings, run_workload
from bench.harness.workload import WorkloadError, apply_overrides, load_workload
from bench.rundata import load_requests

PROCEDURE = """
function tagCategory(category, tag) {
    var c = getContext().getCollection();
    var query = {query: "SELECT * FROM c WHERE c.categoryId = @cat",
                 parameters: [{name: "@cat", value: category}]};
    c.queryDocuments(c.getSelfLink(), query, {}, function (err, docs) {
        if (err) throw err;
        var marker = {id: "tag-" + category, categoryId: category, tag: tag};
        c.upsertDocument(c.getSelfLink(), marker, {}, function (e) {
            if (e) throw e;
            getContext().getResponse().setBody(docs.length);
        });
    });
}
"""

WORKLOAD = """
name = "procedures"
[container]
container = "procedures"
partition_key = "/categoryId"
throughput = { mode = "manual", rus = 10000 }
[documents]
count = 40
categories = 4
[operations.tag]
kind = "stored_procedure"
procedure = "tagCategory"
script = "tag.js"
parameters = { "@category" = "field:categoryId", "@tag" = { value = "seen" } }
"""


@pytest.mark.parametrize("client", ["sdk", "fast"])
def test_stored_procedure_calls_are_rows_charged_as_the_ledger_says(tmp_path, local_target, client):
    (tmp_path / "tag.js").write_text(PROCEDURE)
    (tmp_path / "procedures.toml").write_text(WORKLOAD)
    workload = apply_overrides(load_workload(tmp_path / "procedures.toml"), {"client": client})
    settings = RunSettings(
        out=tmp_path / "run", users=2, spawn_rate=50, duration_s=3, quiet=True, seed_progress=False
    )
    run_dir = run_workload(workload, local_target, settings)
    # the harness records and nothing else: summarising and reporting are rubench run's
    assert not (run_dir / "summary.json").exists() and not (run_dir / "report.html").exists()
    rows = load_requests(run_dir)
    calls = rows[rows["kind"] == "stored_procedure"]
    assert len(calls) > 0 and (calls["outcome"] == "ok").all()
    ledger = json.loads((run_dir / "partitions.json").read_text())["operations"]
    charged = ledger["ExecuteStoredProcedure"]["request_charge"]
    assert calls["ru"].sum() == pytest.approx(charged, abs=0.05)
    # one query over 10 items + one upsert + the execution: more than a query or a write alone
    assert (calls["ru"] > 8).all()


def test_stored_procedure_needs_a_procedure_id(tmp_path):
    (tmp_path / "bad.toml").write_text(WORKLOAD.replace('procedure = "tagCategory"\n', ""))
    (tmp_path / "tag.js").write_text(PROCEDURE)
    with pytest.raises(WorkloadError, match=r"operations\.tag\.procedure"):
        load_workload(tmp_path / "bad.toml")


def test_stored_procedure_script_file_must_exist(tmp_path: Path):
    (tmp_path / "bad.toml").write_text(WORKLOAD)
    with pytest.raises(WorkloadError, match=r"operations\.tag\.script: cannot read"):
        load_workload(tmp_path / "bad.toml")
