"""Stored procedures, triggers and UDFs: create/read/replace/delete/list/query of the
resources under `.../colls/{c}/sprocs|triggers|udfs`, and executing a stored procedure
(`POST .../sprocs/{id}`) on the logical partition its partition key names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import bench.emulator.costs as costs
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply, dumps
from bench.emulator.resources import check_resource_id
from bench.emulator.routes.common import metadata_reply
from bench.emulator.routes.items import header_key
from bench.emulator.routes.resource_feeds import is_query, query_resources, resource_feed
from bench.emulator.scripts import engine as scripts_engine
from bench.emulator.scripts.host import Host
from bench.emulator.scripts.registry import Kind
from bench.emulator.storage import Container

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

ENABLE_LOGGING = "x-ms-documentdb-script-enable-logging"
LOG_RESULTS = "x-ms-documentdb-script-log-results"
_OPERATION_NAMES = {
    Kind.SPROC: "StoredProcedure",
    Kind.TRIGGER: "Trigger",
    Kind.UDF: "UserDefinedFunction",
}


def _container(gateway: Gateway, call: Call) -> Container:
    return gateway.account.container(call.segments[1], call.segments[3])


def _kind(call: Call) -> Kind:
    return Kind(call.segments[4])


def _answer(gateway: Gateway, call: Call, verb: str, status: int, resource: Any) -> Reply:
    container = _container(gateway, call)
    operation = f"{verb}{_OPERATION_NAMES[_kind(call)]}"
    return metadata_reply(gateway, operation, status, resource, container=container.name_link)


def create_or_query(gateway: Gateway, call: Call) -> Reply:
    """`POST .../sprocs|triggers|udfs`: a query (query headers) or a create."""
    kind = _kind(call)
    container = _container(gateway, call)
    if is_query(call):
        results = query_resources(call, container.scripts.all(kind))
        operation = f"Query{_OPERATION_NAMES[kind]}s"
        return resource_feed(
            gateway,
            call,
            operation,
            kind.feed_key,
            container.rid,
            results,
            container=container.name_link,
        )
    body = call.json_object()
    check_resource_id(body)
    created = container.scripts.create(kind, body)
    return _answer(gateway, call, "Create", 201, created)


def list_all(gateway: Gateway, call: Call) -> Reply:
    kind = _kind(call)
    container = _container(gateway, call)
    operation = f"Read{_OPERATION_NAMES[kind]}Feed"
    return resource_feed(
        gateway,
        call,
        operation,
        kind.feed_key,
        container.rid,
        container.scripts.all(kind),
        container=container.name_link,
    )


def read(gateway: Gateway, call: Call) -> Reply:
    found = _container(gateway, call).scripts.get(_kind(call), call.segments[5])
    return _answer(gateway, call, "Read", 200, found)


def replace(gateway: Gateway, call: Call) -> Reply:
    body = call.json_object()
    replaced = _container(gateway, call).scripts.replace(_kind(call), call.segments[5], body)
    return _answer(gateway, call, "Replace", 200, replaced)


def delete(gateway: Gateway, call: Call) -> Reply:
    _container(gateway, call).scripts.delete(_kind(call), call.segments[5])
    return _answer(gateway, call, "Delete", 204, None)


def execute(gateway: Gateway, call: Call) -> Reply:
    """Run the stored procedure on the partition key's logical partition, all or nothing.

    A failed execution is still charged for the operations it performed before
    failing (they ran, then were rolled back), as the service charges them.
    """
    container = _container(gateway, call)
    procedure = container.scripts.get(Kind.SPROC, call.segments[5])
    pk = header_key(call, container)
    if pk is None:
        raise CosmosError(400, "PartitionKey value must be supplied to execute a stored procedure.")
    args = call.json() if call.body.strip() else []
    at = container.place(pk)

    def work() -> Reply:
        host = Host(at, call.now, strong=call.strong)
        script = scripts_engine.Script(
            procedure["body"], args if isinstance(args, list) else [args]
        )
        try:
            execution = scripts_engine.run(
                script, host.perform, self_link=container.self_link, alt_link=container.name_link
            )
        except CosmosError as error:
            host.rollback()
            headers = {"content-type": "application/json", "x-ms-substatus": str(error.substatus)}
            return Reply(
                error.status, dumps(error.body()), headers, costs.script_charge(host.charge)
            )
        headers = {}
        if call.flag(ENABLE_LOGGING):
            headers[LOG_RESULTS] = quote("\n".join(execution.log))
        body = b"" if execution.response_body is None else dumps(execution.response_body)
        return Reply(200, body, headers, costs.script_charge(host.charge))

    return gateway.on_partitions(call, container, [at.partition], "ExecuteStoredProcedure", work)
