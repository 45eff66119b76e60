"""Provisioned throughput as the real azure-cosmos SDK meets it: 429s start at the
provisioned rate and the SDK retries through them, `replace_throughput` acts at once
and splits past 10,000 RU/s per partition, and a hot partition throttles alone."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator

from .sdk_helpers import ChargeLog, Load, container_ledger

MEASURE_SECONDS = 2
# Budgets refill at each whole second of the emulator's clock (this machine's wall clock) and
# greedy clients take a few hundred ms to spend one: sample mid-second, after the spending.
SAMPLE_AT_FRACTION = 0.7
BIG, THREADS = 20_000, 8  # the saturating load: payload bytes, client threads


def upserter(container: ContainerProxy, key: str, payload: int = 600) -> Callable[[], Any]:
    """An operation rewriting one item of logical partition `key` (~11 RU each; ~20 RU with
    a 20 KB payload, so a busy machine still spends 1,000 RU/s with few requests)."""
    item = {"id": f"item-{key}", "pk": key, "payload": "x" * payload}
    return lambda: container.upsert_item(item)


class Ledger:
    """The emulator's ledger entries for some containers: `read()` one, `charged()` all."""

    def __init__(self, emulator: LocalEmulator, database: DatabaseProxy, *containers: Any):
        self.links = [f"dbs/{database.id}/colls/{c.id}" for c in containers]
        self.emulator = emulator

    def read(self) -> dict[str, Any]:
        return container_ledger(self.emulator, self.links[0])

    def charged_at(self, wall_time: float) -> float:
        time.sleep(max(0.0, wall_time - time.time()))
        return sum(container_ledger(self.emulator, link)["request_charge"] for link in self.links)


def charged_rate(ledger: Ledger, load: Load) -> float:
    """RU/s the emulator charged over MEASURE_SECONDS whole seconds while `load` runs,
    from the second after the current one (clients may still sleep out an older 429)."""
    start = math.floor(time.time()) + 1 + SAMPLE_AT_FRACTION
    before = ledger.charged_at(start)
    after = ledger.charged_at(start + MEASURE_SECONDS)
    assert load.errors == []  # every 429 was retried by the SDK until it went through
    return (after - before) / MEASURE_SECONDS


def throttled(entry: dict[str, Any], partition: str) -> int:
    return entry["partitions"].get(partition, {}).get("throttled", 0)


def test_throttling_starts_at_the_provisioned_rate_and_replace_acts_at_once(
    emulator: LocalEmulator, database: DatabaseProxy
) -> None:
    container = database.create_container("rate", PartitionKey("/pk"), offer_throughput=400)
    ledger = Ledger(emulator, database, container)
    with Load([upserter(container, "hot", BIG)] * THREADS) as load:
        at_400 = charged_rate(ledger, load)
        container.replace_throughput(1000)
        at_1000 = charged_rate(ledger, load)
    print(f"\ncharged {at_400:.0f} RU/s at 400 RU/s, {at_1000:.0f} RU/s after replacing with 1000")
    assert at_400 == pytest.approx(400, rel=0.10)
    assert at_1000 == pytest.approx(1000, rel=0.10)
    entry = ledger.read()
    assert entry["throttled"] > 0
    assert entry["operations"]["Upsert"]["throttled"] == entry["throttled"]


def test_shared_database_throughput_is_shared_by_its_containers(
    emulator: LocalEmulator, client: CosmosClient
) -> None:
    database = client.create_database("shared-ru", offer_throughput=400)
    try:
        orders = database.create_container("orders", PartitionKey("/pk"))
        carts = database.create_container("carts", PartitionKey("/pk"))
        ledger = Ledger(emulator, database, orders, carts)
        load = [upserter(orders, "hot", BIG), upserter(carts, "hot", BIG)] * (THREADS // 2)
        with Load(load) as running:
            rate = charged_rate(ledger, running)
    finally:
        client.delete_database(database.id)
    assert rate == pytest.approx(400, rel=0.10)  # both containers together, not 400 each


def test_raise_past_10k_per_partition_splits_and_the_sdk_follows(
    emulator: LocalEmulator, database: DatabaseProxy
) -> None:
    container = database.create_container("grow", PartitionKey("/pk"), offer_throughput=400)
    for i in range(40):
        container.create_item({"id": str(i), "pk": f"k{i}"})
    container.replace_throughput(20_000)  # 2 x 10,000 RU/s: one split

    fresh = CosmosClient(emulator.endpoint, emulator.key)
    ranges = fresh.get_database_client(database.id).get_container_client("grow")
    assert len(list(ranges.read_feed_ranges())) == 2
    log = ChargeLog()
    for i in range(40):  # the original client finds every item through the new ranges
        container.read_item(str(i), f"k{i}", response_hook=log)
    range_ids = {headers["x-ms-documentdb-partitionkeyrangeid"] for headers in log.headers}
    assert range_ids == {"1", "2"}  # the parent "0" is gone, its children serve
    assert container.get_throughput().offer_throughput == 20_000


def keys_by_range(container: ContainerProxy, count: int) -> dict[str, list[str]]:
    """Logical partition keys grouped by the physical partition the emulator put them in."""
    grouped: dict[str, list[str]] = {}
    for i in range(count):
        log = ChargeLog()
        container.upsert_item({"id": f"item-k{i}", "pk": f"k{i}"}, response_hook=log)
        grouped.setdefault(log.headers[0]["x-ms-documentdb-partitionkeyrangeid"], []).append(
            f"k{i}"
        )
    return grouped


def test_hot_partition_throttles_first_while_others_stay_idle(
    emulator: LocalEmulator, database: DatabaseProxy
) -> None:
    container = database.create_container("skew", PartitionKey("/pk"), offer_throughput=400)
    container.replace_throughput(20_000)  # split into two partitions ...
    container.replace_throughput(1_000)  # ... which stay: 500 RU/s each
    (hot_range, hot_keys), (cold_range, cold_keys) = sorted(keys_by_range(container, 20).items())
    ledger = Ledger(emulator, database, container)
    threads, rate = 8, 10  # 80 upserts/s of ~11 RU: ~880 RU/s, under the 1,000 provisioned

    spread_keys = (hot_keys[0], cold_keys[0])
    uniform_load = [upserter(container, spread_keys[i % 2]) for i in range(threads)]
    before = ledger.read()
    with Load(uniform_load, per_second=rate) as uniform:
        time.sleep(MEASURE_SECONDS)
    after_uniform = ledger.read()
    with Load([upserter(container, hot_keys[0])] * threads, per_second=rate) as skewed:
        time.sleep(MEASURE_SECONDS)
    after_skewed = ledger.read()

    assert skewed.errors == [] and uniform.errors == []
    uniform_429s = sum(
        throttled(after_uniform, r) - throttled(before, r) for r in (hot_range, cold_range)
    )
    skewed_429s = throttled(after_skewed, hot_range) - throttled(after_uniform, hot_range)
    print(f"\n429s at ~880 RU/s over 2 x 500 RU/s: uniform {uniform_429s}, skewed {skewed_429s}")
    assert skewed_429s > 0  # the hot partition's 500 RU/s ran out
    assert throttled(after_skewed, cold_range) == throttled(after_uniform, cold_range)
    cold_charge = after_skewed["partitions"][cold_range]["request_charge"]
    assert cold_charge == after_uniform["partitions"][cold_range]["request_charge"]  # idle
    assert uniform_429s < skewed_429s / 4  # the same load spread evenly fits the budget
