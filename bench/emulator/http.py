"""HTTP/1.1 framing: an asyncio.Protocol around httptools' C parser (llhttp).

Why not a web framework: per request this does one parse, one handler call
and one `transport.write`; no task, stream or response object is created,
so the server spends its time on the emulator's work. Keep-alive and
pipelining are supported; bodies are read whole (capped at `MAX_BODY_BYTES`).
Header names reach the handler lower-cased.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from email.utils import formatdate
from http import HTTPStatus

import httptools

from bench.emulator.errors import ERROR_CODES
from bench.emulator.replies import Reply, dumps

# (verb, raw path, lower-cased headers, body, scheme, Host header) -> reply, now or later
RequestHandler = Callable[[str, str, Mapping[str, str], bytes, str, str], Reply | Awaitable[Reply]]

MAX_BODY_BYTES = 16 * 1024 * 1024  # above every service limit (2 MB items, 2 MB batches)
# Slow or half-sent requests must not hold connections (and memory) forever.
HEADER_TIMEOUT_SECONDS = 10.0  # from a request's first byte to the end of its headers
BODY_TIMEOUT_SECONDS = 30.0  # from the end of the headers to the end of the body
IDLE_TIMEOUT_SECONDS = 120.0  # a keep-alive connection with no request under way
MAX_CONNECTIONS = 4096  # beyond it, a new connection gets a 503 and is closed
_NO_BODY_STATUSES = (204, 304)
_REASONS = {status.value: status.phrase for status in HTTPStatus}


class _Clock:
    """The `Date` header, formatted once per second."""

    second = -1
    value = ""

    @classmethod
    def date(cls) -> str:
        now = int(time.time())
        if now != cls.second:
            cls.second, cls.value = now, formatdate(now, usegmt=True)
        return cls.value


def frame(reply: Reply, keep_alive: bool) -> bytes:
    """The response bytes: status line, headers (Content-Length, Date, Connection), body."""
    status = reply.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    body = b"" if status in _NO_BODY_STATUSES else reply.body
    headers = reply.headers
    if body:
        lines.append(f"Content-Type: {headers.pop('content-type', 'application/json')}")
    else:
        headers.pop("content-type", None)
    if status not in _NO_BODY_STATUSES:
        lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    lines.append(f"Date: {_Clock.date()}")
    if not keep_alive:
        lines.append("Connection: close")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("utf-8") + body


class HttpProtocol(asyncio.Protocol):
    """One client connection."""

    def __init__(
        self, handler: RequestHandler, scheme: str, connections: set[HttpProtocol]
    ) -> None:
        self._handler = handler
        self._scheme = scheme
        self._connections = connections
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._body_size = 0
        self._pending: deque[tuple[asyncio.Future[Reply] | Reply, bool]] = deque()
        self._deadline: float | None = None  # when the current wait (see `_wait`) times out
        self._waiting_for = ""
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if len(self._connections) >= MAX_CONNECTIONS:
            self._refuse(
                503,
                f"The emulator already serves its maximum of {MAX_CONNECTIONS} connections; "
                "reuse or close connections, then retry.",
            )
            return
        self._connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._wait("idle", IDLE_TIMEOUT_SECONDS)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        self._transport = None
        for answer, _ in self._pending:  # nobody is left to read them: stop the work
            if isinstance(answer, asyncio.Future):
                answer.cancel()
        self._pending.clear()
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- timeouts -------------------------------------------------------------------------
    def _wait(self, what: str, seconds: float | None) -> None:
        """Start waiting for the client (`what`: idle, headers, body) for at most `seconds`;
        None: the server is working, no client deadline. One timer per connection, moved
        lazily to a later deadline (it fires, sees it is early and waits again), at once to
        an earlier one."""
        self._waiting_for = what
        if seconds is None:
            self._deadline = None
            return
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + seconds
        if self._timer is not None and self._deadline < self._timer.when():
            self._timer.cancel()  # an earlier deadline (headers after idle) moves it forward
            self._timer = None
        if self._timer is None:
            self._timer = loop.call_at(self._deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self._transport is None:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, self._on_timer)
        elif self._waiting_for == "idle":
            self._transport.close()
        else:
            self._refuse(408, f"The request's {self._waiting_for} did not arrive in time.")

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "Protocol upgrades are not supported.")
        except httptools.HttpParserError as error:
            self._refuse(400, f"The request is not valid HTTP/1.1: {error}.")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # -- httptools callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._wait("headers", HEADER_TIMEOUT_SECONDS)
        self._url = b""
        self._headers = {}
        self._body = []
        self._body_size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("utf-8", "surrogateescape")

    def on_headers_complete(self) -> None:
        self._wait("body", BODY_TIMEOUT_SECONDS)

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size <= MAX_BODY_BYTES:
            self._body.append(body)

    def on_message_complete(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._wait("reply", None)
        keep_alive = self._parser.should_keep_alive()
        if self._body_size > MAX_BODY_BYTES:
            self._refuse(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
            return
        answer = self._handler(
            self._parser.get_method().decode("ascii"),
            self._url.decode("utf-8", "surrogateescape"),
            self._headers,
            b"".join(self._body),
            self._scheme,
            self._headers.get("host", ""),
        )
        if isinstance(answer, Reply) and not self._pending:
            self._send(answer, keep_alive)
            self._wait("idle", IDLE_TIMEOUT_SECONDS)
            return
        # Long work answers later; replies leave in request order (pipelining).
        pending = asyncio.ensure_future(answer) if not isinstance(answer, Reply) else None
        self._pending.append((pending or answer, keep_alive))
        if pending is not None:
            pending.add_done_callback(lambda _: self._flush())
        else:
            self._flush()

    def _flush(self) -> None:
        """Send the replies that are ready, in order, up to the first one still running."""
        while self._pending:
            answer, keep_alive = self._pending[0]
            if isinstance(answer, asyncio.Future):
                if not answer.done():
                    return
                answer = answer.result()
            self._pending.popleft()
            self._send(answer, keep_alive)
        self._wait("idle", IDLE_TIMEOUT_SECONDS)

    def _send(self, reply: Reply, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(frame(reply, keep_alive))
        if not keep_alive:
            transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request the parser could not take, then close the connection."""
        if self._transport is None or self._transport.is_closing():
            return
        code = ERROR_CODES[status]
        reply = Reply(
            status, dumps({"code": code, "message": message}), {"x-ms-request-charge": "0"}
        )
        self._transport.write(frame(reply, keep_alive=False))
        self._transport.close()
