"""Where a run sends its requests, and the SDK clients that reach it.

`local` is rubench's own emulator (started by the run), `emulator` the official one at
https://localhost:8081 with its published key, anything else an account endpoint that
authenticates with COSMOS_KEY if set, else Microsoft Entra ID (DefaultAzureCredential).
Keys live only in memory and in the child process environment, never in run
directories or logs. `Connection` holds what some targets need beyond an address: a CA
file to trust, no TLS verification (loopback test servers only), endpoint discovery off
(servers that advertise addresses the client cannot reach)::

    target = resolve_target("emulator")
    client = sync_client(target)
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from bench.errors import RubenchError

OFFICIAL_EMULATOR = "https://localhost:8081"
KEY_VARIABLE = "COSMOS_KEY"
KIND_VARIABLE = "RUBENCH_TARGET_KIND"
CONSISTENCY_VARIABLE = "RUBENCH_TARGET_CONSISTENCY"
CA_FILE_VARIABLE = "RUBENCH_CA_FILE"
INSECURE_VARIABLE = "RUBENCH_INSECURE"
DISCOVERY_VARIABLE = "RUBENCH_ENDPOINT_DISCOVERY"
POOL_CONNECTIONS = 256
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Connection:
    """TLS trust and endpoint discovery, as the SDK's `connection_verify` and
    `enable_endpoint_discovery` take them. The environment variables carry them to Locust
    processes and let a plain `locust` run set them."""

    ca_file: str | None = None  # trust this CA bundle (PEM)
    insecure: bool = False  # no certificate verification: loopback test targets only
    endpoint_discovery: bool = True
    # where ca_file and insecure came from, as errors name them: an option or a variable
    ca_file_source: str = field(default="--ca-file", compare=False)
    insecure_source: str = field(default="--insecure", compare=False)

    @classmethod
    def from_environment(cls) -> Connection:
        return cls(
            ca_file=os.environ.get(CA_FILE_VARIABLE) or None,
            insecure=os.environ.get(INSECURE_VARIABLE, "") == "1",
            endpoint_discovery=os.environ.get(DISCOVERY_VARIABLE, "1") != "0",
            ca_file_source=CA_FILE_VARIABLE,
            insecure_source=_given(INSECURE_VARIABLE, "1"),
        )

    def check(self, endpoint: str) -> None:
        """Clear errors for a CA file that is not there, or --insecure beyond loopback."""
        if self.ca_file and not os.path.isfile(self.ca_file):
            raise RubenchError(
                f"{_given(self.ca_file_source, self.ca_file)}: no such file (expected a PEM bundle)"
            )
        if self.insecure and (urlparse(endpoint).hostname or "") not in LOOPBACK_HOSTS:
            raise RubenchError(
                f"{self.insecure_source} is for test servers on this machine "
                "(localhost, 127.0.0.1), "
                f"not {endpoint}; give --ca-file with the server's CA instead"
            )

    def environment(self) -> dict[str, str]:
        env = {DISCOVERY_VARIABLE: "1" if self.endpoint_discovery else "0"}
        if self.ca_file:
            env[CA_FILE_VARIABLE] = os.path.abspath(self.ca_file)
        if self.insecure:
            env[INSECURE_VARIABLE] = "1"
        return env

    @property
    def verify(self) -> bool | str | None:
        """azure-core's `connection_verify` for every request: False, a CA path, or None
        for the SDK's own rule (verify, except on localhost and 127.0.0.1)."""
        if self.insecure:
            return False
        return self.ca_file

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for either SDK client (TLS is the transport's job)."""
        return {} if self.endpoint_discovery else {"enable_endpoint_discovery": False}

    def metadata(self) -> dict[str, Any]:
        """What run.json records: whether verification was changed, never file contents."""
        tls = "insecure" if self.insecure else "ca-file" if self.ca_file else "default"
        return {"tls": tls, "endpoint_discovery": self.endpoint_discovery}


def _given(source: str, value: str) -> str:
    """A setting as the user gave it: `--ca-file x.pem` or `RUBENCH_CA_FILE=x.pem`."""
    return f"{source} {value}" if source.startswith("--") else f"{source}={value}"


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
    connection: Connection = field(default_factory=Connection)

    @property
    def host(self) -> str:
        return urlparse(self.endpoint).netloc

    def credential(self) -> Any:
        if self.key:
            return self.key
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()

    def metadata(self) -> dict[str, Any]:
        """What run.json records about the target: never the key."""
        auth = "key" if self.key else "entra"
        recorded = {"kind": self.kind, "host": self.host, "auth": auth}
        if self.consistency:
            recorded["consistency"] = self.consistency
        return {**recorded, **self.connection.metadata()}

    def child_environment(self) -> dict[str, str]:
        """Environment variables that hand this target to a Locust process."""
        env = {KIND_VARIABLE: self.kind, **self.connection.environment()}
        if self.consistency:
            env[CONSISTENCY_VARIABLE] = self.consistency
        if self.key:
            env[KEY_VARIABLE] = self.key
        return env


def resolve_target(spec: str, connection: Connection | None = None) -> Target:
    """`emulator` or an https/http endpoint (`local` is started by the run itself); the
    connection options default to the environment's."""
    connection = connection or Connection.from_environment()
    if spec == "emulator":
        connection.check(OFFICIAL_EMULATOR)
        if os.environ.get(KEY_VARIABLE):
            check_account_key(os.environ[KEY_VARIABLE])
            key, source = os.environ[KEY_VARIABLE], KEY_VARIABLE
        else:
            key, source = well_known_key(), "the well-known key"
        return Target("emulator", OFFICIAL_EMULATOR, key, source, connection=connection)
    parsed = urlparse(spec)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RubenchError(
            f"--target {spec!r}: expected local, emulator or an endpoint like "
            "https://myaccount.documents.azure.com:443/"
        )
    connection.check(spec)
    key, source = os.environ.get(KEY_VARIABLE), KEY_VARIABLE
    if key:
        check_account_key(key)
    kind = os.environ.get(KIND_VARIABLE) or _kind_of(parsed.hostname or "")
    if not key and kind in ("local", "emulator"):
        key, source = well_known_key(), "the well-known key"
    consistency = os.environ.get(CONSISTENCY_VARIABLE, "")
    return Target(
        kind, spec.rstrip("/"), key, source if key else "", consistency, connection=connection
    )


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
    return "emulator" if hostname in LOOPBACK_HOSTS else "azure"


@functools.cache
def warn_insecure_once() -> None:
    """urllib3 warns on every new unverified connection (it files its SecurityWarnings
    under "always"): 6,631 warnings in 15 s against the official emulator. Once is enough.
    Installed once per process: changing the filters again resets what was shown."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    warnings.filterwarnings("once", category=InsecureRequestWarning)


def verifying(transport_class: type, verify: bool | str) -> type:
    """`transport_class` sending every request with `connection_verify=verify`. The SDK
    decides verification per request (off on loopback) and takes a CA path only along with
    a client certificate, so the transport is where a CA file or no verification holds."""

    class Verifying(transport_class):  # type: ignore[misc, valid-type]
        def send(self, request: Any, **kwargs: Any) -> Any:
            kwargs["connection_verify"] = verify
            return super().send(request, **kwargs)

    return Verifying


def requests_transport(pool: int = POOL_CONNECTIONS, verify: bool | str | None = None) -> Any:
    """A transport that does not re-read proxy settings from the environment on every call
    (`trust_env=False`) and keeps enough pooled connections for every user of a process;
    `verify` overrides the SDK's certificate verification (see `verifying`)."""
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
    transport_class = RequestsTransport if verify is None else verifying(RequestsTransport, verify)
    return transport_class(session=session)


def sync_client(target: Target, **kwargs: Any) -> Any:
    """The sync SDK client used inside Locust (gevent-friendly)."""
    from azure.cosmos import CosmosClient

    warn_insecure_once()
    options = {**target.connection.client_options(), **kwargs}
    transport = requests_transport(verify=target.connection.verify)
    return CosmosClient(target.endpoint, target.credential(), transport=transport, **options)


def async_client(target: Target, **kwargs: Any) -> Any:
    """The async SDK client used for seeding and preflight checks outside Locust."""
    from azure.cosmos.aio import CosmosClient

    credential = target.key
    if credential is None:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
    options = {**target.connection.client_options(), **kwargs}
    if target.connection.verify is not None:
        from azure.core.pipeline.transport import AioHttpTransport

        options["transport"] = verifying(AioHttpTransport, target.connection.verify)()
    return CosmosClient(target.endpoint, credential, **options)
