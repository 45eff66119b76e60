"""`rubench seed`: create the workload's database and container and load its documents.

Outside Locust there is no gevent, so seeding uses the async SDK: `concurrency` workers
take item numbers from one shared counter, so memory stays flat whatever the document
count (the pattern of Cosmos DB's bulk samples, streamed). It is idempotent: item n
always has the same id, and an item that exists (409) is counted, not rewritten.

When every document is in, a marker item (id `rubench-seed`, the same value at every
partition key path) records what was seeded. A container without it was seeded half-way
(or by an older rubench); `rubench run` resumes such a seed instead of reusing it::

    result = asyncio.run(seed_container(workload, target))
    result.created, result.existing, result.request_units
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.errors import RubenchError
from bench.harness.calls import AttemptObserver
from bench.harness.connect import connected_client
from bench.harness.documents import set_value_at
from bench.harness.seed_progress import SeedProgress
from bench.harness.target import Target
from bench.harness.workload import Workload, WorkloadError

DEFAULT_CONCURRENCY = 64
MARKER_ID = "rubench-seed"
MARKER_FIELD = "rubenchSeed"
# What `seed_state` answers
MISSING, PARTIAL, COMPLETE = "missing", "partial", "complete"


class SeedError(RubenchError):
    """The target refused a document while seeding (not a 409: those are expected)."""


@dataclass
class SeedResult:
    created: int = 0
    existing: int = 0
    request_units: float = 0.0
    throttled: int = 0  # 429 attempts, retried
    container_created: bool = False


def seed_fingerprint(workload: Workload) -> str:
    """Identifies the documents a workload seeds: same fingerprint, same items."""
    spec = workload.documents.model_dump()
    text = json.dumps({"name": workload.name, **spec}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seed_marker(workload: Workload) -> dict[str, Any]:
    """The item that says "every document of this workload is in"."""
    marker: dict[str, Any] = {"id": MARKER_ID}
    for path in workload.container.partition_key_paths:
        set_value_at(marker, path, MARKER_ID)
    marker[MARKER_FIELD] = {
        "documents": workload.documents.count,
        "fingerprint": seed_fingerprint(workload),
        "completed_at": time.time(),
    }
    return marker


async def create_container(client: Any, workload: Workload) -> tuple[Any, bool]:
    """The workload's container, created (with its key, indexing and throughput) if missing.
    Returns (container proxy, whether it was created now)."""
    from azure.cosmos import PartitionKey, ThroughputProperties
    from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

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
    try:
        container = await database.create_container_if_not_exists(spec.container, **options)
    except CosmosHttpResponseError as error:
        if error.status_code != 400:
            raise
        field = "container.indexing_policy" if spec.indexing_policy else "container"
        raise WorkloadError(
            f"{workload.source_path}: {field}: the target rejected the container: "
            f"{service_message(error)}"
        ) from None
    return container, True


async def seed_state(workload: Workload, target: Target) -> str:
    """MISSING (no container), PARTIAL (no marker, or one for other documents) or COMPLETE."""
    from azure.cosmos.exceptions import CosmosResourceNotFoundError

    async with connected_client(target) as client:
        spec = workload.container
        container = client.get_database_client(spec.database).get_container_client(spec.container)
        try:
            await container.read()
        except CosmosResourceNotFoundError:
            return MISSING
        marker = seed_marker(workload)
        try:
            key = workload.document_factory().partition_key(marker)
            stored = await container.read_item(MARKER_ID, key)
        except CosmosResourceNotFoundError:
            return PARTIAL
        recorded = stored.get(MARKER_FIELD) or {}
        same = recorded.get("fingerprint") == marker[MARKER_FIELD]["fingerprint"]
        return COMPLETE if same else PARTIAL


async def physical_partitions(workload: Workload, target: Target) -> int:
    """How many physical partitions (partition key ranges) the container has now."""
    async with connected_client(target) as client:
        spec = workload.container
        container = client.get_database_client(spec.database).get_container_client(spec.container)
        return len([feed_range async for feed_range in container.read_feed_ranges()])


async def provisioned_throughput(container: Any) -> int | None:
    """The container's RU/s (autoscale: its maximum); None when serverless or shared."""
    from azure.cosmos.exceptions import CosmosHttpResponseError

    try:
        offer = await container.get_throughput()
    except CosmosHttpResponseError:
        return None
    return offer.auto_scale_max_throughput or offer.offer_throughput


async def seed_container(
    workload: Workload,
    target: Target,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: bool = True,
) -> SeedResult:
    """Create the container if needed, create every document that is missing (streamed:
    `concurrency` in flight, never more), then write the completion marker."""
    result = SeedResult()
    count = workload.documents.count
    async with connected_client(target) as client:
        container, result.container_created = await create_container(client, workload)
        meter = SeedProgress(
            workload.name,
            total=count,
            provisioned_rus=await provisioned_throughput(container),
            stream=sys.stderr,
            enabled=progress,
        )
        loader = _Loader(workload, container, result, meter)
        numbers = iter(range(count))  # shared: each worker takes the next number
        in_flight = min(concurrency, count)
        workers = [asyncio.ensure_future(loader.work(numbers)) for _ in range(in_flight)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        finally:
            meter.close()
        await container.upsert_item(seed_marker(workload))
    return result


@dataclass
class _Loader:
    """Creates documents one after another; several run side by side."""

    workload: Workload
    container: Any
    result: SeedResult
    meter: SeedProgress

    async def work(self, numbers: Iterator[int]) -> None:
        factory = self.workload.document_factory()
        for number in numbers:
            await self.create(factory.document(number), number)

    async def create(self, document: dict[str, Any], number: int) -> None:
        """Create one document; a 429 the SDK gave up on is waited out and retried."""
        from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceExistsError

        observer = AttemptObserver()
        while True:
            try:
                await self.container.create_item(document, raw_response_hook=observer)
                self.result.created += 1
                break
            except CosmosResourceExistsError:
                self.result.existing += 1
                break
            except CosmosHttpResponseError as error:
                if error.status_code != 429:
                    spec = self.workload.container
                    raise SeedError(
                        f"seeding {spec.database}/{spec.container}: item {number} "
                        f"({document['id']}): the target answered {error.status_code}: "
                        f"{service_message(error)}"
                    ) from None
                await asyncio.sleep(max(observer.last_retry_after_ms, 100.0) / 1000)
        self.result.request_units += observer.ru
        self.result.throttled += observer.throttled
        self.meter.add(ru=observer.ru, throttled=observer.throttled)


def service_message(error: Any) -> str:
    """The service's own sentence from an SDK error (its first line, without the code)."""
    text = str(getattr(error, "message", "") or error)
    for line in text.splitlines():
        line = line.strip().removeprefix("Message:").strip()
        if line and not line.startswith(("Code:", "ActivityId")):
            return re.sub(r"^\(\w+\) ", "", line.split(" ActivityId")[0])[:300]
    return type(error).__name__
