"""Stored procedures, triggers and UDFs through the async SDK (`azure.cosmos.aio`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from azure.cosmos import PartitionKey
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient

from bench.emulator import LocalEmulator

from .test_scripts import CREATE_MANY_THEN_THROW, STAMP


async def _scenario(emulator: LocalEmulator, name: str) -> None:
    async with CosmosClient(emulator.endpoint, emulator.key) as client:
        database = await client.create_database(name)
        try:
            container = await database.create_container("c", PartitionKey("/pk"))
            scripts = container.scripts
            await scripts.create_stored_procedure({"id": "many", "body": CREATE_MANY_THEN_THROW})
            with pytest.raises(errors.CosmosHttpResponseError) as raised:
                await scripts.execute_stored_procedure(
                    "many", partition_key="p1", parameters=["d", 100]
                )
            assert raised.value.status_code == 400
            assert [d async for d in container.query_items("SELECT * FROM c")] == []

            logs = "function (x) { console.log('got', x); getContext().getResponse().setBody(x); }"
            await scripts.create_stored_procedure({"id": "echo", "body": logs})
            result = await scripts.execute_stored_procedure(
                "echo", partition_key="p1", parameters=[{"a": 1}], enable_script_logging=True
            )
            assert result == {"a": 1}
            headers = scripts.client_connection.last_response_headers
            assert unquote(headers["x-ms-documentdb-script-log-results"]) == 'got {"a":1}'

            trigger = {
                "id": "stamp",
                "body": STAMP,
                "triggerType": "Pre",
                "triggerOperation": "All",
            }
            await scripts.create_trigger(trigger)
            created = await container.create_item(
                {"id": "a", "pk": "p1"}, pre_trigger_include="stamp"
            )
            assert created["stamped"] == "Create"
            assert [t["id"] async for t in scripts.list_triggers()] == ["stamp"]
            with pytest.raises(errors.CosmosHttpResponseError) as raised:
                await container.patch_item(
                    "a",
                    "p1",
                    [{"op": "set", "path": "/n", "value": 1}],
                    pre_trigger_include="stamp",
                )
            assert raised.value.status_code == 400
            assert "n" not in await container.read_item("a", "p1")

            udf = {"id": "twice", "body": "function (x) { return 2 * x; }"}
            await scripts.create_user_defined_function(udf)
            await container.create_item({"id": "b", "pk": "p1", "n": 21})
            values = [
                v
                async for v in container.query_items(
                    "SELECT VALUE udf.twice(c.n) FROM c WHERE IS_DEFINED(c.n)", partition_key="p1"
                )
            ]
            assert values == [42]
            await scripts.delete_user_defined_function("twice")
            with pytest.raises(errors.CosmosResourceNotFoundError):
                await scripts.get_user_defined_function("twice")
        finally:
            await client.delete_database(name)


def test_async_sdk_runs_scripts(emulator: LocalEmulator, new_name: Callable[[str], str]) -> None:
    asyncio.run(_scenario(emulator, new_name("aio-scripts")))
