"""Where a run sends its requests, and the SDK clients that reach it.

`local` is rubench's own emulator (started by the run), `emulator` the official one at
https://localhost:8081 with its published key, anything else an account endpoint that
authenticates with COSMOS_KEY if set, else Microsoft Entra ID (DefaultAzureCredential).
Keys live only in memory and in the child process environment, never in run
directories or logs::

    target = resolve_target("emulator")
    client = sync_client(target)
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from bench.errors import RubenchError

OFFICIAL_EMULATOR = "https://localhost:8081"
KEY_VARIABLE = "COSMOS_KEY"
KIND_VARIABLE = "RUBENCH_TARGET_KIND"
CONSISTENCY_VARIABLE = "RUBENCH_TARGET_CONSISTENCY"
POOL_CONNECTIONS = 256


def well_known_key() -> str:
    from bench.emulator import WELL_KNOWN_KEY

    return WELL_KNOWN_KEY


@dataclass(frozen=True)
class Target:
    kind: str  # local | emulator | azure
    endpoint: str
    key: str | None = field(default=None, repr=False)  # None: Microsoft Entra ID
    key_source: str = ""  # where the key came from, for error messages: COSMOS_KEY, ...
    consistency: str = ""  # the account's default level when rubench set it (local), else ""

    @property
    def host(self) -> str:
        return urlparse(self.endpoint).netloc

    def credential(self) -> Any:
        if self.key:
            return self.key
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()

    def metadata(self) -> dict[str, str]:
        """What run.json records about the target: never the key."""
        recorded = {"kind": self.kind, "host": self.host, "auth": "key" if self.key else "entra"}
        if self.consistency:
            recorded["consistency"] = self.consistency
        return recorded

    def child_environment(self) -> dict[str, str]:
        """Environment variables that hand this target to a Locust process."""
        env = {KIND_VARIABLE: self.kind}
        if self.consistency:
            env[CONSISTENCY_VARIABLE] = self.consistency
        if self.key:
            env[KEY_VARIABLE] = self.key
        return env


def resolve_target(spec: str) -> Target:
    """`emulator` or an https/http endpoint (`local` is started by the run itself)."""
    if spec == "emulator":
        if os.environ.get(KEY_VARIABLE):
            check_account_key(os.environ[KEY_VARIABLE])
            return Target("emulator", OFFICIAL_EMULATOR, os.environ[KEY_VARIABLE], KEY_VARIABLE)
        return Target("emulator", OFFICIAL_EMULATOR, well_known_key(), "the well-known key")
    parsed = urlparse(spec)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RubenchError(
            f"--target {spec!r}: expected local, emulator or an endpoint like "
            "https://myaccount.documents.azure.com:443/"
        )
    key, source = os.environ.get(KEY_VARIABLE), KEY_VARIABLE
    if key:
        check_account_key(key)
    kind = os.environ.get(KIND_VARIABLE) or _kind_of(parsed.hostname or "")
    if not key and kind in ("local", "emulator"):
        key, source = well_known_key(), "the well-known key"
    consistency = os.environ.get(CONSISTENCY_VARIABLE, "")
    return Target(kind, spec.rstrip("/"), key, source if key else "", consistency)


def check_account_key(key: str) -> None:
    """An account key is base64 (the SDK signs every request with its decoded bytes and
    would fail on the first one with a traceback); the message never shows the key."""
    try:
        base64.b64decode(key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise RubenchError(
            f"{KEY_VARIABLE} is not an account key: expected base64 text (the primary or "
            "secondary key from the portal or `az cosmosdb keys list`), or unset it to sign "
            "in with Microsoft Entra ID"
        ) from None


def _kind_of(hostname: str) -> str:
    return "emulator" if hostname in ("localhost", "127.0.0.1", "::1") else "azure"


def requests_transport(pool: int = POOL_CONNECTIONS) -> Any:
    """A transport that does not re-read proxy settings from the environment on every call
    (`trust_env=False`) and keeps enough pooled connections for every user of a process."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.trust_env = False
    # like azure-core's own adapter: retries belong to the SDK's policies, not to urllib3
    no_retries = Retry(total=False, redirect=False, raise_on_status=False)
    adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=no_retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return RequestsTransport(session=session)


def sync_client(target: Target, **kwargs: Any) -> Any:
    """The sync SDK client used inside Locust (gevent-friendly)."""
    from azure.cosmos import CosmosClient

    return CosmosClient(
        target.endpoint, target.credential(), transport=requests_transport(), **kwargs
    )


def async_client(target: Target, **kwargs: Any) -> Any:
    """The async SDK client used for seeding and preflight checks outside Locust."""
    from azure.cosmos.aio import CosmosClient

    credential = target.key
    if credential is None:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return CosmosClient(target.endpoint, credential, **kwargs)
