"""Fixtures for the gateway client's tests: `fast` (a GatewayClient on `emulator`, the
session's), `items` (a GatewayContainer on the SDK-made `container`, partitioned on
`/pk`), and `ledger_of(container)` (what the emulator charged that container, by
operation, without the metadata reads)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.cosmos import ContainerProxy

from bench.emulator import LocalEmulator, fetch_ledger
from bench.gateway_client import GatewayClient, GatewayContainer

METADATA_OPERATIONS = {
    "CreateContainer",
    "ReadContainer",
    "ReplaceContainer",
    "ReadPartitionKeyRanges",
}


@pytest.fixture(scope="session")
def fast(emulator: LocalEmulator) -> Iterator[GatewayClient]:
    with GatewayClient(emulator.endpoint, emulator.key) as client:
        yield client


def gateway_container(client: GatewayClient, proxy: ContainerProxy) -> GatewayContainer:
    database = proxy.container_link.split("/")[1]
    return GatewayContainer(client, database, proxy.id)


@pytest.fixture
def items(fast: GatewayClient, container: ContainerProxy) -> GatewayContainer:
    return gateway_container(fast, container)


@pytest.fixture
def ledger_of(emulator: LocalEmulator) -> Callable[[ContainerProxy], dict[str, Any]]:
    """(RU, requests, 429s) the emulator recorded for a container's item operations."""

    def read(proxy: ContainerProxy) -> dict[str, Any]:
        node = fetch_ledger(emulator.endpoint, emulator.key)["containers"][proxy.container_link]
        kept = {k: v for k, v in node["operations"].items() if k not in METADATA_OPERATIONS}
        return {
            "request_charge": round(sum(t["request_charge"] for t in kept.values()), 2),
            "requests": sum(t["requests"] for t in kept.values()),
            "throttled": sum(t["throttled"] for t in kept.values()),
            "operations": sorted(kept),
        }

    return read
