"""Fixtures for the RU tests: a real emulator process per module and the real azure-cosmos
SDK against it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from azure.cosmos import CosmosClient, DatabaseProxy

from bench.emulator import LocalEmulator

_names = itertools.count()


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: LocalEmulator) -> CosmosClient:
    return CosmosClient(emulator.endpoint, emulator.key)


@pytest.fixture
def database(client: CosmosClient) -> Iterator[DatabaseProxy]:
    proxy = client.create_database(f"ru-{next(_names)}")
    yield proxy
    client.delete_database(proxy.id)
