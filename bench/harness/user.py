"""Locust users that drive Azure Cosmos DB through the official sync SDK.

`CosmosUser` is the abstract base, like Locust's `HttpUser`: it gives each user a
`self.operations` that runs the workload's operation kinds, timed and recorded.
`workload_user()` declares a concrete user whose tasks are the workload's operations
with their weights, so a locustfile is a few lines::

    from bench.harness.user import workload_user
    CatalogUser = workload_user(load_workload(Path("workloads/catalog.toml")))

The SDK client is built lazily, once per process, after Locust has forked
(`--processes`), and shared by all users of the process. A workload with
`client = "fast"` gets a `FastCosmosUser`: the same operations and rows through rubench's
gateway client (bench.harness.gateway_process), as Locust's `FastHttpUser` is to its
`HttpUser`.
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

import gevent
from locust import User, constant
from locust.event import Events

from bench.harness.calls import AttemptObserver
from bench.harness.connect import first_line
from bench.harness.gateway_process import gateway_proxy, process_gateway_container
from bench.harness.gateway_proxy import GatewayObserver
from bench.harness.instrumented import InstrumentedCalls
from bench.harness.metadata import MetadataObserver
from bench.harness.operations import Operations
from bench.harness.target import resolve_target, sync_client
from bench.harness.workload import OperationSpec, Workload

log = logging.getLogger(__name__)
IN_FLIGHT_GRACE_S = 65.0  # beyond the SDK's default 30 s of 429 retries and 60 s timeouts

_containers: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_containers_lock = threading.Lock()  # a gevent lock once Locust has monkey-patched
_user_numbers = itertools.count()


def process_container(host: str | None, workload: Workload, events: Events) -> Any:
    """This process's ContainerProxy for the workload's container (one client per process);
    the SDK's own requests through it become metadata rows (bench.harness.metadata)."""
    return process_database_and_container(host, workload, events)[1]


def process_database_and_container(
    host: str | None, workload: Workload, events: Events
) -> tuple[Any, Any]:
    """This process's DatabaseProxy and ContainerProxy (one client per process)."""
    spec = workload.container
    key = (host or "", spec.database, spec.container)
    with _containers_lock:
        if key not in _containers:
            hooks = MetadataObserver(events).client_hooks()
            client = sync_client(resolve_target(host or "emulator"), **hooks)
            database = client.get_database_client(spec.database)
            container = database.get_container_client(spec.container)
            container.read()  # fail early (and once) when the container has not been seeded
            _containers[key] = (database, container)
        return _containers[key]


class CosmosUser(User):
    """A user with an SDK container and the workload's operations; subclass it or use
    `workload_user()`. Set `workload` on the subclass."""

    abstract = True
    workload: ClassVar[Workload]
    wait_time = constant(0)
    operations: Operations
    observer_class: type[AttemptObserver] = AttemptObserver  # what sees a call's attempts

    def operations_container(self) -> Any:
        """What the operations call: the SDK's ContainerProxy of this process."""
        return process_container(self.host, self.workload, self.environment.events)

    def stop(self, force: bool = False) -> bool:
        """Locust kills a user mid-call when it stops without waiting (`--stop-timeout 0`,
        Ctrl-C): the service still charges that call. Let it finish and be recorded."""
        calls = self.operations.calls if hasattr(self, "operations") else None
        waits = force and calls is not None and self.greenlet is not gevent.getcurrent()
        if waits and not calls.close(IN_FLIGHT_GRACE_S):
            log.warning(
                "rubench: a call still in flight after %.0f s was cut off; it is recorded "
                "as interrupted with the attempts seen so far, and the service may have "
                "charged more for its last attempt",
                IN_FLIGHT_GRACE_S,
            )
        return super().stop(force)

    def on_start(self) -> None:
        try:
            container = self.operations_container()
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
            InstrumentedCalls(self.environment.events, observer_class=self.observer_class),
            random.Random(tag),
            tag=tag,
        )


class FastCosmosUser(CosmosUser):
    """A CosmosUser whose operations run through the gateway client; queries that need
    merging on the client through the SDK (bench.harness.fallback names them)."""

    abstract = True
    observer_class: type[AttemptObserver] = GatewayObserver

    def operations_container(self) -> Any:
        events = self.environment.events
        items = process_gateway_container(self.host, self.workload, events)  # its errors first
        sdk_container = process_container(self.host, self.workload, events)
        return gateway_proxy(items, sdk_container, self.workload, events)


def operation_task(spec: OperationSpec) -> Callable[[CosmosUser], None]:
    def task(user: CosmosUser) -> None:
        user.operations.run(spec)

    task.__name__ = spec.name
    return task


def workload_user(
    workload: Workload, *, name: str = "WorkloadUser", wait_time: Any = None
) -> type[CosmosUser]:
    """A concrete CosmosUser whose tasks are the workload's operations, weighted; through
    the gateway client when the workload says `client = "fast"`."""
    base = FastCosmosUser if workload.client == "fast" else CosmosUser
    tasks = {
        operation_task(spec): spec.weight for spec in workload.operations.values() if spec.weight
    }
    attributes: dict[str, Any] = {"workload": workload, "tasks": tasks, "__module__": __name__}
    if wait_time is not None:
        attributes["wait_time"] = wait_time
    return type(name, (base,), attributes)
