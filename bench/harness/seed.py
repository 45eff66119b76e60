"""`rubench seed`: create the workload's database and container and load its documents.

Outside Locust there is no gevent, so seeding uses the async SDK with a bounded
`asyncio.gather`, the pattern Cosmos DB's own bulk samples use. It is idempotent:
item n always has the same id, and an item that exists (409) is counted, not rewritten::

    result = asyncio.run(seed_container(workload, target))
    result.created, result.existing, result.request_units
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bench.harness.calls import AttemptObserver
from bench.harness.connect import connected_client
from bench.harness.documents import DocumentFactory
from bench.harness.target import Target
from bench.harness.workload import Workload

DEFAULT_CONCURRENCY = 64


@dataclass
class SeedResult:
    created: int = 0
    existing: int = 0
    request_units: float = 0.0
    container_created: bool = False


async def create_container(client: Any, workload: Workload) -> tuple[Any, bool]:
    """The workload's container, created (with its key, indexing and throughput) if missing.
    Returns (container proxy, whether it was created now)."""
    from azure.cosmos import PartitionKey, ThroughputProperties
    from azure.cosmos.exceptions import CosmosResourceNotFoundError

    spec = workload.container
    database = await client.create_database_if_not_exists(spec.database)
    container = database.get_container_client(spec.container)
    try:
        await container.read()
        return container, False
    except CosmosResourceNotFoundError:
        pass
    paths = list(spec.partition_key_paths)
    options: dict[str, Any] = {
        "partition_key": PartitionKey(
            path=paths if len(paths) > 1 else paths[0], kind=spec.partition_key_kind
        )
    }
    if spec.indexing_policy:
        options["indexing_policy"] = spec.indexing_policy
    if spec.throughput.mode == "manual":
        options["offer_throughput"] = spec.throughput.rus
    elif spec.throughput.mode == "autoscale":
        options["offer_throughput"] = ThroughputProperties(
            auto_scale_max_throughput=spec.throughput.rus
        )
    container = await database.create_container_if_not_exists(spec.container, **options)
    return container, True


async def container_exists(workload: Workload, target: Target) -> bool:
    from azure.cosmos.exceptions import CosmosResourceNotFoundError

    async with connected_client(target) as client:
        spec = workload.container
        try:
            await (
                client.get_database_client(spec.database)
                .get_container_client(spec.container)
                .read()
            )
            return True
        except CosmosResourceNotFoundError:
            return False


async def seed_container(
    workload: Workload,
    target: Target,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: bool = True,
) -> SeedResult:
    """Create the container if needed and create every document that is missing."""
    from azure.cosmos.exceptions import CosmosResourceExistsError
    from tqdm import tqdm

    result = SeedResult()
    factory = DocumentFactory(workload)
    count = workload.documents.count
    async with connected_client(target) as client:
        container, result.container_created = await create_container(client, workload)
        limit = asyncio.Semaphore(concurrency)
        # disable=None: a bar on a terminal, nothing in logs and CI
        bar = tqdm(
            total=count,
            desc=f"seeding {workload.name}",
            unit="doc",
            disable=None if progress else True,
        )

        async def create(number: int) -> None:
            observer = AttemptObserver()
            async with limit:
                try:
                    await container.create_item(
                        factory.document(number), raw_response_hook=observer
                    )
                    result.created += 1
                except CosmosResourceExistsError:
                    result.existing += 1
            result.request_units += observer.ru
            bar.update(1)

        try:
            await asyncio.gather(*(create(number) for number in range(count)))
        finally:
            bar.close()
    return result
