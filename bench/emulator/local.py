"""Run an emulator from Python: `LocalEmulator` (a context manager yielding endpoint and
key) and `fetch_ledger` (its RU ledger, read over HTTP like any client would).

    with LocalEmulator(port=0) as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key)

Process mode (the default) runs `python -m bench.emulator` as a child: it gets its
own core and its own interpreter, which Locust needs (gevent's monkey-patching
breaks an asyncio server in a thread of the same process). In-process mode
runs the server on its own event loop in a thread, for fast tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.request
from email.utils import formatdate
from types import TracebackType
from typing import IO, Any

from bench.emulator.auth import master_key_header
from bench.emulator.config import WELL_KNOWN_KEY, EmulatorConfig
from bench.emulator.consistency import ConsistencyLevel, parse_level

READY_PREFIX = "  endpoint: "
KEY_ENVIRONMENT_VARIABLE = "RUBENCH_EMULATOR_KEY"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0


class EmulatorStartError(RuntimeError):
    """The emulator did not come up (its exit code and output say why)."""


class LocalEmulator:
    """A running local emulator for the duration of a `with` block."""

    def __init__(
        self,
        port: int = 0,
        tls: bool = False,
        partitions: int | None = None,
        key: str = WELL_KNOWN_KEY,
        in_process: bool = False,
        aad_issuer_public_key: bytes | None = None,
        host: str = "127.0.0.1",
        burst_capacity: bool = False,
        consistency: ConsistencyLevel | str = ConsistencyLevel.SESSION,
    ) -> None:
        """`consistency`: the account's default level (a `ConsistencyLevel` or its name)."""
        self.config = EmulatorConfig(
            host=host,
            port=port,
            key=key,
            tls=tls,
            partitions=partitions,
            aad_issuer_public_key=aad_issuer_public_key,
            burst_capacity=burst_capacity,
            consistency=parse_level(consistency),
        )
        self.in_process = in_process
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._issuer_file: str | None = None
        self._errors: IO[str] | None = None

    @property
    def key(self) -> str:
        return self.config.key

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> LocalEmulator:
        if self.in_process:
            self._start_thread()
        else:
            self._start_process()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- process mode ------------------------------------------------------------------------
    def _start_process(self) -> None:
        config = self.config
        command = [
            sys.executable,
            "-m",
            "bench.emulator",
            "--host",
            config.host,
            "--port",
            str(config.port),
            "--exit-with-stdin",
        ]
        if config.tls:
            command.append("--tls")
        if config.partitions is not None:
            command += ["--partitions", str(config.partitions)]
        if config.burst_capacity:
            command.append("--burst-capacity")
        if config.consistency is not ConsistencyLevel.SESSION:
            command += ["--consistency", config.consistency.value]
        if config.aad_issuer_public_key is not None:
            handle, self._issuer_file = tempfile.mkstemp(prefix="rubench-issuer-", suffix=".pem")
            with os.fdopen(handle, "wb") as stream:
                stream.write(config.aad_issuer_public_key)
            command += ["--aad-issuer-key", self._issuer_file]
        # The key goes through the environment, never the command line (visible in `ps`).
        environment = {**os.environ, KEY_ENVIRONMENT_VARIABLE: config.key}
        # stderr goes to a file (a pipe nobody drains could block the server); read on failure.
        errors = tempfile.TemporaryFile(mode="w+", prefix="rubench-emulator-")  # noqa: SIM115
        # Its own session, so a terminal Ctrl-C reaches only the caller, which may still need
        # the emulator (e.g. to read the ledger of an interrupted run); stdin stays open as a
        # lifeline: the child exits when it closes, so it never outlives its caller.
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.PIPE,
            text=True,
            env=environment,
            start_new_session=True,
        )
        output = []
        timer = threading.Timer(START_TIMEOUT_SECONDS, self._process.kill)
        timer.start()
        try:
            assert self._process.stdout is not None
            for line in self._process.stdout:
                output.append(line)
                if line.startswith(READY_PREFIX):
                    self.endpoint = line[len(READY_PREFIX) :].strip()
                    break
        finally:
            timer.cancel()
        if not self.endpoint:
            code = self._process.wait()
            self._process = None
            self._remove_issuer_file()
            errors.seek(0)
            said = (errors.read() or "".join(output)).strip()
            errors.close()
            raise EmulatorStartError(
                f"the emulator process exited with code {code} before it was ready: {said}"
            )
        self._errors = errors

    def _stop_process(self) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        self._process = None
        if self._errors is not None:
            self._errors.close()
            self._errors = None

    # -- in-process mode ---------------------------------------------------------------------
    def _start_thread(self) -> None:
        from bench.emulator.server import EmulatorServer

        ready = threading.Event()
        failure: list[BaseException] = []

        async def run() -> None:
            server = EmulatorServer(self.config)
            self._stop = asyncio.Event()
            try:
                self.endpoint = await server.start()
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            ready.set()
            try:
                await self._stop.wait()
            finally:
                await server.stop()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(run())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=main, name="rubench-emulator", daemon=True)
        self._thread.start()
        ready.wait(START_TIMEOUT_SECONDS)
        if failure:
            self._thread.join()
            raise EmulatorStartError(f"the emulator could not start: {failure[0]}") from failure[0]
        if not self.endpoint:
            raise EmulatorStartError("the in-process emulator did not start in time")

    def _stop_thread(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STOP_TIMEOUT_SECONDS * 2)
        self._thread = None

    def close(self) -> None:
        self._stop_process()
        self._stop_thread()
        self._remove_issuer_file()

    def _remove_issuer_file(self) -> None:
        if self._issuer_file is not None:
            os.unlink(self._issuer_file)
            self._issuer_file = None


def fetch_ledger(endpoint: str, key: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The emulator's ledger (`GET /_emulator/metrics`), signed with the account key."""
    date = formatdate(usegmt=True)
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/_emulator/metrics",
        headers={
            "x-ms-date": date,
            "x-ms-version": "2020-07-15",
            "authorization": master_key_header(key, "GET", "_emulator", "_emulator/metrics", date),
        },
    )
    context = None
    if endpoint.startswith("https://"):
        # Our own self-signed certificate on loopback, as the SDK does for localhost.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return json.load(response)
