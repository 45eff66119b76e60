"""`GatewayClient`: signed REST requests to one Cosmos DB account, retried as the SDK does.

It holds what every call shares: the endpoint's connection pool, the credentials, the
account's default consistency (read once from `GET /`, as the SDK's constructor does)
and the retry limits. Containers (`bench.gateway_client.container`) hold the rest::

    client = GatewayClient(endpoint, key)              # or a TokenCredential
    items = GatewayContainer(client, "shop", "products")
    items.read_item("1", "p1").stats.ru

Requests for metadata (the account, a container's properties, its partition key ranges)
are summed in `client.metadata`, not in the call that happened to need them, so the
calls' RU plus `metadata.ru` is what the account charged; `on_metadata`, when set, is
called with each of them (the harness records one row per request).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import gevent
from gevent.lock import BoundedSemaphore

from bench.gateway_client.auth import Authorization, EntraToken, MasterKey
from bench.gateway_client.outcome import REQUEST_CHARGE, CallStats, GatewayError
from bench.gateway_client.retries import RetryBudget, RetryLimits
from bench.gateway_client.transport import (
    CONNECT_TIMEOUT_SECONDS,
    POOL_SIZE,
    READ_TIMEOUT_SECONDS,
    NoResponse,
    ResponseHeaders,
    Tls,
    Transport,
)

API_VERSION = "2020-07-15"
# (method, path, stats of that one request): see GatewayClient.on_metadata
MetadataListener = Callable[[str, str, CallStats], None]
SESSION = "Session"


class _HttpDate:
    """`x-ms-date` (RFC 1123), formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._text = second, formatdate(second, usegmt=True)
        return self._text


class _ActivityIds:
    """`x-ms-activity-id` GUIDs: a random prefix per client and a counter (a uuid4 per
    request would cost a system call for randomness the service does not need)."""

    def __init__(self) -> None:
        digits = uuid.uuid4().hex
        self._prefix = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-"
        self._counter = itertools.count()

    def next(self) -> str:
        return self._prefix + format(next(self._counter) & 0xFFFFFFFFFFFF, "012x")


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def error_message(status: int, body: bytes) -> tuple[str, Any]:
    """`<status> <code>: <message>` from an error body, and the parsed body."""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "message" in parsed:
        first = str(parsed["message"]).strip().splitlines()
        return f"{status} {parsed.get('code', '')}: {first[0] if first else ''}", parsed
    return str(status), parsed


class GatewayClient:
    """One account endpoint: connection pool, credentials, retry limits."""

    def __init__(
        self,
        endpoint: str,
        credential: Any,
        *,
        tls: Tls | None = None,
        retry: RetryLimits | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        pool_size: int = POOL_SIZE,
    ) -> None:
        """`credential`: an account key (base64 text) or an azure-core TokenCredential."""
        self.endpoint = endpoint.rstrip("/")
        self.auth: Authorization = (
            MasterKey(credential)
            if isinstance(credential, str)
            else EntraToken(credential, endpoint)
        )
        self.retry = retry or RetryLimits()
        self.transport = Transport(
            self.endpoint,
            tls,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            pool_size=pool_size,
        )
        self.metadata = CallStats()
        self.on_metadata: MetadataListener | None = None
        self._date = _HttpDate()
        self._activity_ids = _ActivityIds()
        self._account: dict[str, Any] | None = None
        self._session: bool | None = None
        self._account_lock = BoundedSemaphore()  # gevent's: see GatewayContainer

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # the account ---------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """The account document (`GET /`), read once (one greenlet reads, the others wait)."""
        if self._account is None:
            with self._account_lock:
                if self._account is None:
                    status, _, raw = self.send_metadata("GET", "/", "", "", {})
                    if status >= 400:
                        raise self.failure("GET", "/", status, raw, self.metadata)
                    self._account = json.loads(raw)
        return self._account

    @property
    def session_consistency(self) -> bool:
        """Whether reads need session tokens: the account's default level is Session."""
        if self._session is None:
            policy = self.account().get("userConsistencyPolicy") or {}
            self._session = policy.get("defaultConsistencyLevel", SESSION) == SESSION
        return self._session

    # requests --------------------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        resource_type: str,
        resource_link: str,
        headers: dict[str, str],
        body: bytes,
        stats: CallStats,
    ) -> tuple[int, ResponseHeaders, bytes]:
        """One request with the 429/449 retries; every answered attempt is added to `stats`.
        Returns the last (status, headers, body); raises GatewayError (status 0) when the
        endpoint did not answer."""
        budget = RetryBudget(self.retry)
        while True:
            date = self._date.now()
            headers["x-ms-date"] = date
            headers["x-ms-version"] = API_VERSION
            headers["x-ms-activity-id"] = self._activity_ids.next()
            headers["authorization"] = self.auth.header(method, resource_type, resource_link, date)
            try:
                raw = self.transport.send(method, path, headers, body)
            except NoResponse as error:
                stats.status, stats.substatus = 0, 0
                raise GatewayError(f"no response from {self.endpoint}: {error}", stats) from None
            response_headers = raw.headers
            status = raw.status
            stats.attempts += 1
            stats.status = status
            substatus = response_headers.get("x-ms-substatus")
            stats.substatus = int(_number(substatus)) if substatus else 0
            charge = response_headers.get(REQUEST_CHARGE)
            if charge:
                stats.ru += _number(charge)
            stats.bytes += len(raw.body)
            if status < 400:
                return status, response_headers, raw.body
            if status == 429:
                stats.throttled += 1
            wait = budget.wait_before_retry(
                status, _number(response_headers.get("x-ms-retry-after-ms", 0))
            )
            if wait is None:
                return status, response_headers, raw.body
            stats.throttle_wait_ms += wait
            gevent.sleep(wait / 1000)  # lets the other greenlets (users) go on

    def send_metadata(
        self,
        method: str,
        path: str,
        resource_type: str,
        resource_link: str,
        headers: dict[str, str],
    ) -> tuple[int, ResponseHeaders, bytes]:
        """`send` for a request no call asked for: its own stats (timed), added to
        `metadata` and handed to `on_metadata`, also when it got no response."""
        stats = CallStats()
        started = time.perf_counter()
        try:
            return self.send(method, path, resource_type, resource_link, headers, b"", stats)
        finally:
            stats.latency_ms = (time.perf_counter() - started) * 1000
            self.metadata.add(stats)
            if self.on_metadata is not None:
                self.on_metadata(method, path, stats)

    def request(
        self,
        method: str,
        path: str,
        resource_type: str,
        resource_link: str,
        headers: dict[str, str],
        body: bytes,
        stats: CallStats,
    ) -> bytes:
        """`send`, raising GatewayError on any final status >= 400."""
        status, _, content = self.send(
            method, path, resource_type, resource_link, headers, body, stats
        )
        if status >= 400:
            raise self.failure(method, path, status, content, stats)
        return content

    def failure(
        self, method: str, path: str, status: int, content: bytes, stats: CallStats
    ) -> GatewayError:
        message, parsed = error_message(status, content)
        if status == 401:
            message = (
                f"{self.endpoint} rejected the credentials ({message}); check the key or sign-in"
            )
        return GatewayError(f"{method} {path}: {message}", stats, parsed)
