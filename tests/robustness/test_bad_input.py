"""No 500 for bad input, and nothing written when a request is refused: strict JSON (the
service's 128-level nesting limit), headers checked before any write, batches all or
nothing."""

from __future__ import annotations

import json
import random
import threading

import pytest
from azure.cosmos import ContainerProxy
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

from bench.emulator.jsonin import MAX_NESTING_DEPTH


def _nested(arrays: int) -> str:
    return "[" * arrays + "1" + "]" * arrays


def _document(item_id: str, value: str) -> bytes:
    return f'{{"id": "{item_id}", "pk": "p", "v": {value}}}'.encode()


DOCS = {"x-ms-documentdb-partitionkey": '["p"]', "content-type": "application/json"}
BAD_VALUES = {
    "nan": "NaN",
    "infinity": "-Infinity",
    "overflow": "1e400",
    "lone-surrogate": '"\\ud800"',
    "surrogate-key": '{"\\udc00": 1}',
    "nested-1000": _nested(1000),
    "nested-129": _nested(MAX_NESTING_DEPTH),  # inside the document object: 129 levels
}


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_a_document_the_service_rejects_is_a_400_and_not_stored(
    container: ContainerProxy, send, name: str
):
    status, _, body = send(
        "POST", container.container_link + "/docs", _document(name, BAD_VALUES[name]), DOCS
    )
    assert status == 400, body
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item(name, partition_key="p")


def test_a_document_at_the_nesting_limit_is_stored_and_queryable(container: ContainerProxy, send):
    status, _, body = send(
        "POST",
        container.container_link + "/docs",
        _document("deep", _nested(MAX_NESTING_DEPTH - 1)),
        DOCS,
    )
    assert status == 201, body
    found = container.query_items(
        "SELECT DISTINCT VALUE c.v FROM c ORDER BY c.id", partition_key="p"
    )
    assert len(list(found)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ms-documentdb-partitionkey": _nested(1000)},
        {"x-ms-documentdb-partitionkey": '["\\ud800"]'},
    ],
    ids=["nested-key", "surrogate-key"],
)
def test_a_bad_partition_key_header_is_a_400(container: ContainerProxy, send, headers):
    status, _, body = send("GET", container.container_link + "/docs/x", b"", headers)
    assert status == 400, body


@pytest.mark.parametrize("value", [_nested(1000), "NaN", '"\\udfff"'])
def test_bad_query_parameters_are_a_400(container: ContainerProxy, send, value: str):
    query = (
        '{"query": "SELECT * FROM c WHERE c.v = @v", '
        f'"parameters": [{{"name": "@v", "value": {value}}}]}}'
    )
    status, _, body = send(
        "POST",
        container.container_link + "/docs",
        query.encode(),
        {**DOCS, "x-ms-documentdb-isquery": "true", "content-type": "application/query+json"},
    )
    assert status == 400, body


def test_a_non_ascii_signature_is_a_401(container: ContainerProxy, request_bytes, connect):
    from .conftest import exchange

    data = request_bytes("GET", container.container_link)
    data = data.replace(b"sig%3D", "sig%3D\u00e9".encode(), 1)
    status, _, _ = exchange(connect(), data)
    assert status == 401


def test_an_activity_id_that_cannot_be_echoed_is_refused_before_the_write(
    container: ContainerProxy, request_bytes, connect
):
    from .conftest import exchange

    data = request_bytes(
        "POST",
        container.container_link + "/docs",
        _document("echo", "1"),
        {**DOCS, "x-ms-activity-id": "\udcff"},  # the raw byte 0xff on the wire
    )
    status, headers, _ = exchange(connect(), data)
    assert status == 400
    assert headers["x-ms-activity-id"].isascii()
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item("echo", partition_key="p")


def test_an_indexing_policy_with_a_wrong_type_is_a_400(database, send, new_name):
    body = json.dumps(
        {
            "id": new_name("policy"),
            "partitionKey": {"paths": ["/pk"], "kind": "Hash"},
            "indexingPolicy": {"includedPaths": 5},
        }
    ).encode()
    status, _, answer = send("POST", database.database_link + "/colls", body)
    assert status == 400, answer
    assert b"includedPaths" in answer


def test_a_batch_failing_on_bad_input_commits_nothing(container: ContainerProxy, send):
    operations = (
        b'[{"operationType": "Create", "resourceBody": {"id": "first", "pk": "p"}},'
        b' {"operationType": "Create",'
        b' "resourceBody": {"id": "second", "pk": "p", "s": "\\ud800"}}]'
    )
    headers = {**DOCS, "x-ms-cosmos-is-batch-request": "True", "x-ms-cosmos-batch-atomic": "True"}
    status, _, body = send("POST", container.container_link + "/docs", operations, headers)
    assert status == 400, body
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item("first", partition_key="p")


def test_concurrent_batches_are_each_all_or_nothing(container: ContainerProxy):
    """10 writers, 15 batches each; every third carries a lone surrogate in its second
    operation: refused whole (400), while the others are committed whole."""
    statuses: list[int] = []

    def writer(number: int) -> None:
        for batch in range(15):
            key = f"w{number}-{batch}"
            bad = batch % 3 == 0
            operations = [
                (
                    "create",
                    ({"id": f"{key}-{i}", "pk": key, "s": "\ud800" if bad and i == 1 else "ok"},),
                )
                for i in range(3)
            ]
            try:
                container.execute_item_batch(operations, partition_key=key)
                statuses.append(200)
            except CosmosHttpResponseError as error:
                statuses.append(error.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 400]
    assert statuses.count(400) == 10 * 5
    stored = container.query_items("SELECT VALUE c.id FROM c", enable_cross_partition_query=True)
    assert len(list(stored)) == 10 * 10 * 3


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


VALUES = ["1", "2.5", "null", '"text"']
FRAGMENTS = [
    "NaN",
    "Infinity",
    "1e400",
    '"\\ud800"',
    '"\\udfff"',
    "[" * 200,
    "{",
    "}",
    ",",
    '"',
    "\\",
]


def test_a_fuzz_corpus_of_mutated_documents_never_gets_a_500(container: ContainerProxy, send):
    """Valid documents with fragments spliced in at random places (fixed seed): each is
    stored whole (201) or refused (400), never a server error, and nothing that is not
    JSON is echoed."""
    generator = random.Random(2026)
    valid = '{"id": "f%d", "pk": "p", "a": [1, 2.5, {"b": "text"}], "c": null}'
    statuses = set()
    for number in range(150):
        text = valid % number
        for _ in range(generator.randint(1, 3)):
            fragment = generator.choice(FRAGMENTS)
            if generator.random() < 0.5:  # in place of a value: still well-formed
                text = text.replace(generator.choice(VALUES), fragment, 1)
            else:  # anywhere
                at = generator.randint(0, len(text))
                text = text[:at] + fragment + text[at:]
        status, _, body = send("POST", container.container_link + "/docs", text.encode(), DOCS)
        assert status in (201, 400), (text, body)
        if status == 201:  # what was stored comes back as strict JSON (no NaN, no Infinity)
            json.loads(body.decode("utf-8"), parse_constant=_not_json)
        statuses.add(status)
    assert statuses == {201, 400}
