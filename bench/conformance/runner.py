"""Run test files of the SDK's suite against a fresh local emulator, one emulator per file.

Each file gets its own emulator (https, free port) so a file's leftovers and throttling
never reach the next; a file that expects the official emulator's fixed address gets
port 8081 (an emulator start error says so if that port is taken). Tests that fail
unexpectedly are run again alone before they count: several SDK tests monkeypatch SDK
internals and restore them only on success, so one failure can make later tests of the
same process fail for no fault of theirs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.conformance.outcomes import Outcome, TestResult, read_junit
from bench.emulator import LocalEmulator

SHIM_DIR = Path(__file__).with_name("shim")
PLUGIN = "bench.conformance.plugin"
TEST_TIMEOUT_SECONDS = 300
FILE_TIMEOUT_SECONDS = 30 * 60

PAIRED = (
    "test_crud",
    "test_crud_container",
    "test_crud_database",
    "test_crud_subpartition",
    "test_query",
    "test_query_cross_partition",
    "test_query_response_headers",
    "test_computed_properties",
    "test_transactional_batch",
    "test_partition_key",
    "test_headers",
    "test_session",
    "test_partition_split_query",
    "test_auto_scale",
    "test_cosmos_responses",
    "test_none_options",
    "test_read_items",
    "test_encoding",
    "test_resource_id",
    "test_change_feed",
    "test_change_feed_split",
    "test_changefeed_partition_key_variation",
)
SINGLE = (
    "test_aggregate",
    "test_orderby",
    "test_multi_orderby",
    "test_ttl",
    "test_feed_range",
    "test_backwards_compatibility",
    "test_user_configs",
    "test_diagnostics",
    "test_content_length_encoding",
)
DEFAULT_FILES = tuple(
    [f"{name}.py" for name in PAIRED]
    + [f"{name}_async.py" for name in PAIRED]
    + [f"{name}.py" for name in SINGLE]
)


# Files whose tests fake a multi-region account at the official emulator's fixed address
# (https://localhost:8081/ and 127.0.0.1:8081): their emulator listens there, one at a time.
OFFICIAL_PORT = 8081
OFFICIAL_ADDRESS_FILES = frozenset({"test_session.py"})
_official_port = threading.Lock()


@dataclass
class FileRun:
    """What one test file did: its results (after reruns) and where its output is."""

    test_file: str
    results: list[TestResult] = field(default_factory=list)
    log: Path | None = None
    crashed: str = ""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)


def run_file(
    tests_dir: Path, test_file: str, logs_dir: Path, rerun: Iterable[str] | None = None
) -> FileRun:
    """Run one file (or, with `rerun`, just those test ids of it, each alone)."""
    if test_file not in OFFICIAL_ADDRESS_FILES:
        return _run_on(0, tests_dir, test_file, logs_dir, rerun)
    with _official_port:
        return _run_on(OFFICIAL_PORT, tests_dir, test_file, logs_dir, rerun)


def _run_on(
    port: int, tests_dir: Path, test_file: str, logs_dir: Path, rerun: Iterable[str] | None
) -> FileRun:
    with LocalEmulator(port=port, tls=True) as emulator:
        environment = _environment(emulator)
        if rerun is None:
            return _pytest(tests_dir, test_file, [test_file], logs_dir, environment, "")
        results = []
        for index, test in enumerate(rerun):
            alone = _pytest(tests_dir, test_file, [test], logs_dir, environment, f".rerun{index}")
            results += alone.results or [TestResult(test, Outcome.ERROR, alone.crashed)]
        return FileRun(test_file, results)


def _environment(emulator: LocalEmulator) -> dict[str, str]:
    paths = [str(SHIM_DIR), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "ACCOUNT_HOST": emulator.endpoint,
        "ACCOUNT_KEY": emulator.key,
        "PYTHONPATH": os.pathsep.join(path for path in paths if path),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _pytest(
    tests_dir: Path,
    test_file: str,
    selection: list[str],
    logs_dir: Path,
    environment: dict[str, str],
    suffix: str,
) -> FileRun:
    stem = test_file.removesuffix(".py") + suffix
    junit = logs_dir / f"{stem}.xml"
    log = logs_dir / f"{stem}.log"
    junit.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *selection,
        "-c",
        str(_empty_ini(tests_dir)),
        "--rootdir",
        str(tests_dir),
        "-p",
        PLUGIN,
        "-p",
        "no:cacheprovider",
        "--tb=native",
        "-q",
        f"--timeout={TEST_TIMEOUT_SECONDS}",
        f"--junitxml={junit}",
    ]
    crashed = ""
    with open(log, "w", encoding="utf-8") as output:
        try:
            done = subprocess.run(
                command,
                cwd=tests_dir,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=FILE_TIMEOUT_SECONDS,
                check=False,
            )
            if done.returncode not in (0, 1, 5):
                crashed = f"pytest exited with code {done.returncode} (see {log})"
        except subprocess.TimeoutExpired:
            crashed = f"timed out after {FILE_TIMEOUT_SECONDS} s (see {log})"
    return FileRun(test_file, read_junit(junit, test_file), log, crashed)


def _empty_ini(tests_dir: Path) -> Path:
    """A config of our own, so no ini file above the cache can change how the suite runs."""
    ini = tests_dir.parent / "pytest.ini"
    if not ini.is_file():
        ini.write_text("[pytest]\n", encoding="utf-8")
    return ini
