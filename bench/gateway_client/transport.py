"""HTTP/1.1 to one gateway endpoint over geventhttpclient, the client under Locust's
`FastHttpUser`: pooled keep-alive connections, timeouts, TLS verified as the SDK does.

The SDK verifies certificates except when the host is exactly `localhost` or
`127.0.0.1` (its local-emulator rule); a CA file replaces the system's trust store, and
`insecure` turns verification off (rubench allows that for loopback targets only, see
`bench.harness.target.Connection`). A request that gets no response (refused, reset,
timed out) raises `NoResponse` instead of hanging or retrying a write twice.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from geventhttpclient import HTTPClient

SDK_UNVERIFIED_HOSTS = ("localhost", "127.0.0.1")
# the SDK's defaults (documents.ConnectionPolicy): 5 s to connect, 65 s to read
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 65.0
POOL_SIZE = 64


class NoResponse(Exception):
    """The endpoint did not answer: connection refused or reset, DNS, TLS or timeout."""


@dataclass(frozen=True)
class Tls:
    """Certificate verification: the SDK's rule, a CA bundle, or none."""

    ca_file: str | None = None
    insecure: bool = False

    def context(self, host: str) -> ssl.SSLContext:
        if self.insecure or (self.ca_file is None and host in SDK_UNVERIFIED_HOSTS):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        return ssl.create_default_context(cafile=self.ca_file)


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Any  # geventhttpclient's case-insensitive Headers
    body: bytes


class Transport:
    """One connection pool to the endpoint, shared by every greenlet of the process."""

    def __init__(
        self,
        endpoint: str,
        tls: Tls | None = None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        pool_size: int = POOL_SIZE,
    ) -> None:
        parsed = urlparse(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"endpoint {endpoint!r}: expected http(s)://host[:port]/")
        host = parsed.hostname
        options: dict[str, Any] = {}
        if parsed.scheme == "https":
            context = (tls or Tls()).context(host)
            options = {
                "ssl": True,
                "ssl_context_factory": lambda *args, **kwargs: context,
                "insecure": not context.check_hostname,
            }
        self._http = HTTPClient(
            host,
            port=parsed.port or (443 if parsed.scheme == "https" else 80),
            connection_timeout=connect_timeout,
            network_timeout=read_timeout,
            concurrency=pool_size,
            headers={"User-Agent": "rubench-gateway-client"},
            **options,
        )

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> RawResponse:
        try:
            response = self._http.request(method, path, body=body, headers=headers)
            try:
                content = response.read()
            finally:
                response.release()
        except (OSError, ssl.SSLError) as error:  # socket errors and timeouts are OSErrors
            raise NoResponse(f"{type(error).__name__}: {error}") from error
        except Exception as error:  # geventhttpclient's parse errors: a broken response
            if type(error).__module__.startswith("geventhttpclient"):
                raise NoResponse(f"{type(error).__name__}: {error}") from error
            raise
        return RawResponse(response.status_code, response.info(), content)

    def close(self) -> None:
        self._http.close()
