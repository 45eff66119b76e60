"""Getting every worker's RU statistics and request rows to the master.

- RU statistics: each `report_to_master` carries the change since the last report
  (`RuStats.drain()`), which the master merges in `worker_report`, as Locust does for
  its own statistics.
- Rows: a worker on this machine writes its own Parquet parts into the run directory.
  A worker on another machine (`--master-host` not loopback, or `--rubench-rows
  master`) cannot, so its rows ride along with its reports and the master writes them.
- The end: Locust's master stops listening 0.5 s after it tells workers to quit, so a
  worker's last report can be lost (locust issue 1426). When the test stops, the master
  asks every worker to stop its users and hand over (or flush) its last rows and RU
  statistics, and waits for all of them before Locust goes on to quit.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import gevent
from locust.env import Environment

from bench.harness.recorder import RequestRecorder, to_columns
from bench.harness.rustats import RuStats

REPORT_KEY = "rubench_ru"
ROWS_KEY = "rubench_rows"
FLUSH_MESSAGE = "rubench_flush"
ROWS_MESSAGE = "rubench_rows"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "")
FINAL_ROWS_GRACE_S = 10.0  # beyond --stop-timeout, for the workers' last rows
log = logging.getLogger(__name__)


def ships_rows(options: Any) -> bool:
    """Whether this worker sends its rows to the master instead of writing them."""
    mode = getattr(options, "rubench_rows", "auto")
    if mode == "auto":
        return getattr(options, "master_host", "") not in LOOPBACK
    return mode == "master"


def install_worker(environment: Environment, recorder: RequestRecorder, stats: RuStats) -> bool:
    """Worker side; returns whether rows are shipped (else the worker writes parts)."""
    ship = ships_rows(environment.parsed_options)

    def report(data: dict[str, Any], **_: Any) -> None:
        data[REPORT_KEY] = stats.drain()
        rows = _shipment(recorder) if ship else None
        if rows:
            data[ROWS_KEY] = rows

    def final_flush(environment: Environment, msg: Any, **_: Any) -> None:
        environment.runner.stop()  # users finish the operation they are in (--stop-timeout)
        if not ship:
            recorder.flush()
        rows = _shipment(recorder) if ship else None
        final = {"final": True, REPORT_KEY: stats.drain(), **(rows or {})}
        environment.runner.send_message(ROWS_MESSAGE, final)

    environment.events.report_to_master.add_listener(report)
    environment.runner.register_message(FLUSH_MESSAGE, final_flush, concurrent=True)
    return ship


def install_master(environment: Environment, recorder: RequestRecorder, stats: RuStats) -> None:
    runner = environment.runner
    pending: set[str] = set()

    def write(shipped: dict[str, Any]) -> None:
        if shipped.get("columns"):
            try:
                recorder.write_columns(shipped["columns"], shipped["stem"])
            except Exception:  # keep the master alive; the loss is logged
                log.exception("rubench: writing a worker's request rows failed")

    def on_report(data: dict[str, Any], **_: Any) -> None:
        if data.get(REPORT_KEY):
            stats.merge(data[REPORT_KEY])
        if data.get(ROWS_KEY):
            write(data[ROWS_KEY])

    def on_rows(environment: Environment, msg: Any, **_: Any) -> None:
        if msg.data.get(REPORT_KEY):
            stats.merge(msg.data[REPORT_KEY])
        write(msg.data)
        pending.discard(msg.node_id)

    def collect_final_rows(**_: Any) -> None:
        pending.update(client.id for client in runner.clients.all)
        for client_id in list(pending):
            runner.send_message(FLUSH_MESSAGE, None, client_id=client_id)
        deadline = time.monotonic() + environment.stop_timeout + FINAL_ROWS_GRACE_S
        while pending and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if pending:
            log.warning("rubench: no final rows from workers %s", sorted(pending))

    environment.events.worker_report.add_listener(on_report)
    runner.register_message(ROWS_MESSAGE, on_rows)
    environment.events.test_stop.add_listener(collect_final_rows)


def _shipment(recorder: RequestRecorder) -> dict[str, Any] | None:
    """The worker's buffered rows as msgpack-friendly columns, or None."""
    rows = recorder.drain()
    return {"stem": recorder.stem, "columns": to_columns(rows)} if rows else None
