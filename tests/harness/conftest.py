"""A local emulator (process mode, as Locust needs) shared by the harness's end-to-end tests,
and a credential chain that cannot leave the machine."""

from collections.abc import Iterator

import pytest

from bench.emulator import LocalEmulator
from bench.harness.target import Target


@pytest.fixture(scope="session", autouse=True)
def loopback_only_credentials() -> Iterator[None]:
    """DefaultAzureCredential (the Entra ID path) tries managed identity, which probes
    169.254.169.254; azure-identity's AZURE_TOKEN_CREDENTIALS narrows the chain to the
    Azure CLI credential, which only runs `az` (a local script in test_entra.py). Set in
    os.environ, so the rubench and Locust processes tests start inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
        yield


@pytest.fixture(scope="session")
def emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0) as running:
        yield running


@pytest.fixture(scope="session")
def local_target(emulator: LocalEmulator) -> Target:
    return Target("local", emulator.endpoint, emulator.key, "the local emulator")
