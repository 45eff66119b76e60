"""An Entra ID token is accepted only for the account endpoint the emulator serves, whatever
Host header the request carries."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from azure.cosmos import CosmosClient

from bench.emulator import LocalEmulator
from bench.emulator.aad import LocalTokenIssuer


@pytest.fixture(scope="module")
def issuer() -> LocalTokenIssuer:
    return LocalTokenIssuer()


@pytest.fixture(scope="module")
def aad_emulator(issuer: LocalTokenIssuer) -> Iterator[LocalEmulator]:
    with LocalEmulator(
        port=0, tls=True, in_process=True, aad_issuer_public_key=issuer.public_key_pem
    ) as running:
        yield running


def _read_account(emulator: LocalEmulator, token: str, host: str) -> int:
    parts = urlsplit(emulator.endpoint)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context)
    connection.request(
        "GET", "/", headers={"Host": host, "authorization": f"type=aad&ver=1.0&sig={token}"}
    )
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_token_for_another_account_is_refused_even_with_its_host_header(
    aad_emulator: LocalEmulator, issuer: LocalTokenIssuer
):
    victim = "victim.documents.azure.com"
    token = issuer.mint(f"https://{victim}/.default").token
    assert _read_account(aad_emulator, token, victim) == 401


def test_a_token_for_this_endpoint_is_accepted(
    aad_emulator: LocalEmulator, issuer: LocalTokenIssuer
):
    client = CosmosClient(aad_emulator.endpoint, credential=issuer.credential())
    assert client.get_database_account() is not None
    token = issuer.mint("https://127.0.0.1/.default").token
    assert _read_account(aad_emulator, token, "127.0.0.1") == 200
