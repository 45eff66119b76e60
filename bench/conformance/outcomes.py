"""Test outcomes read from pytest's JUnit XML, keyed `file.py::Class::test`."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_failure(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ERROR)


@dataclass(frozen=True)
class TestResult:
    test: str
    outcome: Outcome
    message: str = ""


def read_junit(path: Path, test_file: str) -> list[TestResult]:
    """One result per test case; a case with both a failure and a teardown error counts once."""
    if not path.is_file() or path.stat().st_size == 0:
        return []
    root = ElementTree.parse(path).getroot()
    results: dict[str, TestResult] = {}
    module = test_file.removesuffix(".py")
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        class_part = classname[len(module) + 1 :] if classname.startswith(module + ".") else ""
        test = "::".join(part for part in (test_file, class_part, name) if part)
        result = _result(test, case)
        previous = results.get(test)
        if previous is None or (result.outcome.is_failure and not previous.outcome.is_failure):
            results[test] = result
    return list(results.values())


def _result(test: str, case: ElementTree.Element) -> TestResult:
    for tag, outcome in (
        ("failure", Outcome.FAILED),
        ("error", Outcome.ERROR),
        ("skipped", Outcome.SKIPPED),
    ):
        element = case.find(tag)
        if element is not None:
            return TestResult(test, outcome, _first_line(element))
    return TestResult(test, Outcome.PASSED)


def _first_line(element: ElementTree.Element) -> str:
    """The exception line of a native traceback (its last non-empty line), else the message."""
    text = (element.text or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = element.get("message", "").strip().splitlines()
    chosen = lines[-1] if lines else (message[0] if message else "")
    return chosen[:300]
