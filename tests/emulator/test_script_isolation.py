"""What one script execution may not do to another, or to the rest of the emulator: change
the globals a later script sees, stall requests elsewhere while it runs, or let a request on
its partition see writes it has not committed."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos import exceptions as errors

from bench.emulator import LocalEmulator
from bench.emulator.auth import master_key_header
from bench.emulator.errors import CosmosError
from bench.emulator.gateway import resource_type_and_link
from bench.emulator.scripts import engine

HOSTILE = """
function hostile() {
    getContext = function () { throw new Error("hijacked getContext"); };
    JSON.stringify = function () { return "hijacked"; };
    Array.prototype.push = function () { throw new Error("hijacked push"); };
    Object.prototype.polluted = "yes";
    console.log = function () {};
    __queue = function () { return false; };
    __Message = function () { return {setBody: function () {}}; };
    __error = function () { return new Error("hijacked error"); };
    __udf = function () { return {value: "hijacked"}; };
}"""

NORMAL = """
function normal(x) {
    var collection = getContext().getCollection();
    console.log("got %s", x);
    var seen = [];
    seen.push(JSON.stringify({a: x}));
    collection.createDocument(collection.getSelfLink(), {id: "n-" + x, pk: "p1"},
        function (err, doc) {
            if (err) throw err;
            getContext().getResponse().setBody(
                {seen: seen, polluted: ({}).polluted === undefined ? "no" : "yes", id: doc.id});
        });
}"""

COUNTER_UDF = """
function () {
    counter = (typeof counter === "number" ? counter : 0) + 1;
    Object.prototype.polluted = true;
    return counter;
}"""

# Busy for `ms` milliseconds in V8, after creating `made` (the create runs in the first round,
# so it is written, uncommitted, while the loop runs); then throws if asked to.
CREATE_THEN_SPIN = """
function spin(ms, fail) {
    var collection = getContext().getCollection();
    collection.createDocument(collection.getSelfLink(), {id: "made", pk: "p1"}, function (err) {
        if (err) throw err;
        var end = Date.now() + ms;
        while (Date.now() < end) {}
        if (fail) throw new Error("rolled back");
        getContext().getResponse().setBody("done");
    });
}"""
SPIN_MS = 3000  # below the 4 s after which the service stops accepting operations


def test_a_hostile_procedure_changes_nothing_for_the_next_one(container: ContainerProxy) -> None:
    scripts = container.scripts
    scripts.create_stored_procedure({"id": "hostile", "body": HOSTILE})
    scripts.create_stored_procedure({"id": "normal", "body": NORMAL})
    scripts.execute_stored_procedure("hostile", partition_key="p1")
    result = scripts.execute_stored_procedure(
        "normal", partition_key="p1", params=[1], enable_script_logging=True
    )
    assert result == {"seen": ['{"a":1}'], "polluted": "no", "id": "n-1"}
    log = scripts.client_connection.last_response_headers["x-ms-documentdb-script-log-results"]
    assert unquote(log) == "got 1"
    assert container.read_item("n-1", "p1")["pk"] == "p1"


def test_a_hostile_trigger_changes_nothing_for_the_next_write(container: ContainerProxy) -> None:
    stamp = "function () { var r = getContext().getRequest(); var b = r.getBody(); "
    stamp += "b.stamped = JSON.stringify([1]); r.setBody(b); }"
    for name, body in (("hostile", HOSTILE), ("stamp", stamp)):
        trigger = {"id": name, "body": body, "triggerType": "Pre", "triggerOperation": "All"}
        container.scripts.create_trigger(trigger)
    container.create_item({"id": "a", "pk": "p1"}, pre_trigger_include="hostile")
    created = container.create_item({"id": "b", "pk": "p1"}, pre_trigger_include="stamp")
    assert created["stamped"] == "[1]"


def test_udf_globals_last_one_query(container: ContainerProxy) -> None:
    container.scripts.create_user_defined_function({"id": "count", "body": COUNTER_UDF})
    for number in range(3):
        container.create_item({"id": f"d{number}", "pk": "p1"})
    sql = "SELECT VALUE udf.count() FROM c"
    first = list(container.query_items(sql, partition_key="p1"))
    second = list(container.query_items(sql, partition_key="p1"))
    assert first == second == [1, 2, 3]
    container.scripts.create_stored_procedure({"id": "normal", "body": NORMAL})
    result = container.scripts.execute_stored_procedure("normal", partition_key="p1", params=[2])
    assert result["polluted"] == "no"


def _in_thread(
    work: Callable[[], object], outcomes: dict[str, object], name: str
) -> threading.Thread:
    def run() -> None:
        try:
            outcomes[name] = work()
        except errors.CosmosHttpResponseError as error:
            outcomes[name] = error
        outcomes.setdefault("order", []).append(name)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_running_procedure_does_not_stall_other_containers(
    emulator: LocalEmulator, database: DatabaseProxy
) -> None:
    busy = database.create_container("busy", PartitionKey("/pk"))
    other = database.create_container("other", PartitionKey("/pk"))
    other.create_item({"id": "x", "pk": "q"})
    busy.scripts.create_stored_procedure({"id": "spin", "body": CREATE_THEN_SPIN})
    # Its own client: the SDK's connection pool is not shared across threads here.
    spinner = CosmosClient(emulator.endpoint, emulator.key)
    scripts = spinner.get_database_client(database.id).get_container_client("busy").scripts
    outcomes: dict[str, object] = {}
    procedure = _in_thread(
        lambda: scripts.execute_stored_procedure("spin", partition_key="p1", params=[SPIN_MS]),
        outcomes,
        "procedure",
    )
    time.sleep(0.5)  # let the procedure reach its busy loop (not an assertion)
    _in_thread(lambda: other.read_item("x", "q")["id"], outcomes, "read").join()
    procedure.join()
    assert outcomes["procedure"] == "done"
    assert outcomes["read"] == "x"
    assert outcomes["order"] == ["read", "procedure"]


@pytest.mark.parametrize("fail", [True, False])
def test_requests_on_its_partition_never_see_uncommitted_writes(
    emulator: LocalEmulator, database: DatabaseProxy, container: ContainerProxy, fail: bool
) -> None:
    container.scripts.create_stored_procedure({"id": "spin", "body": CREATE_THEN_SPIN})
    spinner = CosmosClient(emulator.endpoint, emulator.key)
    scripts = spinner.get_database_client(database.id).get_container_client(container.id).scripts
    outcomes: dict[str, object] = {}
    procedure = _in_thread(
        lambda: scripts.execute_stored_procedure("spin", partition_key="p1", params=[1500, fail]),
        outcomes,
        "procedure",
    )
    time.sleep(0.5)
    reader = _in_thread(lambda: container.read_item("made", "p1")["id"], outcomes, "read")
    rows = list(container.query_items("SELECT VALUE c.id FROM c", partition_key="p1"))
    reader.join()
    procedure.join()
    # Before, during (it waits) or after the procedure: only committed states are seen.
    if fail:
        assert isinstance(outcomes["procedure"], errors.CosmosHttpResponseError)
        assert isinstance(outcomes["read"], errors.CosmosResourceNotFoundError)
        assert rows == []
    else:
        assert outcomes["procedure"] == "done"
        read = outcomes["read"]
        assert read == "made" or isinstance(read, errors.CosmosResourceNotFoundError)
        assert rows in ([], ["made"])
    assert list(container.query_items("SELECT VALUE c.id FROM c", partition_key="p1")) == (
        [] if fail else ["made"]
    )


def _hang_up_after_sending(emulator: LocalEmulator, path: str, body: bytes, pk: str) -> None:
    """Send a signed POST and close the connection without reading the answer."""
    date = formatdate(usegmt=True)
    resource_type, link = resource_type_and_link(path.split("/"))
    authorization = master_key_header(emulator.key, "POST", resource_type, link, date)
    host, port = urlsplit(emulator.endpoint).hostname, urlsplit(emulator.endpoint).port
    request = (
        f"POST /{path} HTTP/1.1\r\nHost: {host}:{port}\r\nx-ms-date: {date}\r\n"
        f"x-ms-version: 2020-07-15\r\nauthorization: {authorization}\r\n"
        f"x-ms-documentdb-partitionkey: {json.dumps([pk])}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, port)) as connection:
        connection.sendall(request)


SPIN_THEN_CREATE = """
function spinThenCreate(ms) {
    var collection = getContext().getCollection();
    collection.createDocument(collection.getSelfLink(), {id: "before", pk: "p1"}, function (err) {
        if (err) throw err;
        var end = Date.now() + ms;
        while (Date.now() < end) {}
        collection.createDocument(collection.getSelfLink(), {id: "after", pk: "p1"});
    });
}"""


def test_a_client_hanging_up_does_not_cut_a_procedure_short(
    emulator: LocalEmulator, database: DatabaseProxy, container: ContainerProxy
) -> None:
    container.scripts.create_stored_procedure({"id": "spin", "body": SPIN_THEN_CREATE})
    path = f"dbs/{database.id}/colls/{container.id}/sprocs/spin"
    _hang_up_after_sending(emulator, path, b"[1000]", "p1")
    waited_until = time.monotonic() + 60  # a bound for a loaded machine, not a speed check
    while time.monotonic() < waited_until:
        try:
            container.read_item("after", "p1")  # waits while the procedure holds the partition
            break
        except errors.CosmosResourceNotFoundError:
            time.sleep(0.1)
    ids = list(container.query_items("SELECT VALUE c.id FROM c", partition_key="p1"))
    assert sorted(ids) == ["after", "before"]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_contexts_stopped_at_their_time_limit_are_closed_only_once_settled() -> None:
    """Closing a context while V8 winds down a stopped call crashed mini-racer (or, at best,
    raised "Event loop is closed" in its callback)."""
    forever = engine.Script("function () { while (true) {} }")
    answer = engine.Script("function () { getContext().getResponse().setBody(1); }")
    links = {"self_link": "dbs/d/colls/c/", "alt_link": "dbs/d/colls/c"}
    for _ in range(20):
        with pytest.raises(CosmosError) as raised:
            engine.run(forever, lambda request: {}, time_limit=0.05, **links)
        assert raised.value.status == 408
        assert engine.run(answer, lambda request: {}, **links).response_body == 1
    time.sleep(1)  # let the helper retire the last ones (before the test ends)
