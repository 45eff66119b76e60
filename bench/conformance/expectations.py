"""The expected-failures list (`expected.toml`): every test of the suite that is allowed to
fail against the local emulator, each with a kind and a reason, plus flaky tests whose
outcome depends on sub-millisecond timing (either outcome is accepted)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench.errors import RubenchError

DEFAULT_FILE = Path(__file__).with_name("expected.toml")

KINDS = {
    "scripts": "stored procedures, triggers or UDFs (not implemented)",
    "permissions": "users and permissions (not implemented)",
    "conflicts": "conflicts feed (not implemented)",
    "timeout": "a timeout below 1 ms, not measurable over loopback",
    "data-file": "a data file the sdist does not ship",
    "multi-region": "something only a multi-region account has",
    "gap": "a known fidelity gap of the emulator, still open",
}


@dataclass(frozen=True)
class Expectation:
    test: str
    kind: str
    reason: str
    flaky: bool


def load(path: Path = DEFAULT_FILE) -> dict[str, Expectation]:
    """Entries by test id; a malformed entry is a one-line error naming the file and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RubenchError(f"{path}: not valid TOML: {error}") from None
    entries: dict[str, Expectation] = {}
    for table, flaky in (("failure", False), ("flaky", True)):
        for index, entry in enumerate(data.get(table, [])):
            where = f"{path}: {table}[{index}]"
            test, kind, reason = entry.get("test"), entry.get("kind"), entry.get("reason")
            if not isinstance(test, str) or test.count("::") < 1:
                raise RubenchError(f"{where}.test: a test id 'file.py::Class::test' is required")
            if kind not in KINDS:
                raise RubenchError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
            if not isinstance(reason, str) or not reason.strip():
                raise RubenchError(f"{where}.reason: say why this test may fail")
            if test in entries:
                raise RubenchError(f"{where}.test: {test} is listed twice")
            entries[test] = Expectation(test, kind, reason.strip(), flaky)
    return entries
