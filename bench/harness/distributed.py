"""Getting every worker's RU statistics and request rows to the master's run directory.

- RU statistics: each `report_to_master` carries the change since the last report
  (`RuStats.drain()`), which the master merges in `worker_report`, as Locust does for
  its own statistics.
- Rows: when a test starts, the master tells its workers where its run directory is
  (absolute path and creation time). A worker that finds that very run directory (same
  `run.json` `created_at`: the same machine, or a shared disk) writes its Parquet parts
  there, whatever its own cwd or `--rubench-run-dir`; any other worker (another machine,
  or `--rubench-rows master`) ships its rows with its reports and the master writes them.
- The end: Locust's master stops listening 0.5 s after it tells workers to quit, so a
  worker's last report can be lost (locust issue 1426). When the test stops, the master
  asks every worker that took part to stop its users and hand over (or flush) its last
  rows, its count of rows and RU statistics, and waits for all of them before Locust goes
  on to quit. Workers that never answered (killed, or gone on their own) are named in
  run.json (`rows.workers_unaccounted`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_MISSING

from bench.errors import RubenchError
from bench.harness.recorder import RequestRecorder, to_columns
from bench.harness.rundir import RunDirectory
from bench.harness.rustats import RuStats
from bench.rundata.info import read_run_info

REPORT_KEY = "rubench_ru"
ROWS_KEY = "rubench_rows"
RECORDED_KEY = "rubench_recorded"  # rows the worker recorded so far, written or shipped
FLUSH_MESSAGE = "rubench_flush"
ROWS_MESSAGE = "rubench_rows"
RUN_DIR_MESSAGE = "rubench_run_dir"
FINAL_ROWS_GRACE_S = 10.0  # beyond --stop-timeout, for the workers' last rows
log = logging.getLogger(__name__)


def is_same_run(run_dir: Path, created_at: float) -> bool:
    """Whether `run_dir` is the master's run directory as this process sees it."""
    try:
        return read_run_info(run_dir).created_at == created_at
    except (OSError, RubenchError):
        return False


class WorkerRows:
    """Where one worker's rows go: shipped to the master until the master names a run
    directory this worker can write into (and `--rubench-rows` allows it)."""

    def __init__(self, recorder: RequestRecorder, mode: str) -> None:
        self.recorder = recorder
        self.mode = mode  # auto | local | master
        self.ship = True

    def point_at(self, run_dir: Path, created_at: float) -> None:
        if self.mode == "master":
            return
        if is_same_run(run_dir, created_at):
            self.recorder.move_to(run_dir)
            self.ship = False
            return
        if self.mode == "local":
            log.warning(
                "rubench: --rubench-rows local, but the master's run directory %s is not "
                "on this machine: shipping rows to the master",
                run_dir,
            )
        self.ship = True

    def shipment(self) -> dict[str, Any] | None:
        """The rows to ship now, as msgpack-friendly columns (None when writing locally)."""
        if not self.ship:
            return None
        rows = self.recorder.drain()
        return {"stem": self.recorder.stem, "columns": to_columns(rows)} if rows else None


def install_worker(environment: Environment, recorder: RequestRecorder, stats: RuStats) -> None:
    rows = WorkerRows(recorder, getattr(environment.parsed_options, "rubench_rows", "auto"))

    def report(data: dict[str, Any], **_: Any) -> None:
        data[REPORT_KEY] = stats.drain()
        data[RECORDED_KEY] = recorder.recorded
        shipped = rows.shipment()
        if shipped:
            data[ROWS_KEY] = shipped

    def on_run_dir(environment: Environment, msg: Any, **_: Any) -> None:
        rows.point_at(Path(msg.data["path"]), msg.data["created_at"])

    def hand_over(**_: Any) -> None:
        """Stop the users, write or ship the last rows, and tell the master the final count:
        when the master asks (the test stops), and when this worker quits on its own."""
        environment.runner.stop()  # users finish the operation they are in (--stop-timeout)
        if not rows.ship:
            recorder.flush()
        final = {
            "final": True,
            REPORT_KEY: stats.drain(),
            RECORDED_KEY: recorder.recorded,
            **(rows.shipment() or {}),
        }
        environment.runner.send_message(ROWS_MESSAGE, final)

    environment.events.report_to_master.add_listener(report)
    environment.events.quitting.add_listener(hand_over)  # before Locust's "quit" to the master
    environment.runner.register_message(RUN_DIR_MESSAGE, on_run_dir)
    environment.runner.register_message(FLUSH_MESSAGE, hand_over, concurrent=True)
    gevent.spawn(recorder.flush_forever, lambda: not rows.ship)


class MasterRows:
    """The master's side: writes shipped rows, collects every worker's last ones, and
    remembers the workers that never handed them over."""

    def __init__(self, environment: Environment, recorder: RequestRecorder, stats: RuStats):
        self.environment = environment
        self.recorder = recorder
        self.stats = stats
        self.pending: set[str] = set()
        self.unaccounted: set[str] = set()
        self.recorded_by_worker: dict[str, int] = {}
        self.taking_part: set[str] = set()  # workers that reported during the current test

    @property
    def counted(self) -> int:
        """Rows recorded by the master itself and, as they last reported, its workers."""
        return self.recorder.recorded + sum(self.recorded_by_worker.values())

    def install(self, run: RunDirectory) -> None:
        events, runner = self.environment.events, self.environment.runner
        where = {"path": str(run.path.resolve()), "created_at": run.created_at}
        # test_start fires before the spawn messages, which workers handle in order
        events.test_start.add_listener(lambda **_: runner.send_message(RUN_DIR_MESSAGE, where))
        events.test_start.add_listener(lambda **_: self.taking_part.clear())
        events.worker_report.add_listener(self.on_report)
        runner.register_message(ROWS_MESSAGE, self.on_rows)
        events.test_stop.add_listener(self.collect_final_rows)

    def write(self, shipped: dict[str, Any]) -> None:
        if shipped.get("columns"):
            try:
                self.recorder.write_columns(shipped["columns"], shipped["stem"])
            except Exception:  # keep the master alive; the loss shows in the row check
                log.exception("rubench: writing a worker's request rows failed")

    def on_report(self, client_id: str, data: dict[str, Any], **_: Any) -> None:
        if RECORDED_KEY in data:
            self.recorded_by_worker[client_id] = data[RECORDED_KEY]
            self.taking_part.add(client_id)
        if data.get(REPORT_KEY):
            self.stats.merge(data[REPORT_KEY])
        if data.get(ROWS_KEY):
            self.write(data[ROWS_KEY])

    def on_rows(self, environment: Environment, msg: Any, **_: Any) -> None:
        if RECORDED_KEY in msg.data:
            self.recorded_by_worker[msg.node_id] = msg.data[RECORDED_KEY]
        if msg.data.get(REPORT_KEY):
            self.stats.merge(msg.data[REPORT_KEY])
        self.write(msg.data)
        self.pending.discard(msg.node_id)
        self.taking_part.discard(msg.node_id)  # until it reports again: it may have quit

    def missing(self) -> set[str]:
        """Workers Locust no longer hears (no heartbeat for seconds): not waited for."""
        clients = self.environment.runner.clients.all
        return {client.id for client in clients if client.state == STATE_MISSING}

    def collect_final_rows(self, **_: Any) -> None:
        runner = self.environment.runner
        # Not only `runner.clients`: Locust drops a worker from it when the worker answers
        # the master's "stop" (web UI Stop), and a dead one a minute after its last heartbeat.
        connected = {client.id for client in runner.clients.all if client.state != STATE_MISSING}
        self.pending.update(connected | self.taking_part)
        for client_id in list(self.pending):
            runner.send_message(FLUSH_MESSAGE, None, client_id=client_id)
        deadline = time.monotonic() + self.environment.stop_timeout + FINAL_ROWS_GRACE_S
        while self.pending - self.missing() and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if self.pending:
            log.warning("rubench: no final rows from workers %s", sorted(self.pending))
            self.unaccounted |= self.pending
            self.pending.clear()
