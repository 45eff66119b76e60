"""HTTP/1.1 framing on a raw socket: keep-alive, pipelining, Connection: close, and
malformed or oversized requests answered (not dropped)."""

from __future__ import annotations

import socket

from bench.emulator import LocalEmulator

GET_ROOT = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"  # unsigned: 401, which is fine here


def _connect(emulator: LocalEmulator) -> socket.socket:
    host, port = emulator.endpoint.split("//")[1].strip("/").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_pipelined_requests_are_answered_in_order(inprocess_emulator: LocalEmulator) -> None:
    with _connect(inprocess_emulator) as sock:
        sock.sendall(GET_ROOT * 3 + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = _read_all(sock)
    assert answer.count(b"HTTP/1.1 401 Unauthorized\r\n") == 4
    assert answer.count(b"Connection: close") == 1
    assert b"x-ms-activity-id" in answer


def test_malformed_http_gets_400_and_the_connection_closes(
    inprocess_emulator: LocalEmulator,
) -> None:
    with _connect(inprocess_emulator) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b'"code":"BadRequest"' in answer


def test_oversized_body_gets_413(inprocess_emulator: LocalEmulator) -> None:
    size = 17 * 1024 * 1024
    with _connect(inprocess_emulator) as sock:
        sock.sendall(f"POST /dbs HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
        sock.sendall(b"x" * size)
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
