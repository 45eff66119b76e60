"""Starting the emulator (CLI, process and in-process) and the SDK, sync and async, over
http and https with endpoint discovery on."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import WELL_KNOWN_KEY, EmulatorStartError, LocalEmulator


def test_cli_prints_endpoint_and_key_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench", "emulator", "--port", "0", "--partitions", "2"],
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "RUBENCH_EMULATOR_KEY"},
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        endpoint = lines[1].split("endpoint:")[1].strip()
        key = lines[2].split("key:")[1].strip()
        assert endpoint.startswith("http://127.0.0.1:")
        assert key == WELL_KNOWN_KEY
        client = CosmosClient(endpoint, key)
        created = client.create_database("cli").create_container("c", PartitionKey("/pk"))
        assert len(list(created.read_feed_ranges())) == 2
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Emulator stopped." in output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--partitions", "0"], "--partitions 0 is invalid: use 1 to 1000"),
        (
            ["--consistency", "Linearizable"],
            "--consistency: unknown consistency level 'Linearizable': use one of Strong, "
            "BoundedStaleness, Session, ConsistentPrefix, Eventual",
        ),
    ],
)
def test_cli_rejects_bad_options_with_a_clear_message(arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "emulator", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_sync_sdk_round_trip(any_emulator: LocalEmulator, new_name: Callable[[str], str]) -> None:
    client = CosmosClient(any_emulator.endpoint, any_emulator.key)
    account = client.get_database_account()
    assert account.WritableLocations[0]["databaseAccountEndpoint"] == any_emulator.endpoint
    database = client.create_database(new_name("sync"))
    try:
        container = database.create_container("c", PartitionKey("/pk"))
        container.create_item({"id": "1", "pk": "a", "n": 1})
        assert container.read_item("1", "a")["n"] == 1
        assert [i["id"] for i in container.query_items("SELECT * FROM c", partition_key="a")] == [
            "1"
        ]
    finally:
        client.delete_database(database.id)


def test_async_sdk_round_trip(any_emulator: LocalEmulator, new_name: Callable[[str], str]) -> None:
    async def scenario() -> list[str]:
        async with AsyncCosmosClient(any_emulator.endpoint, any_emulator.key) as client:
            database = await client.create_database(new_name("async"))
            try:
                container = await database.create_container("c", PartitionKey("/pk"))
                await container.create_item({"id": "1", "pk": "a"})
                await container.upsert_item({"id": "2", "pk": "a"})
                assert (await container.read_item("2", "a"))["id"] == "2"
                return [i["id"] async for i in container.query_items("SELECT * FROM c")]
            finally:
                await client.delete_database(database.id)

    assert sorted(asyncio.run(scenario())) == ["1", "2"]


def test_https_endpoint_uses_tls(tls_emulator: LocalEmulator) -> None:
    assert tls_emulator.endpoint.startswith("https://127.0.0.1:")


def test_process_mode_reports_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EmulatorStartError, match=r"cannot listen on 127\.0\.0\.1"):
            LocalEmulator(port=port).__enter__()


def test_process_mode_stops_its_child() -> None:
    with LocalEmulator(port=0) as running:
        pid = running.pid
        assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_in_process_mode_stops_listening() -> None:
    with LocalEmulator(port=0, in_process=True) as running:
        port = int(running.endpoint.rsplit(":", 1)[1].strip("/"))
        CosmosClient(running.endpoint, running.key)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
