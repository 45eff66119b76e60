"""Seeding that streams (memory bounded by the concurrency, not the document count), records
its completion, resumes a partial seed, shows its rates and turns a refusal of the target
into one line."""

import asyncio
import io
import json
import re
from pathlib import Path

from azure.cosmos import CosmosClient

from bench.cli import main
from bench.harness.run import ensure_seeded
from bench.harness.seed import MARKER_ID, seed_container
from bench.harness.seed_progress import SeedProgress
from bench.harness.workload import load_workload


def workload_file(tmp_path, name: str, count: int, extra: str = "") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n[container]\ncontainer = "{name}"\npartition_key = "/categoryId"\n'
        f'{extra}[documents]\ncount = {count}\n[operations.r]\nkind = "read"\n'
    )
    return str(path)


def test_seeding_keeps_only_the_concurrency_in_flight(tmp_path, local_target, new_name):
    workload = load_workload(workload_file(tmp_path, new_name("stream"), 300))

    async def seed_and_watch() -> int:
        most = 0

        async def watch() -> None:
            nonlocal most
            while True:
                most = max(most, len(asyncio.all_tasks()))
                await asyncio.sleep(0)

        watcher = asyncio.create_task(watch())
        result = await seed_container(workload, local_target, concurrency=4, progress=False)
        watcher.cancel()
        assert result.created == 300
        return most

    # 4 workers, the watcher, the main task and a few of aiohttp's: nowhere near one per document
    assert asyncio.run(seed_and_watch()) < 20


def test_a_partial_seed_is_resumed_not_reused(tmp_path, local_target, emulator, new_name):
    name = new_name("partial")
    workload = load_workload(workload_file(tmp_path, name, 40))
    assert ensure_seeded(workload, local_target, progress=False)  # missing: seeded
    assert not ensure_seeded(workload, local_target, progress=False)  # complete: reused
    container = (
        CosmosClient(emulator.endpoint, emulator.key)
        .get_database_client("rubench")
        .get_container_client(name)
    )
    marker = container.read_item(MARKER_ID, MARKER_ID)
    assert marker["rubenchSeed"]["documents"] == 40
    # as a seed that failed half-way leaves it: some items, no completion marker
    container.delete_item(MARKER_ID, MARKER_ID)
    lost = [
        doc for doc in container.query_items("SELECT * FROM c", enable_cross_partition_query=True)
    ][:15]
    for doc in lost:
        container.delete_item(doc["id"], doc["categoryId"])
    assert ensure_seeded(workload, local_target, progress=False)
    ids = {
        doc["id"]
        for doc in container.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)
    }
    assert {doc["id"] for doc in lost} <= ids and len(ids) == 40 + 1  # and the marker
    # more documents asked for: the marker no longer matches, the seed tops up
    bigger = load_workload(workload_file(tmp_path, name, 45))
    assert ensure_seeded(bigger, local_target, progress=False)
    assert not ensure_seeded(bigger, local_target, progress=False)


def test_seed_shows_rates_against_the_provisioned_throughput(
    tmp_path, emulator, new_name, capsys, monkeypatch
):
    monkeypatch.setenv("COSMOS_KEY", emulator.key)
    path = workload_file(
        tmp_path, new_name("rates"), 30, 'throughput = { mode = "manual", rus = 600 }\n'
    )
    assert main(["seed", "--workload", path, "--target", emulator.endpoint]) == 0
    captured = capsys.readouterr()
    assert re.search(
        r"30 documents created, 0 already there, [\d.]+ RU spent, 0 throttled", captured.out
    )
    # not a terminal (pytest captures it): lines, not a bar
    assert re.search(
        r"seeding rates-\d+: 30/30 documents \(100%\), \d+ doc/s, \d+ RU/s of 600 provisioned, "
        r"0 throttled \(429\) attempts",
        captured.err,
    ), captured.err


def test_progress_prints_periodic_lines_off_a_terminal():
    stream = io.StringIO()
    progress = SeedProgress("p", total=4, provisioned_rus=None, stream=stream, interval_s=0)
    for throttled in (0, 1, 0, 2):
        progress.add(ru=5.0, throttled=throttled)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 5
    assert lines[1].startswith("seeding p: 2/4 documents (50%), ")
    assert lines[-1].endswith("RU/s provisioned unknown, 3 throttled (429) attempts")


def test_an_indexing_policy_the_target_rejects_is_one_line(
    tmp_path, emulator, new_name, capsys, monkeypatch
):
    monkeypatch.setenv("COSMOS_KEY", emulator.key)
    (tmp_path / "policy.json").write_text(json.dumps({"compositeIndexes": [[{"path": "/a"}]]}))
    path = workload_file(tmp_path, new_name("policy"), 5, 'indexing_policy = "policy.json"\n')
    code = main(["seed", "--workload", str(path), "--target", emulator.endpoint])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(lines) == 1, lines
    assert lines[0] == (
        f"rubench: error: {path}: container.indexing_policy: the target rejected the container: "
        "A composite index must contain at least two paths."
    )


def test_a_document_the_target_refuses_stops_the_seed_in_one_line(
    tmp_path, emulator, new_name, capsys, monkeypatch
):
    monkeypatch.setenv("COSMOS_KEY", emulator.key)
    (tmp_path / "t.json").write_text('{"categoryId": "c{n%3}", "ttl": "abc"}')
    name = new_name("refused")
    template = '[documents]\ngenerator = "template"\ntemplate = "t.json"\n'
    path = Path(workload_file(tmp_path, name, 50))
    path.write_text(path.read_text().replace("[documents]\n", template))
    seed = ["seed", "--workload", str(path), "--target", emulator.endpoint, "--concurrency", "1"]
    code = main(seed)
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert lines[-1] == (
        f"rubench: error: seeding rubench/{name}: item 0 ({name}-00000000): the target answered "
        "400: The 'ttl' 'abc' is invalid: use -1 (never expire) or a positive number of seconds."
    )
    assert not any("Traceback" in line for line in lines)
