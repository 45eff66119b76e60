"""One query must never stall the others: LIKE without backtracking, REGEXMATCH bounded,
long work in slices with the service's page budget, and 408 when no progress is possible."""

from __future__ import annotations

import random
import re
import select
import threading
from typing import BinaryIO

import pytest
from azure.cosmos import ContainerProxy, CosmosClient
from azure.cosmos.exceptions import CosmosHttpResponseError

from bench.emulator import LocalEmulator, slicing
from bench.emulator.query.like import LikePattern


def _cross_product(joins: int) -> str:
    """10 ** joins rows from one document with 10 tags."""
    return "SELECT VALUE COUNT(1) FROM c " + " ".join(f"JOIN x{i} IN c.tags" for i in range(joins))


CROSS_PRODUCT = _cross_product(6)  # seconds of work for the emulator


def _reference(pattern: str, text: str) -> bool:
    """LIKE by regex translation: right, but exponential on long inputs (small ones only)."""
    translated = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(translated, text, re.DOTALL) is not None


def test_like_agrees_with_the_regex_translation_on_a_fuzz_corpus():
    generator = random.Random(11)
    for _ in range(3000):
        pattern = "".join(generator.choice("ab%_") for _ in range(generator.randint(0, 7)))
        text = "".join(generator.choice("ab") for _ in range(generator.randint(0, 9)))
        assert LikePattern(pattern, None).matches(text) == _reference(pattern, text), (
            pattern,
            text,
        )


@pytest.mark.timeout(60)
def test_like_with_many_wildcards_over_a_long_string_is_answered(container: ContainerProxy):
    container.create_item({"id": "long", "pk": "p", "s": "a" * 3000})
    found = container.query_items(
        "SELECT VALUE c.id FROM c WHERE c.s LIKE '%a%a%a%a%a%a%a%b'", partition_key="p"
    )
    assert list(found) == []
    found = container.query_items(
        "SELECT VALUE c.id FROM c WHERE c.s LIKE '%a%a%a%a%a%a%a%a'", partition_key="p"
    )
    assert list(found) == ["long"]


def test_an_empty_character_range_matches_nothing_instead_of_failing(container: ContainerProxy):
    container.create_item({"id": "z", "pk": "p", "s": "zzz"})
    found = container.query_items(
        "SELECT VALUE [c.s LIKE '[z-a]%', c.s LIKE '[^z-a]%'] FROM c", partition_key="p"
    )
    assert list(found) == [[False, True]]


@pytest.mark.timeout(60)
def test_a_catastrophic_regex_is_answered(container: ContainerProxy):
    for number in range(20):
        container.create_item({"id": f"r{number}", "pk": "p", "s": "a" * 40 + "!"})
    found = container.query_items(
        "SELECT VALUE COUNT(1) FROM c WHERE REGEXMATCH(c.s, '(a+)+$')", partition_key="p"
    )
    assert list(found) == [0]


def test_a_point_read_is_answered_while_a_long_query_runs(
    container: ContainerProxy, request_bytes, connect
):
    container.create_item({"id": "tags", "pk": "p", "tags": list(range(10))})
    container.create_item({"id": "target", "pk": "p"})
    path = container.container_link + "/docs"
    query = request_bytes(
        "POST",
        path,
        b'{"query": "' + CROSS_PRODUCT.encode() + b'"}',
        {
            "x-ms-documentdb-isquery": "true",
            "content-type": "application/query+json",
            "x-ms-documentdb-partitionkey": '["p"]',
        },
    )
    slow = connect()
    slow.sendall(query)
    # Served on another connection while the query is still being worked on: the query's
    # reply has not arrived when the read's has (the old emulator answered in arrival order).
    assert container.read_item("target", partition_key="p")["id"] == "target"
    readable, _, _ = select.select([slow], [], [], 0)
    assert readable == []


@pytest.fixture
def short_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slicing, "PAGE_SECONDS", 0.05)


def _inprocess_container(emulator: LocalEmulator, name: str) -> ContainerProxy:
    client = CosmosClient(emulator.endpoint, emulator.key)
    database = client.create_database_if_not_exists("robustness")
    container = database.create_container(name, {"paths": ["/pk"], "kind": "Hash"})
    container.create_item({"id": "tags", "pk": "p", "tags": list(range(10))})
    return container


def test_a_page_whose_budget_runs_out_ends_empty_with_a_continuation(
    inprocess_emulator: LocalEmulator, short_pages: None, new_name
):
    container = _inprocess_container(inprocess_emulator, new_name("pages"))
    query = _cross_product(5)
    charges: list[float] = []
    pages = list(
        container.query_items(
            query,
            partition_key="p",
            response_hook=lambda headers, _: charges.append(float(headers["x-ms-request-charge"])),
        ).by_page()
    )
    # The SDK asks again while a page is empty and has a continuation: one page comes out,
    # after several requests.
    assert [item for page in pages for item in page] == [10**5]
    assert len(charges) > 1
    assert all(charge == 0 for charge in charges[:-1]) and charges[-1] > 0


def test_a_query_that_cannot_make_progress_fails_with_408(
    inprocess_emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch, new_name
):
    monkeypatch.setattr(slicing, "MAX_EXECUTION_SECONDS", 0.2)
    container = _inprocess_container(inprocess_emulator, new_name("stuck"))
    with pytest.raises(CosmosHttpResponseError) as raised:
        list(container.query_items(CROSS_PRODUCT, partition_key="p"))
    assert raised.value.status_code == 408
    assert "cannot make progress" in raised.value.message


def test_a_query_abandoned_after_several_pages_fails_with_408_also_on_retry(
    inprocess_emulator: LocalEmulator, monkeypatch: pytest.MonkeyPatch, short_pages: None, new_name
):
    # The 408 comes on a continued page; the SDK retries a 408 with the same continuation,
    # which must answer the same 408, not a 400 about an invalid continuation token.
    monkeypatch.setattr(slicing, "MAX_EXECUTION_SECONDS", 0.2)
    container = _inprocess_container(inprocess_emulator, new_name("stuckpages"))
    statuses: list[int] = []
    with pytest.raises(CosmosHttpResponseError) as raised:
        list(
            container.query_items(
                CROSS_PRODUCT,
                partition_key="p",
                raw_response_hook=lambda r: statuses.append(r.http_response.status_code),
            )
        )
    assert statuses.count(200) > 1, statuses
    assert raised.value.status_code == 408, raised.value.message
    assert "cannot make progress" in raised.value.message


def test_pipelined_replies_keep_request_order(container: ContainerProxy, request_bytes, connect):
    """A slow query, then a point read, on one connection: the read waits its turn there
    (HTTP/1.1 answers in order), even though the server is free to work on it."""
    container.create_item({"id": "tags", "pk": "p", "tags": list(range(10))})
    container.create_item({"id": "target", "pk": "p"})
    key = {"x-ms-documentdb-partitionkey": '["p"]'}
    query = request_bytes(
        "POST",
        container.container_link + "/docs",
        b'{"query": "' + _cross_product(5).encode() + b'"}',
        {**key, "x-ms-documentdb-isquery": "true", "content-type": "application/query+json"},
    )
    read = request_bytes("GET", container.container_link + "/docs/target", b"", key)
    sock = connect()
    sock.sendall(query + read)
    stream = sock.makefile("rb")  # one buffer for both replies
    replies = [_read_reply(stream), _read_reply(stream)]
    assert replies[0][0] == 200 and b'"_count"' in replies[0][1]
    assert replies[1][0] == 200 and b'"id":"target"' in replies[1][1]


def _read_reply(stream: BinaryIO) -> tuple[int, bytes]:
    """One HTTP/1.1 reply (status, body) from a stream that may hold several."""
    status = int(stream.readline().split()[1])
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, stream.read(length)


def test_a_paused_query_stays_correct_under_concurrent_writes(
    inprocess_emulator: LocalEmulator, new_name
):
    """Writers run while the query is paused between slices: it neither fails nor counts a
    document twice; each document counts as it was when the scan reached it."""
    client = CosmosClient(inprocess_emulator.endpoint, inprocess_emulator.key)
    database = client.create_database_if_not_exists("robustness")
    container = database.create_container(new_name("writes"), {"paths": ["/pk"], "kind": "Hash"})
    tags = list(range(40))
    for number in range(1000):
        container.create_item({"id": f"d{number}", "pk": "p", "tags": tags})
    done = threading.Event()

    def write() -> None:
        number = 1000
        while not done.is_set():
            if number % 2:
                container.delete_item(f"d{number - 1000}", partition_key="p")
            container.create_item({"id": f"d{number}", "pk": "p", "tags": tags})
            number += 1

    writer = threading.Thread(target=write)
    writer.start()
    counts = []
    try:
        for _ in range(3):
            [count] = container.query_items(  # no key: a scan of the partition
                "SELECT VALUE COUNT(1) FROM c JOIN t IN c.tags", enable_cross_partition_query=True
            )
            counts.append(count)
    finally:
        done.set()
        writer.join()
    # Each pass counts every document at most once, whole; never an error.
    assert all(count % 40 == 0 and 500 * 40 <= count <= 5000 * 40 for count in counts)
