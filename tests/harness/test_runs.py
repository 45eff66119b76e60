"""End-to-end: Locust actually runs the workloads against the local emulator, and what
the run directory recorded is checked against what the emulator's ledger charged."""

import json
from pathlib import Path

import pandas as pd
import pytest

from bench.harness.run import RunSettings, locust_command
from bench.harness.workload import apply_overrides, load_workload
from bench.pipeline import run_and_report
from bench.rundata import load_requests
from bench.rundata.figures import read_summary_file
from bench.rundata.schema import PARTITION_KEY_COLUMN, REQUEST_SCHEMA

WORKLOADS = Path(__file__).parents[2] / "workloads"
# Which ledger operation each kind of recorded call is charged under
LEDGER_OPERATION = {
    "read": "Read",
    "query": "Query",
    "replace": "Replace",
    "upsert": "Upsert",
    "create": "Create",
    "bulk_create": "Create",
    "patch": "Patch",
    "delete": "Delete",
    "batch": "Batch",
}
# Plausible RU per call, from the published charges (ru-cost-model notes), generously wide
PLAUSIBLE_RU = {
    "read": (0.5, 3),
    "query": (2.3, 60),
    "replace": (8, 40),
    "upsert": (5, 40),
    "create": (5, 20),
    "bulk_create": (5, 20),
    "patch": (8, 40),
    "delete": (5, 20),
    "batch": (25, 200),
}


def run(
    tmp_path: Path, target, workload, client: str = "sdk", **settings
) -> tuple[Path, pd.DataFrame]:
    workload = apply_overrides(workload, {"client": client}) if client != "sdk" else workload
    options = {"users": 6, "spawn_rate": 50, "duration_s": 4, "quiet": True, **settings}
    run_dir = run_and_report(
        workload, target, RunSettings(out=tmp_path / "run", seed_progress=False, **options)
    ).directory
    return run_dir, load_requests(run_dir, columns=[*REQUEST_SCHEMA.names, PARTITION_KEY_COLUMN])


def ledger_by_operation(run_dir: Path) -> dict[str, float]:
    ledger = json.loads((run_dir / "partitions.json").read_text())
    return {op: tally["request_charge"] for op, tally in ledger["operations"].items()}


def assert_ledger_matches(run_dir: Path, rows: pd.DataFrame) -> None:
    recorded = rows.groupby(rows["kind"].map(LEDGER_OPERATION))["ru"].sum()
    charged = ledger_by_operation(run_dir)
    for operation, ru in recorded.items():
        assert ru == pytest.approx(charged[operation], abs=0.005), operation  # to the cent
    for operation in set(LEDGER_OPERATION.values()) - set(recorded.index):
        assert charged.get(operation, 0) == 0, operation


def assert_query_scopes(run_dir: Path, rows: pd.DataFrame, *, single: set, fanned: set) -> None:
    """Single-partition queries name their key and one partition; the others fan out to
    every physical partition (the container has several)."""
    partitions = json.loads((run_dir / "run.json").read_text())["container"]["physical_partitions"]
    assert partitions > 1
    queries = rows[rows["kind"] == "query"]
    assert set(queries["operation"]) == single | fanned
    one = queries[queries["operation"].isin(single)]
    assert (one["partitions"] == 1).all() and (one["partition_key"] != "").all()
    fan_out = queries[queries["operation"].isin(fanned)]
    assert (fan_out["partitions"] == partitions).all() and (fan_out["partition_key"] == "").all()


CLIENTS = pytest.mark.parametrize("client", ["sdk", "fast"])


@CLIENTS
def test_mixed_run_records_every_kind_and_matches_the_ledger(tmp_path, local_target, client):
    workload = load_workload(WORKLOADS / "smoke.toml")
    run_dir, rows = run(tmp_path, local_target, workload, client, warmup_s=1)
    assert_ledger_matches(run_dir, rows)
    # the warm-up is recorded (rows above) but left out of the summary
    summary = read_summary_file(run_dir / "summary.json")
    assert summary.window.warmup_s == 1
    assert 0 < summary.rows.warmup < len(rows)
    # the whole --run-time is measured (Locust's timer once fired seconds early)
    info = json.loads((run_dir / "run.json").read_text())
    calls = rows[rows["kind"] != "metadata"]  # the SDK's own requests start with the client
    assert calls["timestamp"].max() - calls["timestamp"].min() == pytest.approx(4, abs=1)
    assert info["ended_at"] - info["started_at"] == pytest.approx(4, abs=1)
    ok = rows[rows["outcome"] == "ok"]
    for kind, (low, high) in PLAUSIBLE_RU.items():
        charges = ok.loc[ok["kind"] == kind, "ru"]
        assert len(charges), f"no successful {kind} call recorded"
        assert low <= charges.median() <= high, (kind, charges.median())
    assert (rows["outcome"] == "not_found").any()  # missing_share reads
    assert (rows.loc[rows["kind"] == "batch", "item_count"] == 5).all()
    assert rows.loc[rows["kind"] == "query", "retrieved_docs"].notna().all()
    assert rows.loc[rows["kind"] == "query", "index_hit_ratio"].between(0, 1).all()
    assert_query_scopes(run_dir, rows, single={"query_category"}, fanned={"query_cheap_cross"})
    assert info["status"] == "completed"
    assert info["target"]["kind"] == "local"
    assert info["client"] == {"kind": client, "sdk_fallback": []}
    assert info["container"]["physical_partitions"] >= 1
    assert "key" not in json.dumps(info["target"]).replace('"auth": "key"', "")
    assert (run_dir / "workload.toml").read_text() == (WORKLOADS / "smoke.toml").read_text()
    stats = pd.read_csv(run_dir / "locust_stats.csv")  # may miss the last second's names
    assert set(stats["Name"]) - {"Aggregated"} <= set(rows["operation"])
    assert (run_dir / "summary.json").exists()


@pytest.mark.parametrize(("rows_to", "client"), [("local", "sdk"), ("master", "fast")])
def test_two_processes_record_everything_once(tmp_path, local_target, rows_to, client):
    """Workers write their own parts (same machine) or ship rows to the master (as
    workers on other machines do). Keyed on /id, the category query fans out."""
    workload = load_workload(WORKLOADS / "smoke.toml").with_partition_key(
        ("/id",), f"smoke_processes_{rows_to}"
    )
    run_dir, rows = run(
        tmp_path,
        local_target,
        workload,
        client,
        processes=2,
        locust_args=("--rubench-rows", rows_to),
    )
    assert rows.loc[rows["kind"] != "metadata", "worker"].nunique() == 2
    assert_ledger_matches(run_dir, rows)
    assert json.loads((run_dir / "run.json").read_text())["processes"] == 2
    fanned = {"query_category", "query_cheap_cross"}
    assert_query_scopes(run_dir, rows, single=set(), fanned=fanned)
    assert rows.loc[rows["operation"] == "query_category", "retrieved_docs"].max() > 1


def test_processes_use_a_free_loopback_master_port(tmp_path, local_target):
    """Not Locust's fixed 5557: runs side by side would collide ("Address already in use")."""
    command = locust_command(RunSettings(processes=2), local_target, tmp_path)
    port = command[command.index("--master-bind-port") + 1]
    assert command[command.index("--master-port") + 1] == port != "5557"
    assert command[command.index("--master-bind-host") + 1] == "127.0.0.1"


@CLIENTS
def test_contended_replaces_show_conflicts_not_failures(tmp_path, local_target, client):
    path = tmp_path / "contended.toml"
    path.write_text(
        'name = "contended"\n[container]\ncontainer = "contended"\n'
        "[documents]\ncount = 2\n"
        '[operations.price_update]\nkind = "replace"\nweight = 1\n'
    )
    run_dir, rows = run(tmp_path, local_target, load_workload(path), client, users=20, duration_s=3)
    replaces = rows[rows["kind"] == "replace"]
    assert (replaces["outcome"] == "conflict").sum() > 0
    assert (replaces.loc[replaces["outcome"] == "conflict", "status"] == 412).all()
    assert (rows["outcome"] != "error").all()
    stats = pd.read_csv(run_dir / "locust_stats.csv").set_index("Name")
    assert stats.loc["price_update", "Failure Count"] == 0
    assert_ledger_matches(run_dir, rows)


@CLIENTS
def test_a_mix_above_the_provisioned_throughput_is_throttled(tmp_path, local_target, client):
    path = tmp_path / "throttled.toml"
    path.write_text(
        'name = "throttled"\n[container]\ncontainer = "throttled"\n'
        'throughput = { mode = "manual", rus = 400 }\n'
        "[documents]\ncount = 10\n"
        '[operations.restock]\nkind = "upsert"\nweight = 1\n'
    )
    run_dir, rows = run(tmp_path, local_target, load_workload(path), client, users=10, duration_s=5)
    assert rows["throttled"].sum() > 0
    retried = rows[(rows["throttled"] > 0) & (rows["outcome"] == "ok")]
    assert len(retried), "the client's own retries of 429s were not observed"
    assert (retried["attempts"] == retried["throttled"] + 1).all()
    assert (retried["throttle_wait_ms"] > 0).all()
    ledger = json.loads((run_dir / "partitions.json").read_text())
    assert rows["throttled"].sum() == ledger["operations"]["Upsert"]["throttled"]
    assert_ledger_matches(run_dir, rows)


@CLIENTS
def test_the_clients_own_requests_count_in_the_total_apart_from_operations(
    tmp_path, local_target, client
):
    """Partition key range and container reads are no operation, but the target charges
    them: metadata rows make the run's RU equal the ledger's, and stay out of the table."""
    path = tmp_path / "metadata.toml"
    path.write_text(
        'name = "metadata"\n[container]\ncontainer = "metadata"\npartition_key = "/categoryId"\n'
        '[documents]\ncount = 20\n[operations.point_read]\nkind = "read"\n'
        '[operations.by_category]\nkind = "query"\n'
        'sql = "SELECT * FROM c WHERE c.categoryId = @cat"\n'
        'parameters = { "@cat" = "field:categoryId" }\n'
    )
    run_dir, rows = run(tmp_path, local_target, load_workload(path), client, users=2, duration_s=3)
    metadata = rows[rows["kind"] == "metadata"]
    assert {"metadata: partition key ranges", "metadata: container read"} <= set(
        metadata["operation"]
    )
    charged = json.loads((run_dir / "partitions.json").read_text())["request_charge"]
    assert metadata["ru"].sum() > 0
    # the plugin's own offer reads (start and end) are charged to the account, not the
    # container whose ledger this is: recorded all the same
    offers = metadata[metadata["operation"] == "metadata: throughput read"]
    assert len(offers) == 2
    assert rows["ru"].sum() - offers["ru"].sum() == pytest.approx(charged, abs=0.05)
    summary = read_summary_file(run_dir / "summary.json")
    assert set(summary.operations) == {"point_read", "by_category"}
    assert summary.totals.count == len(rows) - len(metadata)
    assert summary.metadata.count == len(metadata)
    assert summary.charged_ru_total == pytest.approx(charged + offers["ru"].sum(), abs=0.05)
    assert "requests the SDK made on its own" in (run_dir / "report.html").read_text()
