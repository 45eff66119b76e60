"""The harness's end-to-end tests share the root conftest's `emulator` (process mode, as
Locust needs) through a `Target`."""

import pytest

from bench.emulator import LocalEmulator
from bench.harness.target import Target


@pytest.fixture(scope="session")
def local_target(emulator: LocalEmulator) -> Target:
    return Target("local", emulator.endpoint, emulator.key, "the local emulator")
