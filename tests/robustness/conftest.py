"""Fixtures for the hardening tests: raw sockets to an emulator, for what well-behaved
clients never do (half-sent requests, pipelined work, bytes no SDK sends), and an
endpoint nobody listens on, for the harness's bad-input tests."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable, Iterator
from email.utils import formatdate
from urllib.parse import urlsplit

import pytest

from bench.emulator import LocalEmulator
from bench.emulator.auth import master_key_header
from bench.emulator.gateway import resource_type_and_link

RequestBytes = Callable[..., bytes]


@pytest.fixture
def request_bytes(emulator: LocalEmulator) -> RequestBytes:
    """`request_bytes(verb, path, body, headers)`: one signed HTTP/1.1 request, as bytes."""

    def build(
        verb: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> bytes:
        date = formatdate(usegmt=True)
        segments = [s for s in path.strip("/").split("/") if s]
        resource_type, link = resource_type_and_link(segments)
        lines = [
            f"{verb} /{'/'.join(segments)} HTTP/1.1",
            f"Host: {urlsplit(emulator.endpoint).netloc}",
            f"x-ms-date: {date}",
            "x-ms-version: 2020-07-15",
            "authorization: " + master_key_header(emulator.key, verb, resource_type, link, date),
            f"Content-Length: {len(body)}",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body

    return build


@pytest.fixture
def connect(emulator: LocalEmulator) -> Iterator[Callable[[], socket.socket]]:
    """Open raw TCP connections to `emulator`; all closed at the end of the test."""
    opened: list[socket.socket] = []
    parts = urlsplit(emulator.endpoint)

    def open_one() -> socket.socket:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        opened.append(sock)
        return sock

    yield open_one
    for sock in opened:
        sock.close()


def exchange(sock: socket.socket, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one request on `sock`; its (status, headers, body)."""
    sock.sendall(data)
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.fixture
def send(request_bytes: RequestBytes, connect) -> Callable[..., tuple[int, dict[str, str], bytes]]:
    """`send(verb, path, body, headers)` on a fresh connection: (status, headers, body)."""

    def one(verb: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
        return exchange(connect(), request_bytes(verb, path, body, headers))

    return one


@pytest.fixture
def closed_endpoint() -> str:
    """An endpoint nobody listens on: input that slips past validation fails to connect
    there (naming no field), instead of seeding, forking or allocating."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"
