"""Fixtures for the emulator's own tests: `raw(verb, path, body, headers=, key=, date=,
authorization=)`, signed HTTP requests to `emulator` that the SDK would never send (bad
JSON, wrong keys, stale dates), to check the service's error answers."""

from __future__ import annotations

from typing import Any

import pytest

from bench.emulator import LocalEmulator

from .rawhttp import RawRequest, RawResponse, send


@pytest.fixture
def raw(emulator: LocalEmulator) -> RawRequest:
    def request(
        verb: str, path: str, body: bytes | None = None, *, key: str | None = None, **kwargs: Any
    ) -> RawResponse:
        return send(emulator.endpoint, key or emulator.key, verb, path, body, **kwargs)

    return request
