"""Point operations, batches and bulk creates through the gateway client against the
emulator: results, outcomes (404, 409, 412) and the same RU as the SDK is charged."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator
from bench.gateway_client import GatewayClient, GatewayContainer, GatewayError

from .conftest import gateway_container


def _sdk_charge(call: Any) -> float:
    seen: dict[str, Any] = {}
    call(response_hook=lambda headers, _: seen.update(headers))
    return float(seen["x-ms-request-charge"])


def test_every_point_operation(items: GatewayContainer) -> None:
    created = items.create_item({"id": "1", "pk": "a", "n": 1})
    assert created.stats.status == 201 and created.body["_etag"] == created.etag
    read = items.read_item("1", "a")
    assert read.body["n"] == 1 and read.stats.status == 200 and read.stats.ru > 0
    replaced = items.replace_item("1", {"id": "1", "pk": "a", "n": 2}, if_match=read.etag)
    assert replaced.body["n"] == 2
    upserted = items.upsert_item({"id": "1", "pk": "a", "n": 3})
    assert upserted.stats.status == 200 and upserted.body["n"] == 3
    patched = items.patch_item("1", "a", [{"op": "incr", "path": "/n", "value": 4}])
    assert patched.body["n"] == 7
    deleted = items.delete_item("1", "a")
    assert deleted.stats.status == 204 and deleted.body is None


def test_each_call_reports_what_the_harness_records(items: GatewayContainer) -> None:
    stats = items.create_item({"id": "1", "pk": "a"}).stats
    assert (stats.attempts, stats.throttled, stats.pages, stats.item_count) == (1, 0, 1, 1)
    assert stats.pk_ranges == ["0"] and stats.bytes > 0 and stats.latency_ms > 0


def test_outcomes_404_409_412(items: GatewayContainer) -> None:
    first = items.create_item({"id": "1", "pk": "a"})
    with pytest.raises(GatewayError) as conflict:
        items.create_item({"id": "1", "pk": "a"})
    assert conflict.value.status == 409 and conflict.value.body["code"] == "Conflict"
    items.upsert_item({"id": "1", "pk": "a", "changed": True})
    with pytest.raises(GatewayError) as stale:
        items.replace_item("1", {"id": "1", "pk": "a"}, if_match=first.etag)
    assert stale.value.status == 412 and stale.value.stats.ru > 0  # the service charges 412s
    with pytest.raises(GatewayError) as stale_delete:
        items.delete_item("1", "a", if_match=first.etag)
    assert stale_delete.value.status == 412
    with pytest.raises(GatewayError) as missing:
        items.read_item("1", "other-key")
    assert missing.value.status == 404 and "404 NotFound" in str(missing.value)


def test_same_charges_as_the_sdk(container: ContainerProxy, items: GatewayContainer) -> None:
    body = {"pk": "a", "text": "x" * 3000, "tags": list(range(50))}
    sdk = {
        "create": _sdk_charge(lambda **h: container.create_item({**body, "id": "s"}, **h)),
        "read": _sdk_charge(lambda **h: container.read_item("s", "a", **h)),
        "upsert": _sdk_charge(lambda **h: container.upsert_item({**body, "id": "s"}, **h)),
        "replace": _sdk_charge(lambda **h: container.replace_item("s", {**body, "id": "s"}, **h)),
        "delete": _sdk_charge(lambda **h: container.delete_item("s", "a", **h)),
    }
    fast = {
        "create": items.create_item({**body, "id": "f"}).stats.ru,
        "read": items.read_item("f", "a").stats.ru,
        "upsert": items.upsert_item({**body, "id": "f"}).stats.ru,
        "replace": items.replace_item("f", {**body, "id": "f"}).stats.ru,
        "delete": items.delete_item("f", "a").stats.ru,
    }
    assert fast == sdk


def test_replace_with_if_match_as_the_sdk_sends_it(
    container: ContainerProxy, items: GatewayContainer
) -> None:
    etag = items.create_item({"id": "1", "pk": "a"}).etag
    container.replace_item(
        "1",
        {"id": "1", "pk": "a", "v": 1},
        etag=etag,
        match_condition=MatchConditions.IfNotModified,
    )
    with pytest.raises(GatewayError) as raised:
        items.replace_item("1", {"id": "1", "pk": "a", "v": 2}, if_match=etag)
    assert raised.value.status == 412
    assert container.read_item("1", "a")["v"] == 1


def test_transactional_batch_all_or_nothing(
    container: ContainerProxy, items: GatewayContainer
) -> None:
    items.create_item({"id": "0", "pk": "a"})
    done = items.execute_batch(
        [("upsert", ({"id": "1", "pk": "a"},)), ("read", ("0",)), ("delete", ("0",))], "a"
    )
    assert [r["statusCode"] for r in done.body] == [201, 200, 204]
    assert done.stats.ru == pytest.approx(sum(r["requestCharge"] for r in done.body), abs=0.01)
    with pytest.raises(GatewayError) as failed:
        items.execute_batch(
            [("create", ({"id": "2", "pk": "a"},)), ("create", ({"id": "1", "pk": "a"},))], "a"
        )
    assert failed.value.status == 409 and "operation 1" in str(failed.value)
    assert [d["id"] for d in container.read_all_items()] == ["1"]  # the failed batch left nothing


def test_bulk_creates_report_each_item(items: GatewayContainer) -> None:
    items.create_item({"id": "3", "pk": "k3"})
    results = items.bulk_create(({"id": str(n), "pk": f"k{n}"} for n in range(8)), concurrency=4)
    assert [r.stats.status for r in results] == [409 if n == 3 else 201 for n in range(8)]
    assert isinstance(results[3], GatewayError)


def test_hierarchical_keys(database: DatabaseProxy, fast: GatewayClient) -> None:
    proxy = database.create_container(
        "tenants", PartitionKey(["/tenant", "/user"], kind="MultiHash"), offer_throughput=12000
    )
    items = gateway_container(fast, proxy)
    items.create_item({"id": "1", "tenant": "t1", "user": "u1", "n": 1})
    assert items.read_item("1", ["t1", "u1"]).body["n"] == 1
    assert proxy.read_item("1", ["t1", "u1"])["n"] == 1  # placed where the SDK looks
    with pytest.raises(GatewayError) as missing:
        items.read_item("1", ["t1", "u2"])
    assert missing.value.status == 404


def test_non_ascii_and_numeric_keys(container: ContainerProxy, items: GatewayContainer) -> None:
    items.create_item({"id": "é 1", "pk": "köln"})
    items.create_item({"id": "2", "pk": 5})
    assert container.read_item("é 1", "köln")["pk"] == "köln"
    assert items.read_item("2", 5).body["pk"] == 5


def test_reads_carry_the_session_token_of_the_last_write(items: GatewayContainer) -> None:
    written = items.upsert_item({"id": "1", "pk": "a"})
    headers: dict[str, str] = {}
    items.session_headers(headers, "a")
    first = headers["x-ms-session-token"]
    assert first.startswith(f"{written.stats.pk_ranges[0]}:")
    items.upsert_item({"id": "1", "pk": "a", "again": True})
    items.session_headers(headers, "a")
    assert headers["x-ms-session-token"] != first  # a later LSN
    assert items.read_item("1", "a").body["again"] is True


def test_no_session_tokens_without_session_consistency() -> None:
    with (
        LocalEmulator(port=0, in_process=True, consistency="Eventual") as eventual,
        GatewayClient(eventual.endpoint, eventual.key) as client,
    ):
        sdk = CosmosClient(eventual.endpoint, eventual.key)
        proxy = sdk.create_database("d").create_container("c", PartitionKey("/pk"))
        items = gateway_container(client, proxy)
        items.upsert_item({"id": "1", "pk": "a"})
        headers: dict[str, str] = {}
        items.session_headers(headers, "a")
        assert headers == {} and items.read_item("1", "a").stats.status == 200


@pytest.mark.timeout(60)
def test_greenlets_share_a_container_before_it_is_known(
    container: ContainerProxy, emulator: LocalEmulator
) -> None:
    """The first greenlet reads the account, the container and its ranges; the others
    wait for them instead of reading them again (gevent is not monkey-patched here: a
    thread lock would block the hub)."""
    import gevent

    container.create_item({"id": "1", "pk": "a"})
    with GatewayClient(emulator.endpoint, emulator.key) as client:
        fresh = gateway_container(client, container)
        jobs = [gevent.spawn(fresh.read_item, "1", "a") for _ in range(8)]
        gevent.joinall(jobs, raise_error=True)
    assert [job.value.stats.status for job in jobs] == [200] * 8
    # GET /, the container, the ranges (a page, then 304): once for all 8 greenlets
    assert client.metadata.attempts == 4
