"""The async SDK (`azure.cosmos.aio`) over http and https: every kind of request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from azure.cosmos import PartitionKey, ThroughputProperties
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient

from bench.emulator import LocalEmulator


async def _scenario(emulator: LocalEmulator, name: str) -> None:
    async with CosmosClient(emulator.endpoint, emulator.key) as client:
        database = await client.create_database_if_not_exists(name)
        try:
            container = await database.create_container_if_not_exists(
                "c",
                PartitionKey("/pk"),
                offer_throughput=ThroughputProperties(auto_scale_max_throughput=20000),
            )
            assert (await container.get_throughput()).auto_scale_max_throughput == 20000
            for number in range(20):
                await container.create_item(
                    {"id": str(number), "pk": f"p{number % 4}", "n": number}
                )
            item = await container.read_item("1", "p1")
            replaced = await container.replace_item("1", {**item, "n": 100})
            assert replaced["n"] == 100
            patched = await container.patch_item(
                "1", "p1", [{"op": "incr", "path": "/n", "value": 1}]
            )
            assert patched["n"] == 101
            results = await container.execute_item_batch(
                [("upsert", ({"id": "b", "pk": "p1"},)), ("delete", ("5",))], partition_key="p1"
            )
            assert [r["statusCode"] for r in results] == [201, 204]
            with pytest.raises(errors.CosmosBatchOperationError):
                await container.execute_item_batch(
                    [("create", ({"id": "c", "pk": "p1"},)), ("read", ("missing",))],
                    partition_key="p1",
                )
            total = [n async for n in container.query_items("SELECT VALUE COUNT(1) FROM c")]
            assert total == [20]
            await container.delete_all_items_by_partition_key("p2")
            remaining = [i async for i in container.read_all_items(max_item_count=3)]
            assert len(remaining) == 15 and all(i["pk"] != "p2" for i in remaining)
            await container.delete_item("b", "p1")
            with pytest.raises(errors.CosmosResourceNotFoundError):
                await container.read_item("b", "p1")
            await database.delete_container("c")
        finally:
            await client.delete_database(name)


@pytest.mark.parametrize("fixture", ["emulator", "tls_emulator"])
def test_async_sdk_covers_every_request_kind(
    request: pytest.FixtureRequest, fixture: str, new_name: Callable[[str], str]
) -> None:
    asyncio.run(_scenario(request.getfixturevalue(fixture), new_name("aio")))
