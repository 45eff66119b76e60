"""`python -m bench.emulator [options]` is `rubench emulator [options]` (used by LocalEmulator)."""

import argparse
import sys

from bench.emulator.command import add_arguments, run
from bench.errors import RubenchError

parser = argparse.ArgumentParser(prog="python -m bench.emulator")
add_arguments(parser)
try:
    sys.exit(run(parser.parse_args()))
except RubenchError as error:
    print(f"rubench emulator: error: {error}", file=sys.stderr)
    sys.exit(error.exit_code)
