"""Locust users that drive Azure Cosmos DB through the official sync SDK.

`CosmosUser` is the abstract base, like Locust's `HttpUser`: it gives each user a
`self.operations` that runs the workload's operation kinds, timed and recorded.
`workload_user()` declares a concrete user whose tasks are the workload's operations
with their weights, so a locustfile is a few lines::

    from bench.harness.user import workload_user
    CatalogUser = workload_user(load_workload(Path("workloads/catalog.toml")))

The SDK client is built lazily, once per process, after Locust has forked
(`--processes`), and shared by all users of the process.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from locust import User, constant
from locust.event import Events

from bench.harness.connect import first_line
from bench.harness.instrumented import InstrumentedCalls
from bench.harness.metadata import MetadataObserver
from bench.harness.operations import Operations
from bench.harness.target import resolve_target, sync_client
from bench.harness.workload import OperationSpec, Workload

log = logging.getLogger(__name__)

_containers: dict[tuple[str, str, str], Any] = {}
_containers_lock = threading.Lock()  # a gevent lock once Locust has monkey-patched
_user_numbers = itertools.count()


def process_container(host: str | None, workload: Workload, events: Events) -> Any:
    """This process's ContainerProxy for the workload's container (one client per process);
    the SDK's own requests through it become metadata rows (bench.harness.metadata)."""
    spec = workload.container
    key = (host or "", spec.database, spec.container)
    with _containers_lock:
        if key not in _containers:
            hooks = MetadataObserver(events).client_hooks()
            client = sync_client(resolve_target(host or "emulator"), **hooks)
            container = client.get_database_client(spec.database).get_container_client(
                spec.container
            )
            container.read()  # fail early (and once) when the container has not been seeded
            _containers[key] = container
        return _containers[key]


class CosmosUser(User):
    """A user with an SDK container and the workload's operations; subclass it or use
    `workload_user()`. Set `workload` on the subclass."""

    abstract = True
    workload: ClassVar[Workload]
    wait_time = constant(0)

    def on_start(self) -> None:
        try:
            container = process_container(self.host, self.workload, self.environment.events)
        except Exception as error:
            log.error("cannot reach the workload's container: %s", first_line(error))
            self.environment.process_exit_code = 2
            self.environment.runner.quit()
            raise
        number = next(_user_numbers)
        tag = f"{os.getpid():x}{int(time.time() * 1000):x}{number:x}"
        self.operations = Operations(
            self.workload,
            container,
            InstrumentedCalls(self.environment.events),
            random.Random(tag),
            tag=tag,
        )


def operation_task(spec: OperationSpec) -> Callable[[CosmosUser], None]:
    def task(user: CosmosUser) -> None:
        user.operations.run(spec)

    task.__name__ = spec.name
    return task


def workload_user(
    workload: Workload, *, name: str = "WorkloadUser", wait_time: Any = None
) -> type[CosmosUser]:
    """A concrete CosmosUser whose tasks are the workload's operations, weighted."""
    tasks = {
        operation_task(spec): spec.weight for spec in workload.operations.values() if spec.weight
    }
    attributes: dict[str, Any] = {"workload": workload, "tasks": tasks, "__module__": __name__}
    if wait_time is not None:
        attributes["wait_time"] = wait_time
    return type(name, (CosmosUser,), attributes)
