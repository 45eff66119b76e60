"""rubench's Locust plugin: importing it into a locustfile adds RU recording to any run.

Like Locust's own CSV writer and web UI, it is only event listeners:
- `init_command_line_parser`: `--rubench-run-dir` (where the run directory goes);
- `request`: every rubench call becomes a Parquet row and feeds the live RU statistics;
- `report_to_master` / `worker_report` and custom messages: workers send their RU
  statistics to the master, and write their rows into its run directory or ship them
  (`bench.harness.distributed`);
- `test_start` / `test_stop` / `reset_stats`: the run's phases in run.json, and the
  container's offer and partitions as the target reports them;
- `init` / `quitting`: `run.json` and `workload.toml` on the master (or local runner),
  the row check at the end, a live line and an RU table on the console and a "Request
  units" tab in the web UI.

Usage, in a locustfile::

    from bench.harness import plugin  # noqa: F401  (registers the listeners)
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner

from bench.files import timestamped_directory
from bench.harness.distributed import MasterRows, install_worker
from bench.harness.fallback import SDK_FALLBACK, install_fallback_reports
from bench.harness.metadata import metadata_event
from bench.harness.provisioning import ContainerState, container_state
from bench.harness.recorder import RequestRecorder
from bench.harness.rundir import RunDirectory
from bench.harness.rustats import RuStats, format_table
from bench.harness.target import resolve_target
from bench.harness.workload import Workload
from bench.rundata.info import RowCheck
from bench.rundata.reading import part_rows

RU_STATS = RuStats()  # this process's (or, on the master, everyone's) RU aggregates
RUN_DIR_OPTION = "rubench_run_dir"
LIVE_LINE_INTERVAL_S = 5.0
console = logging.getLogger("locust.stats_logger")
log = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any, **_: Any) -> None:
    # The default is computed here, before --processes forks, so every process agrees.
    parser.add_argument(
        "--rubench-run-dir",
        dest=RUN_DIR_OPTION,
        default=str(timestamped_directory("{workload}")),
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
        help="rubench: how workers' request rows reach the master's run directory: auto "
        "(written there when this worker sees that directory, else shipped with the worker "
        "reports), master (always shipped), local (as auto, warning when it must ship)",
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
        str(configured or timestamped_directory("{workload}")).replace("{workload}", workload.name)
    )
    recorder = RequestRecorder(run_dir)
    environment.events.request.add_listener(recorder.on_request)
    environment.events.request.add_listener(_feed_ru_stats)
    metadata_event(environment.events).add_listener(recorder.on_request)  # rows, not stats
    install_fallback_reports(environment)
    if isinstance(environment.runner, WorkerRunner):
        install_worker(environment, recorder, RU_STATS)
        _watch_interrupts(None)  # a hand-started worker's Ctrl-C
        return
    gevent.spawn(recorder.flush_forever)
    environment.events.test_stop.add_listener(lambda **_: recorder.flush())
    run = RunDirectory.start(run_dir, workload, environment, _target_metadata(environment))
    _record_phases(environment, run, workload)  # first: a phase ends when the test stops
    master = None
    if isinstance(environment.runner, MasterRunner):
        master = MasterRows(environment, recorder, RU_STATS)
        master.install(run)
    _watch_interrupts(run)
    environment.events.quitting.add_listener(
        lambda **_: _finish(environment, run, recorder, master)
    )
    options = environment.parsed_options
    if options is not None and options.headless:
        gevent.spawn(_print_loop, environment, run)
    if environment.web_ui:
        _extend_web_ui(environment)


def _record_phases(environment: Environment, run: RunDirectory, workload: Workload) -> None:
    """Each test start, stop and statistics reset (the web UI's buttons) in run.json, and
    the container as the target has it when the first test starts."""
    events = environment.events

    def started(**_: Any) -> None:
        RU_STATS.reset()
        options = environment.parsed_options
        first = not run.phases
        run.begin_phase(
            time.time(),
            getattr(options, "num_users", None),
            getattr(options, "spawn_rate", None),
        )
        if isinstance(environment.runner, MasterRunner):  # hand-started: not --expect-workers
            run.set_processes(environment.runner.worker_count)
        if first:
            run.record_container(_container_state(environment, workload))

    def reset(**_: Any) -> None:
        RU_STATS.reset()
        if run.running:
            options = environment.parsed_options
            users = environment.runner.user_count if environment.runner else None
            run.begin_phase(time.time(), users, getattr(options, "spawn_rate", None), reset=True)

    def spawned(user_count: int = 0, **_: Any) -> None:
        run.users_reached(user_count, getattr(environment.parsed_options, "spawn_rate", None))
        # --reset-stats does not fire reset_stats; Locust resets when spawning completes.
        if environment.reset_stats:
            reset()

    events.test_start.add_listener(started)
    events.reset_stats.add_listener(reset)  # the web UI's RESET
    events.spawning_complete.add_listener(spawned)
    events.test_stop.add_listener(lambda **_: run.end_phase(time.time()))


def _container_state(environment: Environment, workload: Workload) -> ContainerState:
    """The container as the target has it; unknown when the target cannot be asked."""
    from bench.harness.user import process_database_and_container

    try:
        database, container = process_database_and_container(
            environment.host, workload, environment.events
        )
    except Exception as error:  # the users report an unreachable target themselves
        log.info("rubench: cannot read the container's offer: %s", error)
        return ContainerState.from_workload(workload.container.throughput)
    return container_state(database, container, workload.container.throughput)


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


def _target_metadata(environment: Environment) -> dict[str, Any]:
    try:
        return resolve_target(environment.host or "emulator").metadata()
    except Exception as error:  # a bad host is reported when users start; record what we know
        log.debug("target metadata unavailable: %s", error)
        kind = os.environ.get("RUBENCH_TARGET_KIND", "")
        return {"kind": kind, "host": environment.host or "", "auth": "unknown"}


def _feed_ru_stats(context: Any = None, **_: Any) -> None:
    record = context.get("rubench") if isinstance(context, dict) else None
    if record is not None:
        RU_STATS.add(record)


def _print_loop(environment: Environment, run: RunDirectory) -> None:
    """One compact line every few seconds; the full RU table comes once, at the end."""
    while True:
        gevent.sleep(LIVE_LINE_INTERVAL_S)
        if run.running:
            elapsed = time.time() - run.phases[0].started_at
            users = environment.runner.user_count if environment.runner else 0
            console.info(live_line(RU_STATS.rows(), elapsed, users))


def live_line(rows: list[dict[str, Any]], elapsed_s: float, users: int) -> str:
    """`rubench 12s | 4 users | 812 calls 67.7/s | 1,234.5 RU 102.8 RU/s | 429s 0 | fails 0`"""
    total = next((row for row in rows if row["name"] == "Aggregated"), None)
    if total is None:
        return f"rubench {elapsed_s:.0f}s | {users} users | no calls yet"
    return (
        f"rubench {elapsed_s:.0f}s | {users} users | "
        f"{total['count']:,} calls {total['calls_per_s']:.1f}/s | "
        f"{total['ru_total']:,.1f} RU {total['ru_per_s']:.1f} RU/s | "
        f"429s {total['throttled']:,} | fails {total['errors']:,}"
    )


def print_ru_table() -> None:
    rows = RU_STATS.rows()
    if rows:
        for line in format_table(rows):
            console.info(line)
        console.info("")


def _watch_interrupts(run: RunDirectory | None) -> None:
    """Mark the run (a worker has none) interrupted on Ctrl-C during a test, then let
    Locust handle the signal as usual. Ctrl-C after the web UI's Stop only quits Locust:
    the run stays completed.

    The interruption is thrown into the main greenlet (where Locust catches it), from
    gevent's hub, as gevent itself does for system errors, not where the signal lands:
    there it would kill whichever user greenlet was running, maybe in the middle of a call
    the target had already charged, which would then never be recorded. Raised in a hub
    callback instead, gevent would print it as a failed callback with a traceback."""
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: Any) -> None:
        if run is not None and run.running:
            run.interrupted = True
        hub = gevent.get_hub()
        if callable(previous) and previous is not signal.default_int_handler:
            hub.loop.run_callback(previous, signal.SIGINT, None)
        else:
            hub.loop.run_callback(hub.parent.throw, KeyboardInterrupt)

    signal.signal(signal.SIGINT, on_interrupt)


def _finish(
    environment: Environment,
    run: RunDirectory,
    recorder: RequestRecorder,
    master: MasterRows | None,
) -> None:
    """Stop the test if it still runs, then the last rows, the last RU table, the container
    as it is now, and the row check: the rows recorded by this process (on a master: and
    by its workers, as they handed over their final counts) against the rows on disk."""
    runner = environment.runner
    if runner is not None and runner.state in (STATE_SPAWNING, STATE_RUNNING):
        # Ctrl-C: Locust fires `quitting` before it stops the users. A master stops as
        # --run-time does (`quit`): collecting the last rows on test_stop stops the workers.
        if isinstance(runner, MasterRunner):
            runner.stop(send_stop_to_client=False)
        else:
            runner.stop()
    workload = workload_of(environment)
    if run.phases and workload is not None:  # its requests are metadata rows: before close
        run.record_container(_container_state(environment, workload), at_end=True)
    recorder.close()
    run.record_sdk_fallback(SDK_FALLBACK.sorted())
    print_ru_table()
    rows = RowCheck(
        counted=master.counted if master else recorder.recorded,
        in_directory=part_rows(run.path),
        workers_unaccounted=tuple(sorted(master.unaccounted)) if master else (),
    )
    if rows.counted != rows.in_directory or rows.workers_unaccounted:
        log.error(
            "rubench: %s calls counted but %s rows in %s%s",
            rows.counted,
            rows.in_directory,
            run.path,
            f"; no final rows from {', '.join(rows.workers_unaccounted)}"
            if rows.workers_unaccounted
            else "",
        )
    run.finish(time.time(), rows)


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
