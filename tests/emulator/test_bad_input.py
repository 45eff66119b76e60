"""Bad input of every kind gets the service's 4xx answer with a JSON `{code, message}`,
never a 500, and changes nothing."""

from __future__ import annotations

import pytest
from azure.cosmos import ContainerProxy

PK = {"x-ms-documentdb-partitionkey": '["a"]'}
QUERY = {"x-ms-documentdb-isquery": "true", "content-type": "application/query+json"}


def _cases(docs: str, database: str) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    container = docs.rsplit("/", 1)[0]
    return [
        ("POST", docs, b'{"id": "1", "pk": "a"}', {"x-ms-documentdb-partitionkey": "["}),
        ("POST", docs, b'{"id": "1", "pk": "a"}', {"x-ms-documentdb-partitionkey": '[{"x": 1}]'}),
        ("POST", docs, b'{"id": "1", "pk": "a"}', {"x-ms-documentdb-partitionkey": "[1,2,3,4]"}),
        ("POST", docs, b'{"id": "1", "pk": "a"}', {"x-ms-documentdb-partitionkey": '"a"'}),
        ("POST", docs, b"[1, 2]", PK),
        ("POST", docs, b"\xff\xfe", PK),
        ("GET", f"{docs}/1", None, {"x-ms-documentdb-partitionkey": '["a", "b"]'}),
        ("PATCH", f"{docs}/1", b"not json", PK),
        ("PATCH", f"{docs}/1", b'{"operations": "nope"}', PK),
        ("PATCH", f"{docs}/1", b'{"operations": [{"op": "explode", "path": "/x"}]}', PK),
        ("POST", docs, b'{"x": 1}', {**PK, "x-ms-cosmos-is-batch-request": "True"}),
        ("POST", docs, b"[]", {**PK, "x-ms-cosmos-is-batch-request": "True"}),
        (
            "POST",
            docs,
            b'[{"operationType": "Nope"}]',
            {**PK, "x-ms-cosmos-is-batch-request": "True"},
        ),
        (
            "POST",
            docs,
            b'[{"operationType": "Read"}]',
            {**PK, "x-ms-cosmos-is-batch-request": "True"},
        ),
        ("POST", docs, b'{"query": 5}', QUERY),
        ("POST", docs, b'{"query": "SELECT * FROM c", "parameters": 5}', QUERY),
        ("POST", docs, b'{"query": "SELECT * FROM c"}', {**QUERY, "x-ms-max-item-count": "abc"}),
        ("POST", docs, b'{"query": "SELECT * FROM c"}', {**QUERY, "x-ms-continuation": "garbage"}),
        ("GET", docs, None, {"x-ms-max-item-count": "-7"}),
        ("GET", docs, None, {"x-ms-documentdb-partitionkeyrangeid": "999"}),
        (
            "POST",
            f"{database}/colls",
            b'{"id": "c", "defaultTtl": "x", "partitionKey": {"paths": ["/p"]}}',
            {},
        ),
        (
            "POST",
            f"{database}/colls",
            b'{"id": "c", "partitionKey": {"paths": ["/p"], "version": 3}}',
            {},
        ),
        (
            "POST",
            f"{database}/colls",
            b'{"id": "c", "partitionKey": {"paths": ["/p"]}, "indexingPolicy": []}',
            {},
        ),
        ("POST", f"{database}/colls", b'{"id": "c"}', {}),
        (
            "POST",
            f"{database}/colls",
            b'{"id": "c", "partitionKey": {"paths": ["/p"]}}',
            {"x-ms-offer-throughput": "lots"},
        ),
        (
            "POST",
            f"{database}/colls",
            b'{"id": "c", "partitionKey": {"paths": ["/p"]}}',
            {"x-ms-cosmos-offer-autopilot-settings": "{}"},
        ),
        ("PUT", container, b'{"id": "other"}', {}),
        ("POST", "dbs", b'{"id": ["list"]}', {}),
        ("POST", "dbs", b"", {}),
        ("PUT", "offers/nope", b"{}", {}),
        ("GET", f"{container}/attachments", None, {}),
        ("POST", f"{container}/sprocs", b'{"id": "s"}', {}),
        ("POST", f"{container}/triggers", b'{"id": "t", "body": "function () {}"}', {}),
        ("POST", f"{container}/sprocs/missing", b"[]", {}),
        ("DELETE", "dbs", None, {}),
        ("GET", "nowhere", None, {}),
    ]


def test_bad_input_never_answers_500(container: ContainerProxy, raw) -> None:
    docs = f"{container.container_link}/docs"
    database = container.container_link.rsplit("/", 2)[0]
    container.create_item({"id": "1", "pk": "a", "n": 1})
    before = list(container.read_all_items())
    for verb, path, body, headers in _cases(docs, database):
        answer = raw(verb, path, body, headers=headers)
        assert 400 <= answer.status < 500, (verb, path, body, headers, answer.status, answer.body)
        error = answer.json()
        assert error["code"] and error["message"], (verb, path)
        assert answer.headers["x-ms-activity-id"]
        assert "x-ms-request-charge" in answer.headers
    assert list(container.read_all_items()) == before
    assert [c["id"] for c in container.client_connection.ReadContainers(database)] == [container.id]


@pytest.mark.parametrize("value", ["True", "true", "TRUE"])
def test_boolean_headers_are_case_insensitive(container: ContainerProxy, raw, value: str) -> None:
    answer = raw(
        "POST",
        f"{container.container_link}/docs",
        b'{"id": "1", "pk": "a"}',
        headers={**PK, "x-ms-documentdb-is-upsert": value},
    )
    assert answer.status == 201
    again = raw(
        "POST",
        f"{container.container_link}/docs",
        b'{"id": "1", "pk": "a", "n": 2}',
        headers={**PK, "x-ms-documentdb-is-upsert": value},
    )
    assert again.status == 200
