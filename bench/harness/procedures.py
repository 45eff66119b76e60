"""Registers the stored procedures a workload brings (`script = "file.js"`) in its container
before a run, so the run measures the procedure the file names, as written."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.harness.connect import connected_client
from bench.harness.target import Target
from bench.harness.workload import Workload


async def register_procedures(container: Any, workload: Workload) -> None:
    """Create, or replace with the file's text, each procedure that has a `script`."""
    from azure.cosmos.exceptions import CosmosResourceExistsError

    for spec in workload.operations.values():
        if spec.kind != "stored_procedure" or not spec.script:
            continue
        body = {"id": spec.procedure, "body": spec.script}
        try:
            await container.scripts.create_stored_procedure(body)
        except CosmosResourceExistsError:
            await container.scripts.replace_stored_procedure(spec.procedure, body)


def ensure_procedures(workload: Workload, target: Target) -> None:
    async def register() -> None:
        async with connected_client(target) as client:
            spec = workload.container
            container = client.get_database_client(spec.database).get_container_client(
                spec.container
            )
            await register_procedures(container, workload)

    asyncio.run(register())
