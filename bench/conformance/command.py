"""`python -m bench.conformance`: the SDK's own tests against the local emulator, judged
against the expected-failures list. Exit 0 only when every failure is expected (or
flaky) and every expected failure still fails."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.conformance import expectations, runner, sdist
from bench.conformance.expectations import Expectation
from bench.conformance.outcomes import Outcome, TestResult
from bench.emulator.local import EmulatorStartError
from bench.errors import RubenchError


@dataclass(frozen=True)
class Verdict:
    """A file's results judged against the list."""

    run: runner.FileRun
    unexpected_failures: list[TestResult]
    unexpected_passes: list[TestResult]
    expected_failures: int


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.conformance",
        description="Run the azure-cosmos SDK's own tests (from its sdist) against the local "
        "emulator and compare with the expected-failures list.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="test files to run, e.g. test_crud or test_crud.py "
        f"(default: the {len(runner.DEFAULT_FILES)} listed ones)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="files run at once (default: %(default)s)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=sdist.default_cache_dir(),
        help="where the sdist's tests are kept (default: %(default)s)",
    )
    parser.add_argument(
        "--expected",
        type=Path,
        default=expectations.DEFAULT_FILE,
        help="expected-failures list (default: the one shipped with rubench)",
    )
    parser.add_argument(
        "--logs", type=Path, default=None, help="folder for each file's pytest output"
    )
    parser.add_argument(
        "--no-rerun",
        action="store_true",
        help="count unexpected failures at once instead of running each again alone",
    )
    parser.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="TOML",
        help="also write every failure seen as an expected-failures list (kind 'gap') to TOML",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (RubenchError, EmulatorStartError) as error:
        print(f"conformance: error: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.jobs <= 8:
        raise RubenchError(f"--jobs {args.jobs}: give 1 to 8 files at once")
    files = [name if name.endswith(".py") else f"{name}.py" for name in args.files]
    files = files or list(runner.DEFAULT_FILES)
    sdk_version = sdist.installed_version()
    tests_dir = sdist.sdk_tests(args.cache_dir, sdk_version)
    missing = [name for name in files if not (tests_dir / name).is_file()]
    if missing:
        raise RubenchError(f"not in the azure-cosmos {sdk_version} suite: {', '.join(missing)}")
    listed = expectations.load(args.expected)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="rubench-conformance-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"azure-cosmos {sdk_version}: {len(files)} files, {args.jobs} at a time; logs in {logs}")
    started = time.monotonic()

    def judge_file(test_file: str) -> Verdict:
        verdict = judge(runner.run_file(tests_dir, test_file, logs), listed)
        if verdict.unexpected_failures and not args.no_rerun:
            ids = [result.test for result in verdict.unexpected_failures]
            again = runner.run_file(tests_dir, test_file, logs, rerun=ids)
            verdict = judge(_replace(verdict.run, again.results), listed)
        print(_file_line(verdict), flush=True)
        return verdict

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        verdicts = list(pool.map(judge_file, files))
    print_summary(verdicts, time.monotonic() - started)
    if args.record:
        record(args.record, verdicts)
    failed = any(v.unexpected_failures or v.unexpected_passes or v.run.crashed for v in verdicts)
    return 1 if failed else 0


def judge(run: runner.FileRun, listed: dict[str, Expectation]) -> Verdict:
    unexpected_failures, unexpected_passes, expected = [], [], 0
    for result in run.results:
        entry = listed.get(result.test)
        if result.outcome.is_failure:
            if entry is None:
                unexpected_failures.append(result)
            else:
                expected += 1
        elif result.outcome is Outcome.PASSED and entry is not None and not entry.flaky:
            unexpected_passes.append(result)
    return Verdict(run, unexpected_failures, unexpected_passes, expected)


def _replace(run: runner.FileRun, reruns: list[TestResult]) -> runner.FileRun:
    again = {result.test: result for result in reruns}
    results = [again.get(result.test, result) for result in run.results]
    return runner.FileRun(run.test_file, results, run.log, run.crashed)


def _file_line(verdict: Verdict) -> str:
    run = verdict.run
    counts = "  ".join(f"{outcome.value} {run.count(outcome):3d}" for outcome in Outcome)
    notes = []
    if verdict.expected_failures:
        notes.append(f"{verdict.expected_failures} expected")
    if verdict.unexpected_failures:
        notes.append(f"{len(verdict.unexpected_failures)} UNEXPECTED failures")
    if verdict.unexpected_passes:
        notes.append(f"{len(verdict.unexpected_passes)} UNEXPECTED passes")
    if run.crashed:
        notes.append(run.crashed)
    return f"{run.test_file:<42} {counts}  {'; '.join(notes)}"


def print_summary(verdicts: list[Verdict], seconds: float) -> None:
    for verdict in verdicts:
        for result in verdict.unexpected_failures:
            print(f"UNEXPECTED {result.outcome.value}: {result.test}\n    {result.message}")
        for result in verdict.unexpected_passes:
            print(f"UNEXPECTED pass (remove it from the list): {result.test}")
    totals = {o: sum(v.run.count(o) for v in verdicts) for o in Outcome}
    failures = totals[Outcome.FAILED] + totals[Outcome.ERROR]
    unexpected = sum(len(v.unexpected_failures) for v in verdicts)
    surprises = sum(len(v.unexpected_passes) for v in verdicts)
    ran = sum(totals.values())
    print(
        f"conformance: {totals[Outcome.PASSED]} passed, {failures} failed, "
        f"{totals[Outcome.SKIPPED]} skipped of {ran} tests in {len(verdicts)} files "
        f"({failures - unexpected} failures expected, {unexpected} unexpected, "
        f"{surprises} unexpected passes) in {seconds:.0f} s"
    )


def record(path: Path, verdicts: list[Verdict]) -> None:
    """Every failure seen, as TOML entries to review and merge into the list by hand."""
    lines = []
    for verdict in verdicts:
        for result in verdict.run.results:
            if result.outcome.is_failure:
                lines += [
                    "[[failure]]",
                    f"test = {json.dumps(result.test)}",
                    'kind = "gap"',
                    f"reason = {json.dumps(result.message or result.outcome.value)}",
                    "",
                ]
    path.write_text("\n".join(lines), encoding="utf-8")
