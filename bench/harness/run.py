"""Run a workload against a target and leave a run directory: the orchestration behind
`rubench run`, reusable by `rubench compare-keys` and `rubench demo`.

Locust runs as a child process (`python -m locust`, headless) with rubench's locustfile:
it monkey-patches the process with gevent and forks for `--processes`, neither of which
should happen to the caller. The target travels in the child's environment, the key
never on its command line::

    with target_for("local") as target:
        run_dir = run_workload(workload, target, RunSettings(users=10, duration_s=20))
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import RubenchError
from bench.files import timestamped_directory
from bench.harness.connect import first_line
from bench.harness.procedures import ensure_procedures
from bench.harness.seed import (
    COMPLETE,
    PARTIAL,
    physical_partitions,
    seed_container,
    seed_state,
)
from bench.harness.target import Connection, Target, resolve_target
from bench.harness.workload import OVERRIDES_VARIABLE, WORKLOAD_VARIABLE, Workload
from bench.rundata.info import read_run_info, write_run_info
from bench.rundata.ledger import PartitionLedger, write_ledger

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 60.0  # how long a stopped Locust may take to write its last rows


@dataclass(frozen=True)
class RunSettings:
    users: int = 10
    spawn_rate: float = 10.0
    duration_s: float = 30.0
    warmup_s: float = 0.0  # left out of summaries and reports (rows are still recorded)
    processes: int = 1
    out: Path | None = None  # the run directory; default reports/<timestamp>-<name>
    quiet: bool = False  # Locust's console output to <run_dir>/locust.log instead
    seed_progress: bool = True
    locust_args: tuple[str, ...] = field(default=())  # anything else for Locust


@contextmanager
def target_for(
    spec: str,
    *,
    partitions: int | None = None,
    consistency: str | None = None,
    connection: Connection | None = None,
) -> Iterator[Target]:
    """`local` starts rubench's emulator (as a process) for the duration, its account at
    `consistency` (default Session); anything else is resolved as `emulator` or an
    endpoint, reached with `connection`'s options, whose account's consistency is set on
    the account, not here."""
    if spec != "local":
        if consistency is not None:
            raise RubenchError(
                f"--consistency {consistency} needs --target local: the default consistency "
                "of an account is set on the account itself"
            )
        yield resolve_target(spec, connection)
        return
    from bench.emulator import LocalEmulator
    from bench.emulator.consistency import ConsistencyLevel, parse_level

    try:
        level = parse_level(consistency or ConsistencyLevel.SESSION)
    except ValueError as error:
        raise RubenchError(f"--consistency: {error}") from None
    options = {} if partitions is None else {"partitions": partitions}
    with LocalEmulator(consistency=level, **options) as emulator:
        yield Target("local", emulator.endpoint, emulator.key, "the local emulator", level.value)


def ensure_seeded(workload: Workload, target: Target, *, progress: bool = True) -> bool:
    """Seed when the container is missing or its seed never completed (a seed resumes:
    what is in stays); True if it seeded."""
    state = asyncio.run(seed_state(workload, target))
    if state == COMPLETE:
        return False
    spec = workload.container
    if state == PARTIAL:
        print(
            f"rubench: {spec.database}/{spec.container} has no record of a completed seed of "
            "these documents: resuming the seed",
            file=sys.stderr,
        )
    result = asyncio.run(seed_container(workload, target, progress=progress))
    print(
        f"rubench: seeded {spec.database}/{spec.container}: "
        f"{result.created} documents, {result.request_units:.1f} RU",
        file=sys.stderr,
    )
    return True


def run_workload(workload: Workload, target: Target, settings: RunSettings) -> Path:
    """Seed if needed, run Locust headless, finish the run directory; returns its path."""
    ensure_seeded(workload, target, progress=settings.seed_progress)
    ensure_procedures(workload, target)
    run_dir = Path(settings.out or timestamped_directory(workload.name))
    if (run_dir / "run.json").exists():
        raise RubenchError(f"--out {run_dir}: already holds a run; choose a new directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    before = _ledger(target)
    try:
        code = _run_locust(workload, target, settings, run_dir)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (bench.errors.Terminated)
        _finish(run_dir, target, workload, before, status="interrupted", reason=_why(stop))
        raise
    # Locust exits 1 when requests failed (a result), but also when it could not start
    started = (run_dir / "run.json").exists()
    if started:
        write_run_info(run_dir, read_run_info(run_dir).updated(locust_exit_code=code))
    failed = code > 1 or not started
    lost = _finish(run_dir, target, workload, before, status="failed" if failed else None)
    if failed:
        where = run_dir / "locust.log" if settings.quiet else "its output above"
        what = "exited" if started else "did not start the run and exited"
        raise RubenchError(f"Locust {what} with code {code}; see {where}")
    if lost:
        raise RubenchError(f"{lost}; {run_dir} holds what completed")
    return run_dir


def _why(stop: KeyboardInterrupt) -> str:
    return f"stopped by {stop}" if str(stop) else "stopped by Ctrl-C"


def locust_command(settings: RunSettings, target: Target, run_dir: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(settings.users),
        "--spawn-rate",
        str(settings.spawn_rate),
        "--run-time",
        f"{max(1, round(settings.duration_s))}s",
        "--host",
        target.endpoint,
        "--csv",
        str(run_dir / "locust"),
        "--rubench-run-dir",
        str(run_dir),
        "--rubench-warmup",
        str(settings.warmup_s),
        "--stop-timeout",
        "5",
        "--only-summary",  # Locust's tables once, at the end; rubench prints a live line
    ]
    if settings.processes > 1:
        # The forked workers reach their master on loopback; a free port, not Locust's fixed
        # 5557, so that runs (and test sessions) side by side do not collide.
        port = str(free_port())
        command += ["--processes", str(settings.processes), "--master-bind-host", LOOPBACK]
        command += ["--master-bind-port", port, "--master-port", port]
    return command + list(settings.locust_args)


def free_port() -> int:
    """A TCP port nothing listens on now (the OS's choice for port 0)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _run_locust(workload: Workload, target: Target, settings: RunSettings, run_dir: Path) -> int:
    env = {
        **os.environ,
        **target.child_environment(),
        WORKLOAD_VARIABLE: str(Path(workload.source_path).resolve()),
        OVERRIDES_VARIABLE: json.dumps(workload.overrides),
    }
    command = locust_command(settings, target, run_dir)
    if settings.quiet:
        with (run_dir / "locust.log").open("w") as log:
            return _wait(_start(command, env, stdout=log, stderr=subprocess.STDOUT))
    return _wait(_start(command, env))


def _start(command: list[str], env: dict[str, str], **output: Any) -> subprocess.Popen[bytes]:
    # Its own session: a terminal's Ctrl-C reaches only us, and we pass it on exactly once
    # (a second SIGINT would cut Locust's shutdown, and with it the last rows, short).
    return subprocess.Popen(command, env=env, start_new_session=True, **output)


def _wait(process: subprocess.Popen[bytes]) -> int:
    """Wait for Locust; on Ctrl-C or SIGTERM, stop it as Ctrl-C would and let it finish
    writing; if it has not within STOP_GRACE_S (or a second signal comes), kill its whole
    process group (its --processes workers too), so nothing is left orphaned."""
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_GRACE_S)
            # Its --processes workers never hear the master quit (they would wait 60 s for
            # its heartbeat): SIGTERM makes each stop as Locust does, writing its last rows.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            _wait_for_group(process.pid, time.monotonic() + STOP_GRACE_S)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the group is Locust's
        process.wait()
        raise
    _wait_for_group(process.pid, time.monotonic() + STOP_GRACE_S)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return code


def _wait_for_group(group: int, deadline: float) -> None:
    """Wait until no live process is left in Locust's process group: its --processes workers
    outlive their master after a Ctrl-C (finishing their calls, writing their last rows)."""
    while time.monotonic() < deadline and _group_alive(group):
        time.sleep(0.1)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):  # zombies count for killpg, not for us
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == group:
                return True
    return False


def _finish(
    run_dir: Path,
    target: Target,
    workload: Workload,
    before: dict | None,
    *,
    status: str | None,
    reason: str = "",
) -> str:
    """Add what only the orchestrator knows to run.json, and partitions.json. The target
    may be gone: after a Ctrl-C (a terminal signals the whole process group), or because
    it died mid-run. Then the ledger and the partition count are left out, and a run that
    was not interrupted is marked failed, with the reason (which is returned; "" when the
    target answered). Summarising and reporting are the caller's (bench.pipeline)."""
    lost = ""
    try:
        after = _ledger(target)
        partitions = asyncio.run(physical_partitions(workload, target))
    except (OSError, RubenchError) as error:
        if status != "interrupted":
            lost = f"the target {target.endpoint} stopped answering: {first_line(error)}"
            status, reason = "failed", reason or lost
        after, partitions = None, None
    if after is not None:
        link = container_link(workload)
        entry = ledger_delta(
            (after.get("containers") or {}).get(link, {}),
            ((before or {}).get("containers") or {}).get(link, {}),
        )
        write_ledger(run_dir, PartitionLedger.model_validate({**entry, "container": link}))
    if (run_dir / "run.json").exists():
        info = read_run_info(run_dir)
        changes: dict[str, object] = {}
        if info.container.physical_partitions is None:  # the plugin could not read it
            changes["container"] = info.container.model_copy(
                update={"physical_partitions": partitions}
            )
        if status is not None:
            changes.update(status=status, ended_at=info.ended_at or time.time())
        if reason:
            changes.update(status_reason=reason)
        write_run_info(run_dir, info.updated(**changes))
    return lost


def container_link(workload: Workload) -> str:
    spec = workload.container
    return f"dbs/{spec.database}/colls/{spec.container}"


def ledger_delta(after: dict, before: dict) -> dict:
    """What the ledger counted between two snapshots (nested tallies subtract key by key)."""
    delta: dict = {}
    for key, value in after.items():
        previous = before.get(key)
        if isinstance(value, dict):
            delta[key] = ledger_delta(value, previous if isinstance(previous, dict) else {})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            difference = value - (previous if isinstance(previous, int | float) else 0)
            delta[key] = round(difference, 6) if isinstance(difference, float) else difference
        else:
            delta[key] = value
    return delta


def _ledger(target: Target) -> dict | None:
    """The local emulator's ledger (other targets have none)."""
    if target.kind != "local" or not target.key:
        return None
    from bench.emulator import fetch_ledger

    return fetch_ledger(target.endpoint, target.key)
