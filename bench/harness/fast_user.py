"""`FastCosmosUser`: the workload's operations through rubench's gateway client, the
choice `client = "fast"` makes; what Locust's `FastHttpUser` is to its `HttpUser`.

It records the same rows as `CosmosUser` (the SDK): every kind goes through
`GatewayProxy`, which gives `Operations` the SDK's interface. One gateway client per
process, built after Locust forks, shared by the process's users; the SDK's container is
kept too, for queries that need merging on the client (they fall back to it, see
`bench.harness.fallback`)::

    FastUser = workload_user(workload.model_copy(update={"client": "fast"}))
"""

from __future__ import annotations

import threading
from typing import Any

from locust.event import Events

from bench.gateway_client import GatewayClient, GatewayContainer, Tls
from bench.harness.calls import AttemptObserver
from bench.harness.fallback import SDK_FALLBACK
from bench.harness.gateway_proxy import GatewayObserver, GatewayProxy, MetadataRows
from bench.harness.target import resolve_target
from bench.harness.user import CosmosUser, process_container
from bench.harness.workload import Workload

_gateways: dict[tuple[str, str, str], GatewayContainer] = {}
_gateways_lock = threading.Lock()  # a gevent lock once Locust has monkey-patched


def process_gateway_container(
    host: str | None, workload: Workload, events: Events
) -> GatewayContainer:
    """This process's gateway container (one client per process); its own requests
    (container and partition key range reads) become metadata rows."""
    spec = workload.container
    key = (host or "", spec.database, spec.container)
    with _gateways_lock:
        if key not in _gateways:
            target = resolve_target(host or "emulator")
            connection = target.connection
            tls = Tls(ca_file=connection.ca_file, insecure=connection.insecure)
            client = GatewayClient(target.endpoint, target.credential(), tls=tls)
            client.on_metadata = MetadataRows(events).on_request
            items = GatewayContainer(client, spec.database, spec.container)
            items.properties  # noqa: B018  fail early (and once) when it was not seeded
            _gateways[key] = items
        return _gateways[key]


def query_operations(workload: Workload, query: str) -> list[str]:
    """The names of the workload's query operations with this text."""
    return [
        name for name, spec in workload.operations.items() if getattr(spec, "sql", None) == query
    ]


class FastCosmosUser(CosmosUser):
    """A CosmosUser whose operations run through the gateway client."""

    abstract = True
    observer_class: type[AttemptObserver] = GatewayObserver

    def operations_container(self) -> Any:
        events = self.environment.events
        items = process_gateway_container(self.host, self.workload, events)  # its errors first
        return GatewayProxy(
            items,
            process_container(self.host, self.workload, events),
            on_fallback=lambda query: SDK_FALLBACK.add(*query_operations(self.workload, query)),
            on_metadata_stats=MetadataRows(events).on_stats,
        )
