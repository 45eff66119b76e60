"""Master-key signatures and Entra ID (AAD) tokens: what is accepted, what answers 401, and
that a refused request runs nothing."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from email.utils import formatdate
from urllib.parse import quote

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos import exceptions as errors
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator
from bench.emulator.aad import LocalTokenIssuer

from .rawhttp import send

WRONG_KEY = base64.b64encode(b"definitely not the account key!!").decode()


def test_wrong_key_is_refused_and_nothing_runs(client: CosmosClient, raw) -> None:
    answer = raw("POST", "dbs", b'{"id": "never-created"}', key=WRONG_KEY)
    assert answer.status == 401
    assert answer.json()["code"] == "Unauthorized"
    assert "wrong key" in answer.json()["message"]
    assert "never-created" not in [d["id"] for d in client.list_databases()]


def test_sdk_with_wrong_key_fails_at_construction(emulator: LocalEmulator) -> None:
    with pytest.raises(errors.CosmosHttpResponseError) as raised:
        CosmosClient(emulator.endpoint, WRONG_KEY)
    assert raised.value.status_code == 401


def test_missing_and_malformed_authorization(raw) -> None:
    missing = raw("GET", "dbs", authorization="")
    assert missing.status == 401
    assert "Required Header authorization is missing" in missing.json()["message"]
    malformed = raw("GET", "dbs", authorization=quote("type=master&ver=1.0"))
    assert malformed.status == 401 and "malformed" in malformed.json()["message"]


def test_stale_date_is_refused(raw) -> None:
    stale = formatdate(time.time() - 20 * 60, usegmt=True)
    answer = raw("GET", "dbs", date=stale)
    assert answer.status == 401
    assert "not valid at the current time" in answer.json()["message"]
    garbage = raw("GET", "dbs", date="yesterday")
    assert garbage.status == 401 and "RFC 1123" in garbage.json()["message"]


def test_signature_covers_the_resource_link(raw) -> None:
    from bench.emulator.auth import master_key_header
    from bench.emulator.config import WELL_KNOWN_KEY

    date = formatdate(usegmt=True)
    signed_for_other = master_key_header(WELL_KNOWN_KEY, "GET", "dbs", "dbs/other", date)
    answer = raw("GET", "dbs/mine", date=date, authorization=signed_for_other)
    assert answer.status == 401


def test_aad_token_is_refused_without_an_issuer(raw) -> None:
    answer = raw("GET", "dbs", authorization=quote("type=aad&ver=1.0&sig=a.b.c"))
    assert answer.status == 401 and "not accepted" in answer.json()["message"]


@pytest.fixture(scope="module")
def issuer() -> LocalTokenIssuer:
    return LocalTokenIssuer()


@pytest.fixture(scope="module")
def aad_emulator(issuer: LocalTokenIssuer) -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, tls=True, aad_issuer_public_key=issuer.public_key_pem) as running:
        yield running


def test_aad_token_works_end_to_end_sync_and_async(
    aad_emulator: LocalEmulator, issuer: LocalTokenIssuer
) -> None:
    client = CosmosClient(aad_emulator.endpoint, credential=issuer.credential())
    database = client.create_database_if_not_exists("aad")
    container = database.create_container_if_not_exists("c", PartitionKey("/pk"))
    container.upsert_item({"id": "1", "pk": "a"})

    async def read_async() -> str:
        credential = issuer.async_credential()
        async with AsyncCosmosClient(aad_emulator.endpoint, credential=credential) as aio:
            item = (
                await aio.get_database_client("aad").get_container_client("c").read_item("1", "a")
            )
            return item["id"]

    assert asyncio.run(read_async()) == "1"
    # The key still works next to tokens.
    assert CosmosClient(aad_emulator.endpoint, aad_emulator.key).get_database_client("aad").read()


def test_aad_tokens_that_do_not_verify_are_refused(
    aad_emulator: LocalEmulator, issuer: LocalTokenIssuer
) -> None:
    endpoint = aad_emulator.endpoint

    def answer_to(token: str) -> tuple[int, str]:
        authorization = quote(f"type=aad&ver=1.0&sig={token}", safe="=&")
        response = send(endpoint, aad_emulator.key, "GET", "dbs", authorization=authorization)
        return response.status, response.json().get("message", "")

    scope = endpoint.split(":")[0] + "://127.0.0.1/.default"
    assert answer_to(issuer.mint(scope).token)[0] == 200
    status, message = answer_to(LocalTokenIssuer().mint(scope).token)
    assert status == 401 and "could not be verified" in message
    status, message = answer_to(issuer.mint(scope, lifetime_seconds=-60).token)
    assert status == 401 and "expired" in message
    status, message = answer_to(issuer.mint("https://someone-else.example/.default").token)
    assert status == 401 and "audience" in message


def test_aad_tokens_need_https(issuer: LocalTokenIssuer) -> None:
    with LocalEmulator(
        port=0, in_process=True, aad_issuer_public_key=issuer.public_key_pem
    ) as plain:
        token = issuer.mint("http://127.0.0.1/.default").token
        authorization = quote(f"type=aad&ver=1.0&sig={token}", safe="=&")
        response = send(plain.endpoint, plain.key, "GET", "dbs", authorization=authorization)
    assert response.status == 401 and "https only" in response.json()["message"]
