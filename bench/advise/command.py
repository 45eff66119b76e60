"""`rubench advise RUN_DIR [-o FILE] [--workload FILE]`: write an indexing policy for the
run's workload and print what changed and why, per query and per path."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import RubenchError

if TYPE_CHECKING:
    from bench.advise.policy import Advice
    from bench.rundata import Run

POLICY_FILE = "advised-indexing-policy.json"  # in the run directory, unless -o says
SAMPLE_DOCUMENTS = 50  # generated documents whose properties the advice considers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "advise",
        help="write an indexing policy for a run's workload",
        description="Read a run directory and write the indexing policy its workload "
        "needs: the container's policy (run.json) plus the composite indexes its queries "
        "asked for (suggested by the target's index metrics, or needed by an ORDER BY on "
        "several paths the target rejected), and excluded paths for the properties no "
        "query filters, sorts or aggregates on. The file is the service's indexing-policy "
        "JSON, usable as indexing_policy in a workload file.",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run directory")
    parser.add_argument(
        "-o", "--output", type=Path, help=f"policy file to write (default RUN_DIR/{POLICY_FILE})"
    )
    parser.add_argument(
        "--workload",
        type=Path,
        help="the workload file the run used, when its documents come from a template "
        "file that is not next to the run's workload.toml",
    )
    parser.set_defaults(handler=run_advise)


def run_advise(args: argparse.Namespace) -> int:
    from bench.rundata import load_run

    run = load_run(args.run_dir)
    advice = advise_run(run, args.workload)
    output = args.output or run.directory / POLICY_FILE
    write_policy(output, advice.policy)
    for line in advice.lines():
        print(line)
    print(output)
    return 0


def advise_run(run: Run, workload_file: Path | None = None) -> Advice:
    """The advice for a loaded run: its queries and documents from its workload."""
    from bench.advise.policy import advise_policy
    from bench.advise.queries import workload_queries

    text = workload_file.read_text(encoding="utf-8") if workload_file else run.workload_text
    if not text:
        raise RubenchError(f"{run.directory}: no workload.toml: pass --workload FILE")
    container = run.info.container
    return advise_policy(
        container.indexing_policy,
        workload_queries(text),
        run.summary.operations,
        document_properties(text, workload_file or run.directory / "workload.toml"),
        container.partition_key.paths,
    )


def document_properties(text: str, source: Path) -> dict[str, Any]:
    """The top-level properties of the workload's documents (a sample value each), from
    the documents its factory generates."""
    from bench.harness.workload import WorkloadError, parse_workload

    data = tomllib.loads(text)
    data.get("container", {}).pop("indexing_policy", None)  # run.json holds what was used
    try:
        workload = parse_workload(data, source=source)
    except WorkloadError as error:
        raise RubenchError(f"{error}\n(pass the run's workload file with --workload)") from None
    factory = workload.document_factory()
    properties: dict[str, Any] = {}
    for number in range(min(workload.documents.count, SAMPLE_DOCUMENTS)):
        for name, value in factory.document(number).items():
            properties.setdefault(name, value)
    return properties


def write_policy(path: Path, policy: dict[str, Any]) -> None:
    from bench.files import write_atomic

    write_atomic(path, (json.dumps(policy, indent=2) + "\n").encode())
