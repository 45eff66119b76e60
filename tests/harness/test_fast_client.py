"""`client = "fast"`: the workload's operations through rubench's gateway client record
the rows the SDK's do. Each call costs what the same call costs through the SDK; the
catalog runs under Locust with the ledger equal to its rows; a query that needs merging
goes through the SDK and says so; a split mid-run and a wrong key are handled as by the
SDK user."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import certifi
import pytest
from azure.cosmos import CosmosClient, PartitionKey

from bench.harness.seed import seed_container
from bench.harness.workload import apply_overrides, load_workload

from .test_runs import WORKLOADS, assert_ledger_matches, run

SORTED_QUERY = """
[operations.query_sorted]
kind = "query"
weight = 2
cross_partition = true
sql = "SELECT TOP 5 c.id, c.price FROM c WHERE c.price < @max ORDER BY c.price"
parameters = { "@max" = { uniform = [10, 50] } }
"""


def small_catalog(tmp_path: Path, *, extra: str = "", container: str = "catalog") -> Path:
    """workloads/catalog.toml with 300 documents (its indexing policy beside it)."""
    shutil.copy(WORKLOADS / "catalog-index.json", tmp_path / "catalog-index.json")
    text = (WORKLOADS / "catalog.toml").read_text()
    text = text.replace("count = 2000", "count = 300")
    text = text.replace('container = "products"', f'container = "{container}"')
    path = tmp_path / f"{container}.toml"
    path.write_text(text + extra)
    return path


def test_every_kind_costs_through_the_fast_client_what_it_costs_through_the_sdk(
    tmp_path, local_target, emulator
) -> None:
    """The same calls (same random choices) on two identically seeded containers, in a
    process of its own (tests/harness/twin_calls.py)."""
    path = small_catalog(tmp_path, extra=SORTED_QUERY)
    workload = load_workload(path)
    for container in ("twin_sdk", "twin_fast"):
        twin = apply_overrides(workload, {"container": container})
        asyncio.run(seed_container(twin, local_target, progress=False))
    script = Path(__file__).with_name("twin_calls.py")
    result = subprocess.run(
        [sys.executable, str(script), str(path), emulator.endpoint],
        env={**os.environ, "COSMOS_KEY": emulator.key},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(result.stdout)
    assert len(rows["sdk"]) > 3 * len(workload.operations)
    assert {row[0] for row in rows["sdk"]} >= set(workload.operations)
    calls = [row for row in rows["fast"] if not row[0].startswith("metadata")]
    assert sorted(calls) == sorted(rows["sdk"])
    outcomes = {row[0]: row[2:5] for row in calls if row[0] in ("duplicate", "missing")}
    assert outcomes == {"duplicate": ["409", "0", "error"], "missing": ["404", "0", "error"]}
    # the gateway's 400/1004 for the sorted query, once: then remembered
    assert rows["fallbacks"] == [workload.operations["query_sorted"].sql]
    assert [row[0] for row in rows["fast"] if row[0].startswith("metadata")] == [
        "metadata: query plan"
    ]


def test_catalog_runs_fast_with_its_ledger_equal_to_its_rows(tmp_path, local_target) -> None:
    """Two processes (master and workers). A query that needs merging on the client goes
    through the SDK: the workers tell the master, run.json and the report say so, and
    what asking the gateway cost is a metadata row."""
    workload = load_workload(small_catalog(tmp_path, extra=SORTED_QUERY, container="catalog_fast"))
    run_dir, rows = run(tmp_path, local_target, workload, "fast", duration_s=5, processes=2)
    assert_ledger_matches(run_dir, rows)
    assert set(rows.loc[rows["kind"] != "metadata", "outcome"]) <= {"ok", "not_found", "conflict"}
    assert set(workload.operations) <= set(rows["operation"])
    info = json.loads((run_dir / "run.json").read_text())
    assert info["client"] == {"kind": "fast", "sdk_fallback": ["query_sorted"]}
    report = (run_dir / "report.html").read_text()
    assert "the fast gateway client" in report and "query_sorted through the SDK" in report
    assert "metadata: query plan" in set(rows["operation"])


@pytest.mark.parametrize("client", ["sdk", "fast"])
def test_a_split_mid_run_is_followed(tmp_path, local_target, emulator, client) -> None:
    """Throughput raised past 10,000 RU/s per partition while users run: the partition
    splits, the client's cached ranges go stale, and every call still succeeds on the new
    ranges, charged as the ledger says."""
    path = tmp_path / "splitting.toml"
    path.write_text(
        f'name = "splitting"\n[container]\ncontainer = "splitting_{client}"\n'
        'partition_key = "/categoryId"\nthroughput = { mode = "manual", rus = 10000 }\n'
        "[documents]\ncount = 100\ncategories = 10\n"
        '[operations.point_read]\nkind = "read"\nweight = 3\n'
        '[operations.restock]\nkind = "upsert"\n'
        '[operations.by_category]\nkind = "query"\n'
        'sql = "SELECT * FROM c WHERE c.categoryId = @cat"\n'
        'parameters = { "@cat" = "field:categoryId" }\n'
        '[operations.cheap_cross]\nkind = "query"\ncross_partition = true\n'
        'sql = "SELECT TOP 5 c.id FROM c WHERE c.price < 100"\n'
    )
    workload = load_workload(path)
    out = tmp_path / "run"
    split_at: list[float] = []

    def split_once_rows_arrive() -> None:
        deadline = time.monotonic() + 120
        while not list(out.glob("requests/part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.2)
        container = (
            CosmosClient(emulator.endpoint, emulator.key)
            .get_database_client(workload.container.database)
            .get_container_client(f"splitting_{client}")
        )
        split_at.append(time.time())
        container.replace_throughput(40_000)  # 4 partitions or more
        split_at.append(time.time())

    splitter = threading.Thread(target=split_once_rows_arrive, daemon=True)
    splitter.start()
    run_dir, rows = run(tmp_path, local_target, workload, client, users=4, duration_s=8)
    splitter.join(timeout=5)
    assert len(split_at) == 2, "the split never happened"
    calls = rows[rows["kind"] != "metadata"]
    failed = calls.loc[calls["outcome"] != "ok", ["operation", "status", "substatus"]]
    assert failed.empty, failed
    ended = calls["timestamp"] + calls["latency_ms"] / 1000
    before = set(calls.loc[ended < split_at[0], "pk_range"].str.split(",").explode())
    settled = calls[calls["timestamp"] > split_at[1] + 1]  # the ranges refreshed by then
    after = set(settled["pk_range"].str.split(",").explode())
    assert len(settled) and after and not after & before, (before, after)
    partitions = len(after)
    assert (settled.loc[settled["operation"] == "cheap_cross", "partitions"] == partitions).all()
    assert_ledger_matches(run_dir, rows)


def plain_locust(tmp_path: Path, endpoint: str, **env: str) -> tuple[int, str]:
    """`locust -f` (rubench's locustfile) with a one-read fast workload for 20 s: its exit
    code and output."""
    workload = tmp_path / "plain.toml"
    workload.write_text(
        'name = "plain"\nclient = "fast"\n[container]\ncontainer = "plain"\n'
        '[operations.r]\nkind = "read"\n'
    )
    locustfile = Path(__file__).parents[2] / "bench" / "harness" / "locustfile.py"
    options = ["--headless", "-u", "1", "-r", "1", "-t", "20s", "--host", endpoint]
    run_dir = ["--rubench-run-dir", str(tmp_path / "run")]
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), *options, *run_dir],
        env={**os.environ, "RUBENCH_WORKLOAD": str(workload), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def cannot_reach(output: str) -> str:
    """The one line a user that could not start logged."""
    lines = [
        line for line in output.splitlines() if "cannot reach the workload's container" in line
    ]
    assert len(lines) == 1, output[-2000:]
    return lines[0]


def test_a_wrong_key_stops_a_plain_locust_run_with_one_clear_line(tmp_path, emulator) -> None:
    """Exit code 2, the reason in one line, the key nowhere."""
    wrong_key = "d3Jvbmcga2V5"
    code, output = plain_locust(
        tmp_path, emulator.endpoint, COSMOS_KEY=wrong_key, RUBENCH_TARGET_KIND="local"
    )
    assert code == 2, output[-2000:]
    line = cannot_reach(output)
    assert f"{emulator.endpoint.rstrip('/')} rejected the credentials (401" in line
    assert wrong_key not in output


def test_the_ca_file_reaches_the_fast_client(tmp_path, tls_emulator) -> None:
    """RUBENCH_CA_FILE (--ca-file) replaces the trust store even on 127.0.0.1: with the
    public CAs only, the emulator's self-signed certificate is refused."""
    code, output = plain_locust(
        tmp_path,
        tls_emulator.endpoint,
        COSMOS_KEY=tls_emulator.key,
        RUBENCH_TARGET_KIND="local",
        RUBENCH_CA_FILE=certifi.where(),
    )
    assert code == 2, output[-2000:]
    assert "certificate verify failed" in cannot_reach(output).lower()


@pytest.mark.parametrize("which", ["sdk", "fast"])
def test_a_call_killed_while_waiting_out_a_429_is_recorded(emulator, database, which) -> None:
    """Locust kills a user mid-call when it stops without waiting: the attempts made so
    far were charged, and the call's row says so (tests/harness/killed_call.py)."""
    proxy = database.create_container(f"drained_{which}", PartitionKey("/pk"), offer_throughput=400)
    script = Path(__file__).with_name("killed_call.py")
    database_id = proxy.container_link.split("/")[1]
    result = subprocess.run(
        [sys.executable, str(script), which, emulator.endpoint, database_id, proxy.id],
        env={**os.environ, "COSMOS_KEY": emulator.key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    ru, requests, throttled = answer["charged"]
    assert throttled > 0
    [[row_ru, attempts, row_throttled, _]] = answer["rows"]
    assert (attempts, row_throttled) == (requests, throttled)
    assert row_ru == pytest.approx(ru)
