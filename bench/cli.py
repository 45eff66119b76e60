"""The `rubench` command line.

Each job's subcommand is declared next to the code that runs it: a module in
``SUBCOMMAND_MODULES`` exposes ``register(subparsers)``, which adds its parser
and sets ``handler`` (a function taking the parsed args and returning an exit
code). Heavy imports happen inside handlers so `rubench --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from bench import __version__
from bench.errors import RubenchError, Terminated

SUBCOMMAND_MODULES = (
    "bench.emulator.command",
    "bench.harness.command",
    "bench.pipeline",
    "bench.report.command",
    "bench.capacity.command",
    "bench.keydesign.command",
    "bench.regression.command",
    "bench.demo.command",
    "bench.advise.command",
)


class OneLineErrorParser(argparse.ArgumentParser):
    """Bad flags get one line, like every other rubench error, not argparse's usage block;
    subcommand parsers inherit this class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"rubench: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="rubench",
        description="Load testing and RU-cost benchmarking for Azure Cosmos DB for NoSQL.",
    )
    parser.add_argument("--version", action="version", version=f"rubench {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.handler(args) or 0)
    except Terminated:
        print("rubench: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except RubenchError as error:
        for line in str(error).splitlines() or [""]:  # e.g. every error of a workload file
            print(f"rubench: error: {line}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # a file the user named could not be read or written
        where = f"{error.filename}: " if error.filename else ""
        print(f"rubench: error: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rubench: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    raise Terminated("SIGTERM")


if __name__ == "__main__":
    sys.exit(main())
