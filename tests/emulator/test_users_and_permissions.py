"""Users, permissions and the resource tokens they issue, through the SDK (sync and async):
CRUD as the service answers it, and tokens enforced as the service enforces them (403
outside the permission's scope, 401 when expired, forged or revoked)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey, UserProxy
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator


@pytest.fixture
def user(database: DatabaseProxy, new_name: Callable[[str], str]) -> UserProxy:
    return database.create_user({"id": new_name("user")})


@pytest.fixture
def items(database: DatabaseProxy, new_name: Callable[[str], str]) -> ContainerProxy:
    container = database.create_container(new_name("items"), PartitionKey("/pk"))
    for number, key in enumerate(["a", "a", "b"]):
        container.create_item({"id": f"item{number}", "pk": key})
    return container


def grant(
    user: UserProxy, container: ContainerProxy, mode: str, name: str = "p", **extra: object
) -> str:
    body = {"id": name, "permissionMode": mode}
    body["resource"] = container.container_link + str(extra.pop("suffix", ""))
    body.update(extra)
    return user.create_permission(body).properties["_token"]


def token_client(emulator: LocalEmulator, link: str, token: str) -> CosmosClient:
    return CosmosClient(emulator.endpoint, {link: token})


def test_user_crud(database: DatabaseProxy, new_name: Callable[[str], str]) -> None:
    name = new_name("user")
    database.create_user({"id": name})
    with pytest.raises(errors.CosmosResourceExistsError):
        database.create_user({"id": name})
    assert name in [u["id"] for u in database.list_users()]
    query = "SELECT * FROM root r WHERE r.id = @id"
    found = list(database.query_users(query, parameters=[{"name": "@id", "value": name}]))
    assert [u["id"] for u in found] == [name]
    renamed = database.replace_user(name, {"id": name + "-renamed"})
    assert renamed.read()["id"] == name + "-renamed"
    database.upsert_user({"id": name + "-renamed"})  # exists: replaced, not duplicated
    assert [u["id"] for u in database.list_users()].count(name + "-renamed") == 1
    database.delete_user(name + "-renamed")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        database.get_user_client(name + "-renamed").read()


def test_permission_crud_issues_tokens(user: UserProxy, items: ContainerProxy) -> None:
    link = items.container_link
    created = user.create_permission({"id": "p", "permissionMode": "read", "resource": link})
    assert created.properties["permissionMode"] == "read"
    assert created.properties["_token"].startswith("type=resource&ver=1.0&sig=")
    assert [p["id"] for p in user.list_permissions()] == ["p"]
    upserted = user.upsert_permission({"id": "p", "permissionMode": "all", "resource": link})
    assert upserted.permission_mode == "all"
    query = "SELECT * FROM root r WHERE r.permissionMode = 'all'"
    assert [p["id"] for p in user.query_permissions(query)] == ["p"]
    with pytest.raises(errors.CosmosHttpResponseError) as bad:
        user.create_permission({"id": "q", "permissionMode": "write", "resource": link})
    assert bad.value.status_code == 400
    user.delete_permission("p")
    with pytest.raises(errors.CosmosResourceNotFoundError):
        user.get_permission("p")


def test_read_token_reads_inside_its_container_only(
    emulator: LocalEmulator, database: DatabaseProxy, user: UserProxy, items: ContainerProxy,
    new_name: Callable[[str], str],
) -> None:  # fmt: skip
    other = database.create_container(new_name("other"), PartitionKey("/pk"))
    link = f"dbs/{database.id}/colls/{items.id}"
    client = token_client(emulator, link, grant(user, items, "Read"))
    mine = client.get_database_client(database.id).get_container_client(items.id)
    assert mine.read_item("item0", "a")["id"] == "item0"
    assert len(list(mine.read_all_items())) == 3
    assert len(list(mine.query_items("SELECT * FROM c", partition_key="a"))) == 2
    for forbidden in (
        lambda: mine.create_item({"id": "new", "pk": "a"}),
        lambda: mine.delete_item("item0", "a"),
        lambda: client.get_database_client(database.id).delete_container(items.id),
        lambda: client.get_database_client(database.id).get_container_client(other.id).read(),
    ):
        with pytest.raises(errors.CosmosHttpResponseError) as denied:
            forbidden()
        assert denied.value.status_code == 403
    with pytest.raises(errors.CosmosHttpResponseError) as unsigned:
        list(client.list_databases())  # the SDK finds no token for /dbs and sends none
    assert unsigned.value.status_code == 401


def test_item_token_and_partition_key_token(
    emulator: LocalEmulator, database: DatabaseProxy, user: UserProxy, items: ContainerProxy
) -> None:
    link = f"dbs/{database.id}/colls/{items.id}"
    item_token = grant(user, items, "All", "on-item", suffix="/docs/item1")
    container = (
        token_client(emulator, f"{link}/docs/item1", item_token)
        .get_database_client(database.id)
        .get_container_client(items.id)
    )
    assert container.read_item("item1", "a")["id"] == "item1"
    with pytest.raises(errors.CosmosHttpResponseError) as denied:
        container.read_item("item0", "a")
    assert denied.value.status_code == 403
    container.delete_item("item1", "a")

    key_token = grant(user, items, "All", "on-key", resourcePartitionKey=["b"])
    scoped = (
        token_client(emulator, link, key_token)
        .get_database_client(database.id)
        .get_container_client(items.id)
    )
    scoped.upsert_item({"id": "item2", "pk": "b", "touched": True})
    with pytest.raises(errors.CosmosHttpResponseError) as denied:
        scoped.read_item("item0", "a")
    assert denied.value.status_code == 403


def test_a_database_wide_token_cannot_reach_users_or_permissions(
    emulator: LocalEmulator, database: DatabaseProxy, user: UserProxy, items: ContainerProxy
) -> None:
    link = database.database_link
    user.create_permission(
        {"id": "other", "permissionMode": "Read", "resource": items.container_link}
    )
    body = {"id": "wide", "permissionMode": "All", "resource": link}
    token = user.create_permission(body).properties["_token"]
    by_token = token_client(emulator, link, token).get_database_client(database.id)
    attempts = [
        lambda: list(by_token.get_user_client(user.id).list_permissions()),
        lambda: by_token.get_user_client(user.id).get_permission("other"),
        lambda: list(by_token.list_users()),
        lambda: by_token.create_user({"id": "intruder"}),
    ]
    for attempt in attempts:
        with pytest.raises(errors.CosmosHttpResponseError) as refused:
            attempt()
        assert refused.value.status_code == 403
    assert "intruder" not in [u["id"] for u in database.list_users()]
    # Its own scope still works.
    item = by_token.get_container_client(items.id).read_item("item0", "a")
    assert item["id"] == "item0"


def test_expired_forged_and_revoked_tokens_are_401(
    emulator: LocalEmulator, database: DatabaseProxy, user: UserProxy, items: ContainerProxy
) -> None:
    link = f"dbs/{database.id}/colls/{items.id}"
    body = {"id": "short", "permissionMode": "Read", "resource": link}
    short = user.create_permission(body, resource_token_expiry_seconds=1).properties["_token"]
    revoked = grant(user, items, "All")
    forged = revoked[:-3] + ("AAA" if not revoked.endswith("AAA") else "BBB")
    client = token_client(emulator, link, revoked)
    client.get_database_client(database.id).get_container_client(items.id).read_item("item0", "a")
    user.delete_permission("p")
    time.sleep(1.5)
    for token in (short, revoked, forged):
        with pytest.raises(errors.CosmosHttpResponseError) as refused:  # even the account read
            CosmosClient(emulator.endpoint, {link: token})
        assert refused.value.status_code == 401


def test_async_client_with_resource_tokens(
    emulator: LocalEmulator, database: DatabaseProxy, user: UserProxy, items: ContainerProxy
) -> None:
    link = f"dbs/{database.id}/colls/{items.id}"
    token = grant(user, items, "Read")

    async def scenario() -> tuple[str, int]:
        async with AsyncCosmosClient(emulator.endpoint, {link: token}) as client:
            container = client.get_database_client(database.id).get_container_client(items.id)
            item = await container.read_item("item0", "a")
            try:
                await container.delete_item("item0", "a")
            except errors.CosmosHttpResponseError as error:
                return item["id"], error.status_code
            return item["id"], 0

    assert asyncio.run(scenario()) == ("item0", 403)
