"""Stored procedures, triggers and UDFs through the sync SDK: resource CRUD and execution
in embedded V8, on one logical partition, all or nothing, with the script log and charges."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from azure.cosmos import ContainerProxy
from azure.cosmos import exceptions as errors

CREATE_MANY_THEN_THROW = """
function createMany(prefix, count) {
    var collection = getContext().getCollection();
    for (var i = 0; i < count; i++) {
        var accepted = collection.createDocument(collection.getSelfLink(),
            {id: prefix + i, pk: "p1", n: i});
        if (!accepted) throw new Error("not accepted at " + i);
    }
    collection.readDocuments(collection.getSelfLink(), {}, function (err, docs) {
        if (err) throw err;
        throw new Error("created " + docs.length + ", now failing");
    });
}
"""

BULK_CREATE = """
function bulk(docs) {
    var collection = getContext().getCollection();
    var created = 0;
    docs.forEach(function (doc) {
        collection.createDocument(collection.getSelfLink(), doc, {}, function (err) {
            if (err) throw err;
            created++;
            getContext().getResponse().setBody(created);
        });
    });
}
"""


def _last_headers(container: ContainerProxy) -> dict[str, str]:
    return container.scripts.client_connection.last_response_headers


def test_procedure_that_creates_100_documents_then_throws_commits_nothing(
    container: ContainerProxy,
) -> None:
    container.scripts.create_stored_procedure({"id": "many", "body": CREATE_MANY_THEN_THROW})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure("many", partition_key="p1", params=["d", 100])
    assert raised.value.status_code == 400
    assert "created 100, now failing" in raised.value.message
    assert list(container.query_items("SELECT * FROM c", partition_key="p1")) == []
    # The 100 creates ran before the rollback, so they are charged.
    assert float(raised.value.headers["x-ms-request-charge"]) > 100 * 5


def test_procedure_commits_its_writes_and_charges_their_sum(container: ContainerProxy) -> None:
    container.scripts.create_stored_procedure({"id": "bulk", "body": BULK_CREATE})
    docs = [{"id": f"d{i}", "pk": "p1"} for i in range(10)]
    assert (
        container.scripts.execute_stored_procedure("bulk", partition_key="p1", params=[docs]) == 10
    )
    charge = float(_last_headers(container)["x-ms-request-charge"])
    one_create = container.create_item({"id": "probe", "pk": "p1"})
    single = float(container.client_connection.last_response_headers["x-ms-request-charge"])
    assert one_create["id"] == "probe"
    assert charge == pytest.approx(10 * single + 1.0, abs=0.2)
    assert len(list(container.query_items("SELECT * FROM c", partition_key="p1"))) == 11


def test_procedure_is_scoped_to_its_partition_key(container: ContainerProxy) -> None:
    container.scripts.create_stored_procedure({"id": "bulk", "body": BULK_CREATE})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure(
            "bulk", partition_key="p2", params=[[{"id": "x", "pk": "p1"}]]
        )
    assert raised.value.status_code == 400


def test_query_read_replace_delete_and_continuation_inside_a_procedure(
    container: ContainerProxy,
) -> None:
    for i in range(3):
        container.create_item({"id": f"d{i}", "pk": "p1", "n": i})
    container.create_item({"id": "other", "pk": "p2", "n": 50})
    body = """
    function touch(minimum) {
        var c = getContext().getCollection();
        c.queryDocuments(c.getSelfLink(),
            {query: "SELECT * FROM c WHERE c.n >= @m", parameters: [{name: "@m", value: minimum}]},
            {}, function (err, docs, options) {
                if (err) throw err;
                docs.forEach(function (d) {
                    d.touched = true;
                    c.replaceDocument(d._self, d, function (e) { if (e) throw e; });
                });
                c.deleteDocument(c.getAltLink() + "/docs/d0", {}, function (e) { if (e) throw e; });
                c.readDocument(c.getAltLink() + "/docs/d2", {}, function (e, doc) {
                    getContext().getResponse().setBody(
                        {seen: docs.length, continuation: options.continuation || null});
                });
            });
    }"""
    container.scripts.create_stored_procedure({"id": "touch", "body": body})
    result = container.scripts.execute_stored_procedure("touch", partition_key="p1", params=[1])
    assert result == {"seen": 2, "continuation": None}
    remaining = {
        d["id"]: d.get("touched")
        for d in container.query_items("SELECT * FROM c", partition_key="p1")
    }
    assert remaining == {"d1": True, "d2": True}
    assert "touched" not in container.read_item("other", "p2")


def test_filter_and_map_chain(container: ContainerProxy) -> None:
    for i in range(5):
        container.create_item({"id": f"d{i}", "pk": "p1", "n": i})
    body = """
    function evens() {
        __.chain().filter(function (d) { return d.n % 2 === 0; })
            .map(function (d) { return d.n; }).sortByDescending(function (n) { return n; })
            .value({}, function (err, values) { getContext().getResponse().setBody(values); });
    }"""
    container.scripts.create_stored_procedure({"id": "evens", "body": body})
    assert container.scripts.execute_stored_procedure("evens", partition_key="p1") == [4, 2, 0]


def test_query_shortcuts_answer_isaccepted_and_apply_with_callback_first(
    container: ContainerProxy,
) -> None:
    # As the server-side API documents: `__.filter(pred, callback)` returns a
    # QueryResponse with `isAccepted`, and `value(callback)` takes the callback first.
    for i in range(5):
        container.create_item({"id": f"d{i}", "pk": "p1", "n": i})
    body = """
    function shortcuts() {
        var ids = {};
        var result = __.filter(function (d) { return d.n < 2; }, function (err, docs) {
            if (err) throw err;
            ids.low = docs.map(function (d) { return d.id; });
            __.chain().filter(function (d) { return d.n >= 3; }).pluck("id")
                .value(function (err, high) {
                    if (err) throw err;
                    ids.high = high;
                    getContext().getResponse().setBody(ids);
                });
        });
        if (!result.isAccepted) throw new Error("the call was not accepted");
        __.response.setBody("pending");
    }"""
    container.scripts.create_stored_procedure({"id": "shortcuts", "body": body})
    assert container.scripts.execute_stored_procedure("shortcuts", partition_key="p1") == {
        "low": ["d0", "d1"],
        "high": ["d3", "d4"],
    }


def test_create_without_id_gets_a_generated_one_unless_disabled(
    container: ContainerProxy,
) -> None:
    body = """
    function noId(disable) {
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), {pk: "p1", n: 1},
            {disableAutomaticIdGeneration: disable}, function (err, doc) {
                if (err) throw err;
                getContext().getResponse().setBody(doc.id);
            });
    }"""
    container.scripts.create_stored_procedure({"id": "noId", "body": body})
    generated = container.scripts.execute_stored_procedure(
        "noId", partition_key="p1", params=[False]
    )
    assert isinstance(generated, str) and len(generated) == 36
    assert container.read_item(generated, "p1")["n"] == 1
    with pytest.raises(errors.CosmosHttpResponseError) as refused:
        container.scripts.execute_stored_procedure("noId", partition_key="p1", params=[True])
    assert refused.value.status_code == 400
    assert len(list(container.query_items("SELECT * FROM c", partition_key="p1"))) == 1


def test_script_log_only_when_asked(container: ContainerProxy) -> None:
    body = "function () { console.log('n is %s', 42); getContext().getResponse().setBody('ok'); }"
    container.scripts.create_stored_procedure({"id": "logs", "body": body})
    assert container.scripts.execute_stored_procedure("logs", partition_key="p1") == "ok"
    assert "x-ms-documentdb-script-log-results" not in _last_headers(container)
    container.scripts.execute_stored_procedure(
        "logs", partition_key="p1", enable_script_logging=True
    )
    assert unquote(_last_headers(container)["x-ms-documentdb-script-log-results"]) == "n is 42"


def test_procedure_running_too_long_is_stopped_and_rolled_back(container: ContainerProxy) -> None:
    body = """
    function () {
        var c = getContext().getCollection();
        c.createDocument(c.getSelfLink(), {id: "a", pk: "p1"}, {}, function () { while (true) {} });
    }"""
    container.scripts.create_stored_procedure({"id": "forever", "body": body})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure("forever", partition_key="p1")
    assert raised.value.status_code == 408
    assert list(container.query_items("SELECT * FROM c", partition_key="p1")) == []


STAMP = """
function stamp() {
    var request = getContext().getRequest();
    var item = request.getBody();
    item.stamped = request.getOperationType();
    request.setBody(item);
}"""

AUDIT_THEN_MAYBE_FAIL = """
function audit() {
    var c = getContext().getCollection();
    var written = getContext().getResponse().getBody();
    c.createDocument(c.getSelfLink(), {id: "audit-" + written.id, pk: written.pk}, {},
        function (err) {
            if (err) throw err;
            if (written.fail) throw new Error("refused " + written.id);
        });
}"""


def test_pre_trigger_rewrites_the_request_body(container: ContainerProxy) -> None:
    container.scripts.create_trigger(
        {"id": "stamp", "body": STAMP, "triggerType": "Pre", "triggerOperation": "All"}
    )
    created = container.create_item({"id": "a", "pk": "p1"}, pre_trigger_include="stamp")
    assert created["stamped"] == "Create"
    replaced = container.replace_item("a", {"id": "a", "pk": "p1"}, pre_trigger_include="stamp")
    assert replaced["stamped"] == "Replace"
    assert "stamped" not in container.upsert_item({"id": "b", "pk": "p1"})


def test_post_trigger_shares_the_write_transaction(container: ContainerProxy) -> None:
    container.scripts.create_trigger(
        {
            "id": "audit",
            "body": AUDIT_THEN_MAYBE_FAIL,
            "triggerType": "Post",
            "triggerOperation": "Create",
        }
    )
    container.create_item({"id": "ok", "pk": "p1"}, post_trigger_include="audit")
    assert container.read_item("audit-ok", "p1")["pk"] == "p1"
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item({"id": "bad", "pk": "p1", "fail": True}, post_trigger_include="audit")
    assert "refused bad" in raised.value.message
    ids = {d["id"] for d in container.query_items("SELECT c.id FROM c", partition_key="p1")}
    assert ids == {"ok", "audit-ok"}


def test_trigger_of_another_operation_or_type_is_refused(container: ContainerProxy) -> None:
    container.scripts.create_trigger(
        {
            "id": "on-delete",
            "body": "function () {}",
            "triggerType": "Post",
            "triggerOperation": "Delete",
        }
    )
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item({"id": "a", "pk": "p1"}, post_trigger_include="on-delete")
    assert raised.value.status_code == 400
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.create_item({"id": "a", "pk": "p1"}, pre_trigger_include="on-delete")
    assert raised.value.status_code == 400
    assert list(container.query_items("SELECT * FROM c", partition_key="p1")) == []


def test_script_resources_crud_and_query(container: ContainerProxy) -> None:
    scripts = container.scripts
    scripts.create_stored_procedure({"id": "s", "body": "function () {}"})
    scripts.create_trigger(
        {"id": "t", "body": "function () {}", "triggerType": "Pre", "triggerOperation": "All"}
    )
    scripts.create_user_defined_function({"id": "u", "body": "function (x) { return x; }"})
    with pytest.raises(errors.CosmosResourceExistsError):
        scripts.create_stored_procedure({"id": "s", "body": "function () {}"})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        scripts.create_trigger({"id": "bad", "body": "function () {}", "triggerType": "Sometimes"})
    assert raised.value.status_code == 400 and "triggerType" in raised.value.message
    assert [s["id"] for s in scripts.list_stored_procedures()] == ["s"]
    found = scripts.query_triggers(
        "SELECT * FROM r WHERE r.id = @id", parameters=[{"name": "@id", "value": "t"}]
    )
    assert [t["triggerType"] for t in found] == ["Pre"]
    replaced = scripts.replace_user_defined_function(
        "u", {"id": "u", "body": "function (x) { return 2 * x; }"}
    )
    assert scripts.get_user_defined_function("u")["body"] == replaced["body"]
    scripts.delete_stored_procedure("s")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        scripts.get_stored_procedure("s")


def test_udf_in_a_query(container: ContainerProxy) -> None:
    for i in range(4):
        container.create_item({"id": f"d{i}", "pk": f"p{i % 2}", "price": 10 * i})
    container.scripts.create_user_defined_function(
        {"id": "tax", "body": "function (price) { return price * 1.5; }"}
    )
    rows = container.query_items(
        "SELECT c.id, udf.tax(c.price) AS gross FROM c WHERE udf.tax(c.price) > 20",
        enable_cross_partition_query=True,
    )
    assert sorted((r["id"], r["gross"]) for r in rows) == [("d2", 30), ("d3", 45)]
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        list(container.query_items("SELECT udf.nope(c.price) FROM c", partition_key="empty"))
    assert raised.value.status_code == 400 and "udf.nope" in raised.value.message


@pytest.mark.parametrize(
    "body",
    [
        # A lone surrogate in a document, an id, the response body or the error text.
        "function () { var c = getContext().getCollection();"
        " c.createDocument(c.getSelfLink(), {id: 's', pk: 'p1', v: '\\ud800'}); }",
        "function () { var c = getContext().getCollection();"
        " c.createDocument(c.getSelfLink(), {id: '\\ud800', pk: 'p1'}); }",
        "function () { getContext().getResponse().setBody('\\udc00'); }",
        "function () { throw new Error('\\ud800'); }",
        # A status a script picks is a client error at most.
        "function () { var e = new Error('x'); e.number = 500; throw e; }",
        # Deeper than the service's 128 levels, as the same document from a client.
        "function () { var o = {id: 'deep', pk: 'p1'}, p = o;"
        " for (var i = 0; i < 200; i++) { p.a = {}; p = p.a; }"
        " var c = getContext().getCollection(); c.createDocument(c.getSelfLink(), o); }",
    ],
)
def test_what_json_cannot_carry_is_a_400_and_nothing_is_written(
    container: ContainerProxy, body: str
) -> None:
    container.scripts.create_stored_procedure({"id": "bad", "body": body})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure("bad", partition_key="p1")
    assert raised.value.status_code == 400
    assert list(container.query_items("SELECT * FROM c", partition_key="p1")) == []


def test_lone_surrogates_in_the_log_and_a_udf_result(container: ContainerProxy) -> None:
    body = "function () { console.log('a\\ud800b'); getContext().getResponse().setBody(1); }"
    container.scripts.create_stored_procedure({"id": "log", "body": body})
    container.scripts.execute_stored_procedure(
        "log", partition_key="p1", enable_script_logging=True
    )
    log = _last_headers(container)["x-ms-documentdb-script-log-results"]
    assert unquote(log) == "a\ufffdb"
    container.create_item({"id": "d", "pk": "p1"})
    container.scripts.create_user_defined_function(
        {"id": "lone", "body": "function () { return '\\ud800'; }"}
    )
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        list(container.query_items("SELECT VALUE udf.lone() FROM c", partition_key="p1"))
    assert raised.value.status_code == 400


FILL_RESPONSE = """
function fill(chunkSize, catchIt) {
    var response = getContext().getResponse();
    var chunk = new Array(chunkSize + 1).join("x");
    var appended = 0;
    try {
        while (true) { response.appendBody(chunk); appended++; }
    } catch (e) {
        if (!catchIt || e.number !== 413) throw e;
    }
    response.setBody(appended);
}"""


def test_response_body_past_2_mb_is_a_413_the_script_can_catch(container: ContainerProxy) -> None:
    container.scripts.create_stored_procedure({"id": "fill", "body": FILL_RESPONSE})
    # Caught, as the service's runtime lets a script do: it returns what fitted.
    fitted = container.scripts.execute_stored_procedure(
        "fill", partition_key="p1", params=[100_000, True]
    )
    assert fitted == 2 * 1024 * 1024 // 100_000
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure(
            "fill", partition_key="p1", params=[100_000, False]
        )
    assert raised.value.status_code == 413
    assert "resulting message would be too large" in raised.value.message


def test_a_response_body_that_defeated_the_runtime_check_is_still_a_413(
    container: ContainerProxy,
) -> None:
    cheat = """function () {
        var big = [];
        for (var i = 0; i < 60000; i++) big.push("abcdefghijklmnopqrstuvwxyz0123456789");
        var real = JSON.stringify;
        JSON.stringify = function (value) {
            return value === big ? "[]" : real.apply(JSON, arguments);
        };
        getContext().getResponse().setBody(big);
    }"""
    container.scripts.create_stored_procedure({"id": "cheat", "body": cheat})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure("cheat", partition_key="p1")
    assert raised.value.status_code == 413


def test_a_script_that_breaks_the_runtime_fails_as_a_bad_request(
    container: ContainerProxy,
) -> None:
    scripts = container.scripts
    # What the outcome travels through was captured before the script ran.
    body = """function () {
        JSON.stringify = function () { return "not json"; };
        Function.prototype.apply = function () { return "hijacked"; };
        getContext().getResponse().setBody({a: 1});
    }"""
    scripts.create_stored_procedure({"id": "unharmed", "body": body})
    assert scripts.execute_stored_procedure("unharmed", partition_key="p1") == {"a": 1}
    scripts.create_stored_procedure({"id": "breaker", "body": "function () { __state.log = 5; }"})
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        scripts.execute_stored_procedure("breaker", partition_key="p1")
    assert raised.value.status_code == 400
    assert "replaced a built-in" in raised.value.message


def test_parameters_past_2_mb_are_a_413_and_nothing_runs(container: ContainerProxy) -> None:
    container.scripts.create_stored_procedure({"id": "bulk", "body": BULK_CREATE})
    docs = [{"id": f"d{i}", "pk": "p1", "pad": "x" * 1000} for i in range(2100)]
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure("bulk", partition_key="p1", params=[docs])
    assert raised.value.status_code == 413
    assert list(container.query_items("SELECT * FROM c", partition_key="p1")) == []
    assert (
        container.scripts.execute_stored_procedure("bulk", partition_key="p1", params=[docs[:10]])
        == 10
    )


def test_patch_naming_triggers_is_refused_not_run_without_them(container: ContainerProxy) -> None:
    container.scripts.create_trigger(
        {"id": "stamp", "body": STAMP, "triggerType": "Pre", "triggerOperation": "All"}
    )
    container.create_item({"id": "a", "pk": "p1", "n": 1})
    operations = [{"op": "set", "path": "/n", "value": 2}]
    for include in ({"pre_trigger_include": "stamp"}, {"post_trigger_include": "stamp"}):
        with pytest.raises(errors.CosmosHttpResponseError) as raised:
            container.patch_item("a", "p1", operations, **include)
        assert raised.value.status_code == 400
        assert "not on patch" in raised.value.message
    assert container.read_item("a", "p1")["n"] == 1
    assert container.patch_item("a", "p1", operations)["n"] == 2
