"""The gateway client of a Locust process, for `FastCosmosUser` (bench.harness.user):
one per process, built after Locust forks, shared by the process's users, its own
requests recorded as metadata rows; and the fallback of a query to the SDK, named::

    items = process_gateway_container(environment.host, workload, environment.events)
    proxy = gateway_proxy(items, sdk_container, workload, environment.events)
"""

from __future__ import annotations

import threading

from locust.event import Events

from bench.gateway_client import GatewayClient, GatewayContainer, Tls
from bench.harness.fallback import SDK_FALLBACK
from bench.harness.gateway_proxy import GatewayProxy, MetadataRows
from bench.harness.target import resolve_target
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


def gateway_proxy(
    items: GatewayContainer, sdk_container: object, workload: Workload, events: Events
) -> GatewayProxy:
    """What a fast user's operations call: `items`, with `sdk_container` for queries that
    need merging on the client (named in SDK_FALLBACK the first time)."""
    return GatewayProxy(
        items,
        sdk_container,
        on_fallback=lambda query: SDK_FALLBACK.add(*query_operations(workload, query)),
        on_metadata_stats=MetadataRows(events).on_stats,
    )
