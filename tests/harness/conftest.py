"""A local emulator (process mode, as Locust needs) shared by the harness's end-to-end tests."""

from collections.abc import Iterator

import pytest

from bench.emulator import LocalEmulator
from bench.harness.target import Target


@pytest.fixture(scope="session")
def emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0) as running:
        yield running


@pytest.fixture(scope="session")
def local_target(emulator: LocalEmulator) -> Target:
    return Target("local", emulator.endpoint, emulator.key, "the local emulator")
