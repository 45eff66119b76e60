"""Slow, half-sent and surplus connections are closed, not kept forever: header, body and
idle timeouts, and a cap on concurrent connections with a clear refusal beyond it.

The emulator runs in this process (its module constants are patched to short timeouts);
socket timeouts below only guard against a hang, no assertion is about speed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from azure.cosmos import CosmosClient

from bench.emulator import LocalEmulator, http

GUARD_SECONDS = 30


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, in_process=True) as running:
        yield running


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HEADER_TIMEOUT_SECONDS", "BODY_TIMEOUT_SECONDS", "IDLE_TIMEOUT_SECONDS"):
        monkeypatch.setattr(http, name, 0.2)


def _open(emulator: LocalEmulator) -> socket.socket:
    parts = urlsplit(emulator.endpoint)
    return socket.create_connection((parts.hostname, parts.port), timeout=GUARD_SECONDS)


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        (b"\r\n\r\n", b""),  # no request ever starts: the idle timeout closes it silently
        (b"GET / HTTP/1.1\r\nHost: x\r\nx-ms-da", b"HTTP/1.1 408"),  # headers never end
        (b"POST /dbs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}", b"HTTP/1.1 408"),
    ],
    ids=["blank-lines", "half-headers", "short-body"],
)
def test_a_half_sent_request_is_closed(own_emulator, short_timeouts, sent, answer):
    sock = _open(own_emulator)
    sock.sendall(sent)
    assert _until_closed(sock).startswith(answer)


def test_slowloris_connections_are_all_closed_and_others_still_served(own_emulator, short_timeouts):
    loris = [_open(own_emulator) for _ in range(300)]
    for sock in loris:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ")
    client = CosmosClient(own_emulator.endpoint, own_emulator.key)
    assert client.get_database_account() is not None
    assert all(_until_closed(sock).startswith(b"HTTP/1.1 408") for sock in loris)


def test_connections_beyond_the_cap_are_refused_with_a_503(monkeypatch):
    monkeypatch.setattr(http, "MAX_CONNECTIONS", 3)
    with LocalEmulator(port=0, in_process=True) as fresh:  # no other client's connections
        held = [_open(fresh) for _ in range(3)]
        for sock in held:  # a request each: the server has surely accepted them
            sock.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 401")
        refused = _until_closed(_open(fresh))
        assert refused.startswith(b"HTTP/1.1 503")
        assert b"maximum of 3 connections" in refused
        for sock in held:
            sock.close()


@pytest.mark.parametrize(
    "sent",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nx-ms-da",
        b"POST /dbs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}",
    ],
    ids=["half-headers", "short-body"],
)
def test_header_and_body_timeouts_shorter_than_the_idle_timeout_apply(
    own_emulator, monkeypatch, sent
):
    # The connection's one timer was first set for the idle timeout and never moved
    # earlier, so a half-sent request was held for the idle timeout (120 s), not 10 s / 30 s.
    for name in ("HEADER_TIMEOUT_SECONDS", "BODY_TIMEOUT_SECONDS"):
        monkeypatch.setattr(http, name, 0.2)
    monkeypatch.setattr(http, "IDLE_TIMEOUT_SECONDS", 120.0)
    sock = _open(own_emulator)
    sock.settimeout(10)
    sock.sendall(sent)
    assert _until_closed(sock).startswith(b"HTTP/1.1 408")
