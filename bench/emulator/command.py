"""`rubench emulator`: run the local Cosmos DB emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import RubenchError

if TYPE_CHECKING:
    from bench.emulator.config import EmulatorConfig

KEY_ENVIRONMENT_VARIABLE = "RUBENCH_EMULATOR_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.emulator.config import WELL_KNOWN_KEY

    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8081, help="port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument(
        "--key",
        default=os.environ.get(KEY_ENVIRONMENT_VARIABLE, WELL_KNOWN_KEY),
        help=f"account key (default: ${KEY_ENVIRONMENT_VARIABLE}, else the official emulator's "
        "well-known key)",
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve https with a self-signed certificate"
    )
    parser.add_argument(
        "--partitions",
        type=int,
        default=None,
        metavar="N",
        help="physical partitions per container (default: from its throughput, "
        "manual ceil(RU/s / 6000), autoscale ceil(max / 10000))",
    )
    parser.add_argument(
        "--burst-capacity",
        action="store_true",
        help="let partitions under 3000 RU/s bank up to 300 s of idle RU/s and spend it at up "
        "to 3000 RU/s (opt-in on the service too)",
    )
    parser.add_argument(
        "--consistency",
        default="Session",
        metavar="LEVEL",
        help="the account's default consistency: Strong, BoundedStaleness, Session, "
        "ConsistentPrefix or Eventual (default: %(default)s); requests may only relax it, and "
        "Strong and BoundedStaleness reads and queries cost 2x",
    )
    parser.add_argument(
        "--aad-issuer-key",
        type=Path,
        default=None,
        metavar="PEM_FILE",
        help="public key (PEM) of a local token issuer; enables Entra ID tokens over https "
        "(see bench/emulator/aad.py)",
    )
    # LocalEmulator's lifeline: stop when the parent closes our stdin (or dies).
    parser.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the local Cosmos DB emulator",
        description="Run the local Azure Cosmos DB for NoSQL emulator until Ctrl-C.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    from bench.emulator.config import EmulatorConfig

    if args.partitions is not None and not 1 <= args.partitions <= 1000:
        raise RubenchError(f"--partitions {args.partitions} is invalid: use 1 to 1000.")
    if not 0 <= args.port <= 65535:
        raise RubenchError(f"--port {args.port} is invalid: use 0 to 65535.")
    from bench.emulator.consistency import parse_level

    try:
        consistency = parse_level(args.consistency)
    except ValueError as error:
        raise RubenchError(f"--consistency: {error}") from None
    issuer_key = None
    if args.aad_issuer_key is not None:
        try:
            issuer_key = args.aad_issuer_key.read_bytes()
        except OSError as error:
            raise RubenchError(
                f"--aad-issuer-key {args.aad_issuer_key}: {error.strerror}"
            ) from None
        if b"PUBLIC KEY" not in issuer_key:
            raise RubenchError(f"--aad-issuer-key {args.aad_issuer_key} is not a PEM public key.")
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        key=args.key,
        tls=args.tls,
        partitions=args.partitions,
        aad_issuer_public_key=issuer_key,
        burst_capacity=args.burst_capacity,
        consistency=consistency,
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import base64
    import binascii

    from bench.emulator.config import WELL_KNOWN_KEY
    from bench.emulator.server import serve_forever

    config = config_from_args(args)
    try:
        base64.b64decode(config.key, validate=True)
    except binascii.Error:
        raise RubenchError("--key is invalid: an account key is base64 text.") from None

    def announce(endpoint: str) -> None:
        print(
            f"Cosmos DB emulator ready ({config.scheme}, {config.consistency} consistency)",
            flush=True,
        )
        print(f"  endpoint: {endpoint}", flush=True)
        # The well-known key is public; any other key is a secret and stays off the console.
        shown = config.key if config.key == WELL_KNOWN_KEY else "(the key you gave; not shown)"
        print(f"  key:      {shown}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)

    if args.exit_with_stdin:
        threading.Thread(target=_stop_when_stdin_closes, daemon=True).start()
    try:
        asyncio.run(serve_forever(config, announce))
    except KeyboardInterrupt:
        print("Emulator stopped.", flush=True)
    except OSError as error:
        raise RubenchError(
            f"cannot listen on {config.host}:{config.port}: {error.strerror}"
        ) from None
    return 0


def _stop_when_stdin_closes() -> None:
    sys.stdin.read()  # returns at end of file: the process that started us is gone
    # SIGTERM's default action ends us even while the loop sleeps in epoll (SIGINT would not).
    os.kill(os.getpid(), signal.SIGTERM)
