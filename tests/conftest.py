"""Shared fixtures: local emulators and real azure-cosmos clients against them.

Emulators are session-scoped (one start per test session) and listen on free
loopback ports, so parallel test runs never collide:

- `emulator`: process mode over http (the default `LocalEmulator`);
- `tls_emulator`: process mode over https (`--tls`, self-signed certificate);
- `inprocess_emulator`: in-process mode over http (the server in a thread);
- `any_emulator`: parametrized over the three, for tests that must hold everywhere;
- `local_target`: `emulator` as a harness `Target`;
- `browser`: a headless Chromium (Debian's) for checking generated pages.

`new_name(prefix)` gives a name unique in the session. `client` is a sync
`CosmosClient` on `emulator`; `database` a fresh database
(deleted afterwards); `container` a fresh container partitioned on `/pk`
in it. Names are unique per test so tests share emulators safely. A
subdirectory's conftest may override any of these names for its own tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator
from bench.harness.target import Target

_names = itertools.count()


def unique_name(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@pytest.fixture(scope="session")
def new_name() -> Callable[[str], str]:
    return unique_name


@pytest.fixture(scope="session", autouse=True)
def loopback_only_credentials() -> Iterator[None]:
    """DefaultAzureCredential (the Entra ID path) tries managed identity, which probes
    169.254.169.254; azure-identity's AZURE_TOKEN_CREDENTIALS narrows the chain to the
    Azure CLI credential, which only runs `az` (a local script in test_entra.py). Set in
    os.environ, so the rubench and Locust processes tests start inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
        yield


def pytest_configure(config: pytest.Config) -> None:
    # The SDK skips certificate checks on 127.0.0.1 by design; urllib3 warns on every call.
    config.addinivalue_line("filterwarnings", "ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="session")
def emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0) as running:
        yield running


@pytest.fixture(scope="session")
def local_target(emulator: LocalEmulator) -> Target:
    """`emulator` as the harness reaches it (process mode, as Locust needs)."""
    return Target("local", emulator.endpoint, emulator.key, "the local emulator")


@pytest.fixture(scope="session")
def tls_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, tls=True) as running:
        yield running


@pytest.fixture(scope="session")
def inprocess_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, in_process=True) as running:
        yield running


@pytest.fixture(scope="session", params=["process-http", "process-https", "in-process-http"])
def any_emulator(request: pytest.FixtureRequest) -> LocalEmulator:
    fixture = {
        "process-http": "emulator",
        "process-https": "tls_emulator",
        "in-process-http": "inprocess_emulator",
    }[request.param]
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def client(emulator: LocalEmulator) -> CosmosClient:
    return CosmosClient(emulator.endpoint, emulator.key)


@pytest.fixture
def database(client: CosmosClient) -> Iterator[DatabaseProxy]:
    proxy = client.create_database(unique_name("db"))
    yield proxy
    client.delete_database(proxy.id)


@pytest.fixture
def container(database: DatabaseProxy) -> ContainerProxy:
    return database.create_container(unique_name("items"), PartitionKey("/pk"))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not session-wide: the sync Playwright API keeps an
    event loop running in this thread until it stops, and later tests call asyncio.run."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def open_page(browser: Any) -> Callable[[Path], tuple[Any, list[str], list[str]]]:
    """Opens a report in Chromium: the page, the errors it logged or threw, and every URL
    it requested (a self-contained report requests nothing but itself)."""

    def open_report(html: Path) -> tuple[Any, list[str], list[str]]:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on(
            "console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri())
        return page, errors, requests

    return open_report
