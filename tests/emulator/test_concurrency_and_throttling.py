"""Many concurrent clients (threads and asyncio tasks) and the throughput pipeline's 429s."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator, fetch_ledger


def test_concurrent_threads_lose_no_writes(
    emulator: LocalEmulator, container: ContainerProxy
) -> None:
    def worker(number: int) -> int:
        client = CosmosClient(emulator.endpoint, emulator.key)
        database_id = container.container_link.split("/")[1]
        target = client.get_database_client(database_id).get_container_client(container.id)
        for item in range(25):
            target.create_item({"id": f"{number}-{item}", "pk": f"p{item % 3}"})
            target.patch_item("counter", "c", [{"op": "incr", "path": "/n", "value": 1}])
        return number

    container.create_item({"id": "counter", "pk": "c", "n": 0})
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(worker, range(8))) == list(range(8))
    assert container.read_item("counter", "c")["n"] == 200
    assert len(list(container.read_all_items())) == 201


def test_concurrent_async_tasks(emulator: LocalEmulator, database: DatabaseProxy) -> None:
    database.create_container("async", PartitionKey("/pk"))

    async def scenario() -> int:
        async with AsyncCosmosClient(emulator.endpoint, emulator.key) as client:
            target = client.get_database_client(database.id).get_container_client("async")
            await asyncio.gather(
                *(target.upsert_item({"id": str(n), "pk": f"p{n % 4}"}) for n in range(200))
            )
            return len([i async for i in target.read_all_items()])

    assert asyncio.run(scenario()) == 200


def test_spent_partition_answers_429_and_runs_nothing(database: DatabaseProxy, raw) -> None:
    container = database.create_container("slow", PartitionKey("/pk"), offer_throughput=400)
    path = f"{container.container_link}/docs"
    throttled = None
    for number in range(200):
        answer = raw(
            "POST",
            path,
            json.dumps({"id": str(number), "pk": "a"}).encode(),
            headers={"x-ms-documentdb-partitionkey": '["a"]'},
        )
        if answer.status == 429:
            throttled = (number, answer)
            break
    assert throttled is not None, "400 RU/s never throttled 200 creates"
    number, answer = throttled
    assert answer.headers["x-ms-substatus"] == "3200"
    assert int(answer.headers["x-ms-retry-after-ms"]) > 0
    assert float(answer.headers["x-ms-request-charge"]) == 0
    assert answer.json()["code"] == "TooManyRequests"
    ids = {i["id"] for i in container.read_all_items()}
    assert str(number) not in ids and len(ids) == number


def test_sdk_retries_429_transparently(emulator: LocalEmulator, database: DatabaseProxy) -> None:
    container = database.create_container("retried", PartitionKey("/pk"), offer_throughput=400)
    padding = "x" * 50_000  # ~20 RU per create: 40 of them need two seconds of 400 RU/s
    for number in range(40):
        container.create_item({"id": str(number), "pk": "a", "padding": padding})
    assert len(list(container.read_all_items())) == 40
    ledger = fetch_ledger(emulator.endpoint, emulator.key)
    assert ledger["containers"][f"dbs/{database.id}/colls/retried"]["throttled"] > 0
