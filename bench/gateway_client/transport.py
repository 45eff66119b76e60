"""HTTP/1.1 to one gateway endpoint on geventhttpclient, the stack under Locust's
`FastHttpUser`: its pooled keep-alive connections and C response parser, with the request
head written here in one piece (the client's headers are few and known, so its general
header merging and validation would be most of the cost of a request).

TLS is verified as the SDK does: always, except when the host is exactly `localhost` or
`127.0.0.1` (its local-emulator rule); a CA file replaces the system's trust store, and
`insecure` turns verification off (rubench allows that for loopback targets only, see
`bench.harness.target.Connection`). A request that gets no response (refused, reset,
timed out) raises `NoResponse` instead of hanging. As geventhttpclient does, a request
whose connection broke is sent again on a fresh one only when its method is idempotent
(GET, PUT, DELETE): a POST may have been applied and charged already.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlparse

from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
from geventhttpclient.response import HTTPParseError, HTTPSocketPoolResponse

SDK_UNVERIFIED_HOSTS = ("localhost", "127.0.0.1")
# the SDK's defaults (documents.ConnectionPolicy): 5 s to connect, 65 s to read
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 65.0
POOL_SIZE = 64
IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE"))
USER_AGENT = "rubench-gateway-client"
BLOCK_SIZE = 64 * 1024  # read a page of query results in few system calls


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


class ResponseHeaders(dict[str, str]):
    """Response headers by lower-cased name (a repeated field's values joined with ", "):
    what the parser fills in place of geventhttpclient's general `Headers`, whose
    case-insensitive lookups cost more than the rest of reading a response."""

    def add(self, field: str, value: str) -> None:
        name = field.lower()
        known = self.get(name)
        self[name] = value if known is None else f"{known}, {value}"


class RawResponse(NamedTuple):
    status: int
    headers: ResponseHeaders
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
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.host_header = parsed.netloc
        options: dict[str, Any] = {
            "size": pool_size,
            "connection_timeout": connect_timeout,
            "network_timeout": read_timeout,
        }
        if parsed.scheme == "https":
            context = (tls or Tls()).context(host)
            self._pool: ConnectionPool = SSLConnectionPool(
                host,
                port,
                host,
                port,
                insecure=not context.check_hostname,
                ssl_context_factory=lambda *args, **kwargs: context,
                **options,
            )
        else:
            self._pool = ConnectionPool(host, port, host, port, **options)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> RawResponse:
        lines = [f"{method} {path} HTTP/1.1\r\nHost: {self.host_header}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
        lines.append(f"User-Agent: {USER_AGENT}\r\nContent-Length: {len(body)}\r\n\r\n")
        request = "".join(lines).encode("latin-1") + body
        attempts = 2 if method in IDEMPOTENT else 1
        while True:
            attempts -= 1
            try:
                return self._exchange(method, request)
            except (OSError, HTTPParseError) as error:  # socket errors and timeouts: OSError
                if attempts and isinstance(error, ConnectionError | HTTPParseError):
                    continue  # a keep-alive connection the server had closed
                raise NoResponse(f"{type(error).__name__}: {error}") from error

    def _exchange(self, method: str, request: bytes) -> RawResponse:
        pool = self._pool
        sock = pool.get_socket()
        try:
            sock.sendall(request)
        except BaseException:
            pool.release_socket(sock)
            raise
        # the response returns the connection to the pool, or closes it, once read
        response = HTTPSocketPoolResponse(
            sock, pool, method=method, headers_type=ResponseHeaders, block_size=BLOCK_SIZE
        )
        try:
            content = response.read()
        finally:
            response.release()
        return RawResponse(response.status_code, response.info(), content)

    def close(self) -> None:
        self._pool.close()
