"""Fixtures of the robustness tests."""

import socket

import pytest


@pytest.fixture
def closed_endpoint() -> str:
    """An endpoint nobody listens on: input that slips past validation fails to connect
    there (naming no field), instead of seeding, forking or allocating."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"
