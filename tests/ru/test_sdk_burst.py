"""Burst capacity (opt-in): a partition under 3000 RU/s banks the RU/s it left unused and
spends the bank on top of its budget, seen through the real azure-cosmos SDK."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from azure.cosmos import CosmosClient, PartitionKey

from bench.emulator import LocalEmulator

from .sdk_helpers import Load, container_ledger

IDLE_SECONDS = 3
LOAD_SECONDS = 0.9


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, burst_capacity=True) as running:
        yield running


def test_idle_partition_bursts_past_its_budget(emulator: LocalEmulator) -> None:
    client = CosmosClient(emulator.endpoint, emulator.key)
    container = client.create_database("burst").create_container(
        "bursty", PartitionKey("/pk"), offer_throughput=400
    )
    item = {"id": "big", "pk": "a", "payload": "x" * 20_000}  # ~20 RU per upsert
    container.upsert_item(item)  # the partition's clock starts; then it idles
    burst_second = math.floor(time.time()) + IDLE_SECONDS
    time.sleep(burst_second - time.time())
    before = container_ledger(emulator, "dbs/burst/colls/bursty")["request_charge"]
    with Load([lambda: container.upsert_item(item)] * 8) as load:
        time.sleep(LOAD_SECONDS)
    charged = container_ledger(emulator, "dbs/burst/colls/bursty")["request_charge"] - before

    assert load.errors == []
    # This second's 400 RU plus ~2 idle seconds banked: far beyond 400 RU in one second.
    assert charged > 2.5 * 400
