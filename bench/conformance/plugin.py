"""pytest plugin loaded into the SDK's suite (`-p bench.conformance.plugin`): registers the
markers Microsoft's pipeline registers, so the suite runs without warnings or edits."""

from __future__ import annotations

import pytest

MARKERS = (
    "cosmosEmulator",
    "cosmosLong",
    "cosmosQuery",
    "cosmosSplit",
    "cosmosMultiRegion",
    "cosmosCircuitBreaker",
    "cosmosCircuitBreakerMultiRegion",
    "cosmosSearchQuery",
    "cosmosAADLong",
    "cosmosAADSplit",
    "cosmosAADQuery",
    "cosmosAADMultiRegion",
    "cosmosAADCircuitBreaker",
    "semanticReranker",
)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", f"{marker}: a test group of the azure-cosmos suite")
