"""The emulator's state, shaped like the SDK's object model:
account -> databases -> containers -> physical partitions -> items.

Only the server's event loop touches it, so every request runs to
completion without interleaving (that is what makes it task-safe).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import bench.emulator.resources as resources
from bench.emulator.errors import CosmosError
from bench.emulator.indexing_policy import complete_indexing_policy
from bench.emulator.partition_keys import LogicalKey, PartitionKeyDefinition
from bench.emulator.partitions import PartitionMap, PhysicalPartition
from bench.emulator.query import computed
from bench.emulator.query.indexing import PartitionIndex
from bench.emulator.resources import MAX_NAME_CHARACTERS, check_resource_id
from bench.emulator.scripts.registry import ScriptRegistry
from bench.emulator.throughput import (
    PartitionBudget,
    SharedThroughputPool,
    Throughput,
    partitions_at_creation,
    partitions_required,
    per_partition_rus,
)
from bench.emulator.users import User

DEFAULT_CONFLICT_RESOLUTION: dict[str, Any] = {
    "mode": "LastWriterWins",
    "conflictResolutionPath": "/_ts",
    "conflictResolutionProcedure": "",
}


@dataclass
class Offer:
    """Provisioned throughput of a container or a shared-throughput database."""

    rid: str
    resource_self: str  # the `_self` of what it provisions
    resource_rid: str
    throughput: Throughput
    etag: str = field(default_factory=resources.new_etag)
    ts: int = field(default_factory=resources.now_ts)

    def to_resource(self) -> dict[str, Any]:
        content: dict[str, Any]
        if self.throughput.autoscale_max_rus is not None:
            top = self.throughput.autoscale_max_rus
            autopilot: dict[str, Any] = {"maxThroughput": top}
            increment = self.throughput.autoscale_increment_percent
            if increment is not None:
                autopilot["autoUpgradePolicy"] = {
                    "throughputPolicy": {"incrementPercent": increment}
                }
            content = {
                "offerThroughput": max(400, top // 10),
                "offerAutopilotSettings": autopilot,
            }
        else:
            content = {"offerThroughput": self.throughput.manual_rus}
        content["offerIsRUPerMinuteThroughputEnabled"] = False
        return {
            "resource": self.resource_self,
            "offerType": "Invalid",
            "offerResourceId": self.resource_rid,
            "offerVersion": "V2",
            "content": content,
            "id": self.rid,
            "_rid": self.rid,
            "_self": f"offers/{self.rid}/",
            "_etag": self.etag,
            "_ts": self.ts,
        }


class Container:
    """A container: its definition (returned as stored) and its partition map."""

    def __init__(
        self,
        database: Database,
        body: dict[str, Any],
        throughput: Throughput | None,
        partition_count: int | None,
        burst: bool,
    ) -> None:
        self.database = database
        self.id: str = body["id"]
        self.partition_key = PartitionKeyDefinition.from_body(body.get("partitionKey"))
        self.rid, self.raw_rid = resources.new_collection_rid(database.raw_rid)
        self.self_link = f"dbs/{database.rid}/colls/{self.rid}/"
        self.name_link = f"dbs/{database.id}/colls/{self.id}"
        self.throughput = throughput
        self.fixed_partition_count = partition_count
        self._burst = burst
        self._document_numbers = 0
        self.properties = self._validated(body)
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()
        count = partition_count or partitions_at_creation(self.effective_throughput)
        self.partitions = PartitionMap(count, self._new_index, self._new_budget)
        self.ttl_heap: list[tuple[int, Any, str]] = []
        self.scripts = ScriptRegistry(self.raw_rid, self.self_link)  # sprocs, triggers, UDFs

    # -- definition -------------------------------------------------------------------------
    def _validated(self, body: dict[str, Any]) -> dict[str, Any]:
        properties = {k: v for k, v in body.items() if not k.startswith("_")}
        properties["indexingPolicy"] = complete_indexing_policy(properties.get("indexingPolicy"))
        properties["partitionKey"] = self.partition_key.to_body()
        properties.setdefault("conflictResolutionPolicy", DEFAULT_CONFLICT_RESOLUTION)
        ttl = properties.get("defaultTtl")
        if ttl is not None and (type(ttl) is not int or ttl == 0 or ttl < -1):
            raise CosmosError(
                400,
                f"The defaultTtl {ttl!r} is invalid: use -1 (on, no default), a positive number "
                "of seconds, or omit it (off).",
            )
        computed.validate(properties.get("computedProperties"))
        return properties

    @property
    def default_ttl(self) -> int | None:
        return self.properties.get("defaultTtl")

    @property
    def computed_properties(self) -> list[dict[str, str]]:
        """`[{name, query}]`: evaluated by queries, never stored (see `query/computed.py`)."""
        return self.properties.get("computedProperties") or []

    @property
    def indexing_policy(self) -> Mapping[str, Any]:
        return self.properties["indexingPolicy"]

    @property
    def effective_throughput(self) -> Throughput:
        if self.throughput is not None:
            return self.throughput
        return self.database.throughput or Throughput()

    def _new_index(self) -> PartitionIndex:
        return PartitionIndex(self.indexing_policy, list(self.partition_key.paths))

    def _new_budget(self, position: int, partition_count: int) -> PartitionBudget:
        """The budget of the partition at `position`: its share of the container's RU/s, or
        of the database's shared pool when the container has no throughput of its own."""
        pool = self.database.pool
        if self.throughput is None and pool is not None:
            return pool.budget_for(position)
        rate = per_partition_rus(self.effective_throughput, partition_count)
        return PartitionBudget(rate, burst=self._burst)

    def to_resource(self) -> dict[str, Any]:
        return {
            **self.properties,
            "_rid": self.rid,
            "_ts": self.ts,
            "_self": self.self_link,
            "_etag": self.etag,
            "_docs": "docs/",
            "_sprocs": "sprocs/",
            "_triggers": "triggers/",
            "_udfs": "udfs/",
            "_conflicts": "conflicts/",
        }

    def replace(self, body: dict[str, Any]) -> None:
        """Replace the definition (PUT of the whole body); the partition key cannot change."""
        new_key = PartitionKeyDefinition.from_body(
            body.get("partitionKey", self.partition_key.to_body())
        )
        if new_key != self.partition_key:
            raise CosmosError(400, "The partition key of a container cannot be changed.")
        old_policy = self.indexing_policy
        old_ttl = self.default_ttl
        self.properties = self._validated(body)
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()
        if self.indexing_policy != old_policy:
            self.partitions.replace_indexes(self._new_index)
        if self.default_ttl != old_ttl:
            self.rebuild_ttl_schedule()

    def change_throughput(self, throughput: Throughput) -> None:
        """Apply a new offer: split when more partitions are needed, re-split the budgets."""
        if self.throughput is not None:
            self.throughput = throughput
        if self.fixed_partition_count is None:
            needed = partitions_required(self.effective_throughput, len(self.partitions))
            if needed > len(self.partitions):
                self.partitions.split_to(needed)
        self.partitions.replace_budgets(self._new_budget)

    # -- documents --------------------------------------------------------------------------
    def next_document_rid(self) -> str:
        self._document_numbers += 1
        return resources.document_rid(self.raw_rid, self._document_numbers)

    def expiry_of(self, document: Mapping[str, Any]) -> int | None:
        """Epoch second at which `document` expires, or None (TTL rules of the service)."""
        default = self.default_ttl
        if default is None:
            return None
        ttl = document.get("ttl", default)
        if type(ttl) is not int or ttl == -1:
            ttl = default if type(ttl) is not int else -1
        if ttl == -1:
            return None
        return int(document["_ts"]) + ttl

    def schedule_expiry(self, key: Any, document: Mapping[str, Any]) -> None:
        expires = self.expiry_of(document)
        if expires is not None:
            heapq.heappush(self.ttl_heap, (expires, key, document["_etag"]))

    def rebuild_ttl_schedule(self) -> None:
        self.ttl_heap = []
        for partition in self.partitions:
            for key, document in partition.documents.items():
                self.schedule_expiry(key, document)

    def remove_expired(self, now: float) -> int:
        """Delete every document whose TTL has passed; returns how many."""
        removed = 0
        heap = self.ttl_heap
        while heap and heap[0][0] <= now:
            _, key, etag = heapq.heappop(heap)
            partition = self.partitions.for_epk(self.partition_key.epk_of(key[0]))
            document = partition.documents.get(key)
            if document is not None and document["_etag"] == etag:
                partition.delete(key)
                removed += 1
        return removed

    def is_expired(self, document: Mapping[str, Any], now: float) -> bool:
        expires = self.expiry_of(document)
        return expires is not None and expires <= now

    def place(self, key: LogicalKey) -> Placement:
        """Where an item with partition key `key` lives."""
        epk = self.partition_key.epk(key)
        return Placement(self, self.partitions.for_epk(epk), epk, key)


@dataclass(frozen=True)
class Placement:
    """Where an item operation lands: the container, the physical partition the key hashes
    to, the key's EPK and the key itself."""

    container: Container
    partition: PhysicalPartition
    epk: str
    pk: LogicalKey

    def key(self, item_id: str) -> tuple[str, str]:
        """The storage key of item `item_id` in this logical partition."""
        return (self.pk.canonical, item_id)


class Database:
    def __init__(self, body: dict[str, Any], throughput: Throughput | None, burst: bool) -> None:
        self.id: str = body["id"]
        self.rid, self.raw_rid = resources.new_database_rid()
        self.self_link = f"dbs/{self.rid}/"
        self.throughput = throughput
        self.burst = burst
        self.pool = SharedThroughputPool(throughput, burst=burst) if throughput else None
        self.containers: dict[str, Container] = {}
        self.users: dict[str, User] = {}
        self.etag = resources.new_etag()
        self.ts = resources.now_ts()

    def to_resource(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "_rid": self.rid,
            "_self": self.self_link,
            "_etag": self.etag,
            "_colls": "colls/",
            "_users": "users/",
            "_ts": self.ts,
        }


class Account:
    """Everything the emulator stores."""

    def __init__(self, partitions: int | None, burst: bool = False) -> None:
        self.fixed_partition_count = partitions
        self.burst = burst  # burst capacity for every budget (opt-in, as on the service)
        self.databases: dict[str, Database] = {}
        self.offers: dict[str, Offer] = {}

    def database(self, name: str) -> Database:
        database = self.databases.get(name)
        if database is None:
            database = next((d for d in self.databases.values() if d.rid == name), None)
            if database is None:
                raise CosmosError(404, f"Database '{name}' does not exist.")
        return database

    def container(self, database_name: str, name: str) -> Container:
        database = self.database(database_name)
        container = database.containers.get(name)
        if container is None:
            container = next((c for c in database.containers.values() if c.rid == name), None)
            if container is None:
                raise CosmosError(
                    404, f"Container '{name}' does not exist in database '{database.id}'."
                )
        return container

    def create_database(self, body: dict[str, Any], throughput: Throughput | None) -> Database:
        check_resource_id(body, max_characters=MAX_NAME_CHARACTERS)
        if body["id"] in self.databases:
            raise CosmosError(409, f"Database '{body['id']}' already exists.")
        database = Database(body, throughput, self.burst)
        if throughput is not None:
            self._add_offer(database.self_link, database.rid, throughput)
        self.databases[database.id] = database
        return database

    def delete_database(self, name: str) -> None:
        database = self.database(name)
        for container in database.containers.values():
            self._drop_offer(container.self_link)
        self._drop_offer(database.self_link)
        del self.databases[database.id]

    def create_container(
        self, database: Database, body: dict[str, Any], throughput: Throughput | None
    ) -> Container:
        check_resource_id(body, max_characters=MAX_NAME_CHARACTERS)
        # Built (so validated) first: an invalid definition is 400 even when the id is taken.
        container = Container(database, body, throughput, self.fixed_partition_count, self.burst)
        if body["id"] in database.containers:
            raise CosmosError(409, f"Container '{body['id']}' already exists in '{database.id}'.")
        if throughput is not None:
            self._add_offer(container.self_link, container.rid, throughput)
        database.containers[container.id] = container
        return container

    def delete_container(self, database: Database, name: str) -> None:
        container = self.container(database.id, name)
        self._drop_offer(container.self_link)
        del database.containers[container.id]

    def _add_offer(self, resource_self: str, resource_rid: str, throughput: Throughput) -> None:
        rid = resources.new_offer_rid()
        self.offers[rid] = Offer(rid, resource_self, resource_rid, throughput)

    def _drop_offer(self, resource_self: str) -> None:
        for rid, offer in list(self.offers.items()):
            if offer.resource_self == resource_self:
                del self.offers[rid]

    def offer(self, rid: str) -> Offer:
        offer = self.offers.get(rid) or next(
            (o for o in self.offers.values() if o.rid.lower() == rid.lower()), None
        )
        if offer is None:
            raise CosmosError(404, f"Offer '{rid}' does not exist.")
        return offer

    def replace_offer(self, offer: Offer, throughput: Throughput) -> None:
        offer.throughput = throughput
        offer.etag = resources.new_etag()
        offer.ts = resources.now_ts()
        for database in self.databases.values():
            if database.self_link == offer.resource_self:
                database.throughput = throughput
                database.pool = SharedThroughputPool(throughput, burst=self.burst)
                for container in database.containers.values():
                    if container.throughput is None:
                        container.change_throughput(throughput)
            for container in database.containers.values():
                if container.self_link == offer.resource_self:
                    container.change_throughput(throughput)

    def containers(self) -> list[Container]:
        return [c for d in self.databases.values() for c in d.containers.values()]
