"""Run directories with known answers for the report tests, and a headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.perf.synthetic_run import write_synthetic_run

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def synthetic_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A baseline and a candidate whose latencies are 30% higher and has no hot partition."""
    root = tmp_path_factory.mktemp("synthetic")
    baseline = write_synthetic_run(root / "baseline", samples=40_000, seed=1, name="baseline")
    candidate = write_synthetic_run(
        root / "candidate", samples=40_000, seed=2, name="candidate", latency_scale=1.3,
        hot_partition=None,
    )  # fmt: skip
    return baseline, candidate


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not session-wide: the sync Playwright API keeps an
    event loop running in this thread until it stops, and later tests call asyncio.run."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
