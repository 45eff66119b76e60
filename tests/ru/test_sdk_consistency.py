"""The account's default consistency through the real SDK: Strong and Bounded Staleness
reads and queries cost 2x, writes do not; a request may relax the level, never
strengthen it (the service's 400)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey, exceptions

from bench.emulator import LocalEmulator

from .sdk_helpers import ChargeLog

QUERY = "SELECT * FROM c WHERE c.kind = 'k'"


@pytest.fixture(scope="module")
def strong_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, consistency="Strong") as running:
        yield running


def item(item_id: str) -> dict:
    return {"id": item_id, "pk": "a", "kind": "k", "pad": "x" * 3000}


def charges(container: ContainerProxy, item_id: str) -> list[float]:
    """Create, read, query and replace `item_id`: their charges in that order."""
    log = ChargeLog()
    container.create_item(item(item_id), response_hook=log)
    container.read_item(item_id, "a", response_hook=log)
    list(container.query_items(QUERY, partition_key="a", response_hook=log))
    container.replace_item(item_id, {**item(item_id), "kind": "j"}, response_hook=log)
    return log.charges


def test_strong_account_doubles_reads_and_queries_not_writes(
    strong_emulator: LocalEmulator,
) -> None:
    account = CosmosClient(strong_emulator.endpoint, strong_emulator.key)
    assert account.get_database_account().ConsistencyPolicy == {"defaultConsistencyLevel": "Strong"}
    container = account.create_database("levels").create_container("c", PartitionKey("/pk"))
    # The same account, a client relaxing reads to Eventual (the header names a weaker level).
    relaxed = CosmosClient(
        strong_emulator.endpoint, strong_emulator.key, consistency_level="Eventual"
    )
    relaxed_container = relaxed.get_database_client("levels").get_container_client("c")

    strong_create, strong_read, strong_query, strong_replace = charges(container, "s")
    create, read, query, replace = charges(relaxed_container, "e")

    assert strong_read == pytest.approx(2 * read, abs=0.01)
    assert strong_query == pytest.approx(2 * query, abs=0.01)
    assert (strong_create, strong_replace) == (create, replace)


def test_request_stronger_than_the_account_is_rejected(emulator: LocalEmulator) -> None:
    """The default account is Session: a client asking for Strong gets the service's 400
    on every request (the account read at construction still answers)."""
    session = CosmosClient(emulator.endpoint, emulator.key)
    assert session.get_database_account().ConsistencyPolicy["defaultConsistencyLevel"] == "Session"
    strong = CosmosClient(emulator.endpoint, emulator.key, consistency_level="Strong")
    with pytest.raises(exceptions.CosmosHttpResponseError) as rejected:
        strong.create_database("never")
    assert rejected.value.status_code == 400
    assert (
        "ConsistencyLevel Strong specified in the request is invalid when service is configured "
        "with consistency level Session" in rejected.value.message
    )
    assert "never" not in [d["id"] for d in session.list_databases()]


def test_bounded_staleness_account_charges_reads_twice_and_refuses_strong() -> None:
    with LocalEmulator(in_process=True, consistency="BoundedStaleness") as bounded:
        client = CosmosClient(bounded.endpoint, bounded.key)
        container = client.create_database("d").create_container("c", PartitionKey("/pk"))
        container.create_item(item("b"))
        log = ChargeLog()
        container.read_item("b", "a", response_hook=log)
        session = CosmosClient(bounded.endpoint, bounded.key, consistency_level="Session")
        session.get_database_client("d").get_container_client("c").read_item(
            "b", "a", response_hook=log
        )
        strong = CosmosClient(bounded.endpoint, bounded.key, consistency_level="Strong")
        with pytest.raises(exceptions.CosmosHttpResponseError) as rejected:
            strong.get_database_client("d").get_container_client("c").read_item("b", "a")

    bounded_read, session_read = log.charges
    assert bounded_read == pytest.approx(2 * session_read, abs=0.01)
    assert rejected.value.status_code == 400
