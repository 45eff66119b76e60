"""Which operations of a `client = "fast"` run went through the SDK instead (queries the
gateway client cannot answer without merging on the client), gathered from every process
for run.json (`client.sdk_fallback`) and the report.

Workers add their names to each report to the master, as they do their RU statistics::

    SDK_FALLBACK.add("query_top_by_price")
    install_fallback_reports(environment)   # worker or master: Locust's report events
"""

from __future__ import annotations

from typing import Any

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

REPORT_KEY = "rubench_sdk_fallback"


class SdkFallback:
    """Names of operations that ran through the SDK, in this process (and, on a master,
    as its workers reported)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def add(self, *names: str) -> None:
        self.names.update(names)

    def sorted(self) -> tuple[str, ...]:
        return tuple(sorted(self.names))


SDK_FALLBACK = SdkFallback()


def install_fallback_reports(environment: Environment) -> None:
    """Workers send their names with every report; the master merges them."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):

        def report(data: dict[str, Any], **_: Any) -> None:
            data[REPORT_KEY] = list(SDK_FALLBACK.sorted())

        environment.events.report_to_master.add_listener(report)
    elif isinstance(runner, MasterRunner):

        def merge(data: dict[str, Any], **_: Any) -> None:
            SDK_FALLBACK.add(*data.get(REPORT_KEY, ()))

        environment.events.worker_report.add_listener(merge)
