"""The conformance runner's own parts, on real pytest output: JUnit outcomes keyed the way
the expected-failures list names tests, the judgement, and the list's validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.conformance import expectations
from bench.conformance.command import judge
from bench.conformance.outcomes import Outcome, read_junit
from bench.conformance.runner import DEFAULT_FILES, FileRun
from bench.errors import RubenchError

SAMPLE = """
import unittest
import pytest

class TestSample(unittest.TestCase):
    def test_passes(self):
        pass

    def test_fails(self):
        raise AssertionError("wrong answer from the emulator")

    @unittest.skip("not here")
    def test_skipped(self):
        pass

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1
"""


@pytest.fixture(scope="module")
def sample_results(tmp_path_factory: pytest.TempPathFactory) -> FileRun:
    folder = tmp_path_factory.mktemp("suite")
    (folder / "test_sample.py").write_text(SAMPLE)
    (folder / "pytest.ini").write_text("[pytest]\n")
    junit = folder / "out.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "test_sample.py", "-q", "--tb=native", "-p",
         "no:cacheprovider", f"--junitxml={junit}", "-c", str(folder / "pytest.ini")],
        cwd=folder, capture_output=True, check=False,
    )  # fmt: skip
    return FileRun("test_sample.py", read_junit(junit, "test_sample.py"))


def test_junit_results_are_keyed_by_file_class_and_test(sample_results: FileRun) -> None:
    outcomes = {result.test: result.outcome for result in sample_results.results}
    assert outcomes == {
        "test_sample.py::TestSample::test_passes": Outcome.PASSED,
        "test_sample.py::TestSample::test_fails": Outcome.FAILED,
        "test_sample.py::TestSample::test_skipped": Outcome.SKIPPED,
        "test_sample.py::test_param[1]": Outcome.PASSED,
        "test_sample.py::test_param[2]": Outcome.FAILED,
    }
    failed = next(r for r in sample_results.results if r.test.endswith("test_fails"))
    assert "wrong answer from the emulator" in failed.message


def test_judgement_separates_expected_unexpected_and_flaky(
    sample_results: FileRun, tmp_path: Path
) -> None:
    listed_file = tmp_path / "expected.toml"
    listed_file.write_text(
        '[[failure]]\ntest = "test_sample.py::TestSample::test_fails"\nkind = "gap"\n'
        'reason = "known"\n'
        '[[failure]]\ntest = "test_sample.py::TestSample::test_passes"\nkind = "gap"\n'
        'reason = "fixed since"\n'
        '[[flaky]]\ntest = "test_sample.py::test_param[1]"\nkind = "timeout"\n'
        'reason = "sub-millisecond"\n'
    )
    verdict = judge(sample_results, expectations.load(listed_file))
    assert [r.test for r in verdict.unexpected_failures] == ["test_sample.py::test_param[2]"]
    assert [r.test for r in verdict.unexpected_passes] == [
        "test_sample.py::TestSample::test_passes"
    ]
    assert verdict.expected_failures == 1


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('test = "x.py::t"\nkind = "later"\nreason = "r"', "kind: 'later' is not one of"),
        ('test = "x.py::t"\nkind = "gap"\nreason = " "', "reason: say why"),
        ('test = "x.py"\nkind = "gap"\nreason = "r"', "test: a test id"),
    ],
)
def test_a_malformed_entry_is_one_line_naming_the_field(
    tmp_path: Path, entry: str, complaint: str
) -> None:
    listed_file = tmp_path / "expected.toml"
    listed_file.write_text(f"[[failure]]\n{entry}\n")
    with pytest.raises(RubenchError, match=complaint) as raised:
        expectations.load(listed_file)
    assert str(listed_file) in str(raised.value)


def test_the_shipped_list_is_valid_and_names_only_listed_files() -> None:
    listed = expectations.load()
    files = {test.split("::", 1)[0] for test in listed}
    assert files <= set(DEFAULT_FILES)
