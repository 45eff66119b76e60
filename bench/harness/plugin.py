"""rubench's Locust plugin: importing it into a locustfile adds RU recording to any run.

Like Locust's own CSV writer and web UI, it is only event listeners:
- `init_command_line_parser`: `--rubench-run-dir` (where the run directory goes);
- `request`: every rubench call becomes a Parquet row (each process writes its own
  parts) and feeds the live RU statistics;
- `report_to_master` / `worker_report` and two custom messages: workers send their RU
  statistics, and workers on other machines their rows, to the master
  (`bench.harness.distributed`);
- `init` / `quitting`: `run.json` and `workload.toml` on the master (or local runner),
  an RU table on the console and a "Request units" tab in the web UI.

Usage, in a locustfile::

    from bench.harness import plugin  # noqa: F401  (registers the listeners)
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import CONSOLE_STATS_INTERVAL_SEC

from bench.harness.distributed import install_master, install_worker
from bench.harness.metadata import metadata_event
from bench.harness.recorder import RequestRecorder
from bench.harness.rundir import RunDirectory
from bench.harness.rustats import RuStats, format_table
from bench.harness.target import resolve_target
from bench.harness.workload import Workload

RU_STATS = RuStats()  # this process's (or, on the master, everyone's) RU aggregates
RUN_DIR_OPTION = "rubench_run_dir"
console = logging.getLogger("locust.stats_logger")
log = logging.getLogger(__name__)


def default_run_dir(name: str, started: datetime | None = None) -> Path:
    stamp = (started or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path("reports") / f"{stamp}-{name}"


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any, **_: Any) -> None:
    # The default is computed here, before --processes forks, so every process agrees.
    parser.add_argument(
        "--rubench-run-dir",
        dest=RUN_DIR_OPTION,
        default=str(default_run_dir("{workload}")),
        help="rubench: where this run's directory goes (default reports/<timestamp>-<workload>)",
        include_in_web_ui=False,
    )
    parser.add_argument(
        "--rubench-warmup",
        dest="rubench_warmup",
        type=float,
        default=0.0,
        help="rubench: seconds at the start that reports and summaries leave out (0)",
        include_in_web_ui=False,
    )
    parser.add_argument(
        "--rubench-rows",
        dest="rubench_rows",
        choices=("auto", "local", "master"),
        default="auto",
        help="rubench: where workers' request rows go: local (each writes its own parts), "
        "master (shipped with the worker reports), auto (master unless --master-host is "
        "this machine)",
        include_in_web_ui=False,
    )


@events.init.add_listener
def _install(environment: Environment, **_: Any) -> None:
    # azure-core logs every request's headers at INFO, which Locust enables: noise
    logging.getLogger("azure").setLevel(logging.WARNING)
    workload = workload_of(environment)
    if workload is None:
        return
    configured = getattr(environment.parsed_options, RUN_DIR_OPTION, None)
    run_dir = Path(
        str(configured or default_run_dir("{workload}")).replace("{workload}", workload.name)
    )
    recorder = RequestRecorder(run_dir)
    environment.events.request.add_listener(recorder.on_request)
    environment.events.request.add_listener(_feed_ru_stats)
    metadata_event(environment.events).add_listener(recorder.on_request)  # rows, not stats

    worker = isinstance(environment.runner, WorkerRunner)
    if worker and install_worker(environment, recorder, RU_STATS):
        return  # rows go to the master
    gevent.spawn(_flush_loop, recorder)
    environment.events.test_stop.add_listener(lambda **_: recorder.flush())
    environment.events.quitting.add_listener(lambda **_: recorder.close())
    if worker:
        return
    if isinstance(environment.runner, MasterRunner):
        install_master(environment, recorder, RU_STATS)
    run = RunDirectory.start(run_dir, workload, environment, _target_metadata(environment))
    _watch_interrupts(run)
    environment.events.test_start.add_listener(lambda **_: _reset_on_start())
    environment.events.reset_stats.add_listener(_reset_on_start)  # the web UI's RESET
    environment.events.spawning_complete.add_listener(lambda **_: _reset_if_asked(environment))
    environment.events.quitting.add_listener(lambda **_: _finish(run))
    options = environment.parsed_options
    if options is not None and options.headless and not options.only_summary:
        gevent.spawn(_print_loop)
    if environment.web_ui:
        _extend_web_ui(environment)


@events.init.add_listener  # after _install, so that its work is not counted either
def _refresh_loop_clock(**_: Any) -> None:
    """Locust schedules `--run-time` right after `init` on gevent's cached loop clock, which
    has not moved while the locustfile's imports ran (seconds for the SDK): without this,
    the run stops that much early."""
    gevent.get_hub().loop.update_now()


def workload_of(environment: Environment) -> Workload | None:
    """The workload of the run's CosmosUser classes (the first one's)."""
    for user_class in environment.user_classes:
        workload = getattr(user_class, "workload", None)
        if isinstance(workload, Workload):
            return workload
    return None


def _target_metadata(environment: Environment) -> dict[str, str]:
    try:
        return resolve_target(environment.host or "emulator").metadata()
    except Exception as error:  # a bad host is reported when users start; record what we know
        log.debug("target metadata unavailable: %s", error)
        return {"kind": os.environ.get("RUBENCH_TARGET_KIND", ""), "host": environment.host or ""}


def _feed_ru_stats(context: Any = None, **_: Any) -> None:
    record = context.get("rubench") if isinstance(context, dict) else None
    if record is not None:
        RU_STATS.add(record)


def _reset_on_start() -> None:
    RU_STATS.reset()


def _reset_if_asked(environment: Environment) -> None:
    # --reset-stats does not fire reset_stats; Locust resets when spawning completes.
    if environment.reset_stats:
        RU_STATS.reset()


def _flush_loop(recorder: RequestRecorder) -> None:
    while True:
        gevent.sleep(recorder.flush_seconds / 4)
        try:
            recorder.flush_if_due()
        except Exception:  # a full disk must not kill the load; Locust logs it once here
            log.exception("rubench: writing request rows failed")


def _print_loop() -> None:
    while True:
        gevent.sleep(CONSOLE_STATS_INTERVAL_SEC)
        print_ru_table()


def print_ru_table() -> None:
    rows = RU_STATS.rows()
    if rows:
        for line in format_table(rows):
            console.info(line)
        console.info("")


def _watch_interrupts(run: RunDirectory) -> None:
    """Mark the run interrupted on Ctrl-C, then let Locust handle the signal as usual."""
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: Any) -> None:
        run.interrupted = True
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


def _finish(run: RunDirectory) -> None:
    print_ru_table()
    run.finish(time.time())


def _extend_web_ui(environment: Environment) -> None:
    """A "Request units" tab next to Locust's statistics, refreshed with them."""
    web_ui = environment.web_ui
    columns = [
        ("name", "Name"),
        ("kind", "Kind"),
        ("count", "# Requests"),
        ("ru_mean", "RU avg"),
        ("ru_p95", "RU p95"),
        ("ru_max", "RU max"),
        ("ru_total", "RU total"),
        ("ru_per_s", "RU/s"),
        ("throttled", "429 attempts"),
        ("conflicts", "412 conflicts"),
        ("errors", "Failures"),
    ]
    web_ui.template_args["extended_tabs"] = [{"title": "Request units", "key": "request-units"}]
    web_ui.template_args["extended_tables"] = [
        {"key": "request-units", "structure": [{"key": k, "title": t} for k, t in columns]}
    ]

    @web_ui.app.after_request
    def _add_ru_stats(response: Any) -> Any:
        from flask import request

        if request.path != "/stats/requests" or not response.is_json:
            return response
        rows = [{key: _rounded(value) for key, value in row.items()} for row in RU_STATS.rows()]
        data = response.get_json()
        data["extended_stats"] = [{"key": "request-units", "data": rows}]
        response.set_data(json.dumps(data))
        return response


def _rounded(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value
