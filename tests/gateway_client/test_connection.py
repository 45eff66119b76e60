"""Credentials, TLS and targets that do not answer: clear failures, never a hang."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import certifi
import pytest
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey

from bench.emulator import LocalEmulator
from bench.emulator.aad import LocalTokenIssuer
from bench.errors import RubenchError
from bench.gateway_client import CallStats, GatewayClient, GatewayContainer, GatewayError, Tls
from bench.gateway_client.queries import query_items

from .conftest import gateway_container

WRONG_KEY = base64.b64encode(b"definitely not the account key!!").decode()


def test_a_wrong_key_is_a_clear_401(emulator: LocalEmulator, container: ContainerProxy) -> None:
    with (
        GatewayClient(emulator.endpoint, WRONG_KEY) as client,
        pytest.raises(GatewayError) as raised,
    ):
        gateway_container(client, container).read_item("1", "a")
    assert raised.value.status == 401
    assert "rejected the credentials" in str(raised.value) and WRONG_KEY not in str(raised.value)


def test_a_key_that_is_not_base64_is_refused_before_any_request(emulator) -> None:
    with pytest.raises(RubenchError, match="not base64"):
        GatewayClient(emulator.endpoint, "not a key!")


def test_entra_id_needs_https_and_a_token_credential(issuer: LocalTokenIssuer) -> None:
    with pytest.raises(RubenchError, match="https only"):
        GatewayClient("http://127.0.0.1:8081", issuer.credential())
    with pytest.raises(RubenchError, match="expected an account key"):
        GatewayClient("https://127.0.0.1:8081", None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dead_target_fails_with_status_0() -> None:
    with GatewayClient(f"http://127.0.0.1:{_free_port()}", WRONG_KEY) as client:
        items = GatewayContainer(client, "db", "c")
        with pytest.raises(GatewayError) as raised:
            items.read_item("1", "a")
    assert raised.value.status == 0 and "no response" in str(raised.value)
    assert raised.value.stats.attempts == 0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_target_that_never_answers_times_out(silent_server: int) -> None:
    endpoint = f"http://127.0.0.1:{silent_server}"
    client = GatewayClient(endpoint, WRONG_KEY, read_timeout=0.5)
    with client, pytest.raises(GatewayError) as raised:
        client.account()
    assert raised.value.status == 0 and "timed out" in str(raised.value).lower()


def test_tls_as_the_sdk_verifies_it(tls_emulator: LocalEmulator) -> None:
    # 127.0.0.1: the SDK's rule skips verification (the emulator's self-signed certificate)
    with GatewayClient(tls_emulator.endpoint, tls_emulator.key) as client:
        assert client.account()["id"]
    # a CA bundle that did not sign it: refused, as an unverifiable account would be
    bad = GatewayClient(tls_emulator.endpoint, tls_emulator.key, tls=Tls(certifi.where()))
    with bad, pytest.raises(GatewayError) as raised:
        bad.account()
    assert raised.value.status == 0 and "CERTIFICATE_VERIFY_FAILED" in str(raised.value)


@pytest.fixture(scope="module")
def issuer() -> LocalTokenIssuer:
    return LocalTokenIssuer()


@pytest.fixture(scope="module")
def aad_emulator(issuer: LocalTokenIssuer) -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, tls=True, aad_issuer_public_key=issuer.public_key_pem) as running:
        yield running


class CountingCredential:
    """A TokenCredential that counts the tokens it hands out."""

    def __init__(self, issuer: LocalTokenIssuer, lifetime_seconds: int) -> None:
        self.issuer, self.lifetime, self.calls, self.scopes = issuer, lifetime_seconds, 0, []

    def get_token(self, *scopes: str, **kwargs):
        self.calls += 1
        self.scopes += scopes
        return self.issuer.mint(scopes[0], lifetime_seconds=self.lifetime)


def test_entra_id_tokens_are_sent_and_refreshed_before_expiry(
    aad_emulator: LocalEmulator, issuer: LocalTokenIssuer
) -> None:
    from azure.cosmos import CosmosClient

    sdk = CosmosClient(aad_emulator.endpoint, aad_emulator.key)
    database: DatabaseProxy = sdk.create_database_if_not_exists("entra")
    proxy = database.create_container_if_not_exists("c", PartitionKey("/pk"))
    long_lived = CountingCredential(issuer, lifetime_seconds=3600)
    with GatewayClient(aad_emulator.endpoint, long_lived) as client:
        items = gateway_container(client, proxy)
        for n in range(3):
            assert items.upsert_item({"id": str(n), "pk": "a"}).stats.status in (200, 201)
    assert long_lived.calls == 1  # one token for every request
    assert long_lived.scopes == ["https://127.0.0.1/.default"]
    # a token within five minutes of expiry is fetched again before the next request
    short_lived = CountingCredential(issuer, lifetime_seconds=200)
    with GatewayClient(aad_emulator.endpoint, short_lived) as client:
        items = gateway_container(client, proxy)
        items.read_item("0", "a")
        items.read_item("1", "a")
        requests = client.metadata.attempts + 2  # account, container, ranges; the reads
    assert short_lived.calls == requests  # each request a fresh token


class _GarbageGateway(BaseHTTPRequestHandler):
    """Metadata as a gateway answers it; every query page a 200 whose body is not JSON
    (a proxy's error page, say), charged 2.5 RU."""

    def do_GET(self) -> None:
        metadata = {
            "/": {"userConsistencyPolicy": {"defaultConsistencyLevel": "Eventual"}},
            "/dbs/db/colls/c": {"_rid": "AAAA", "partitionKey": {"paths": ["/pk"]}},
        }
        self._answer(json.dumps(metadata[self.path]).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(b"<html>upstream hiccup</html>", **{"x-ms-request-charge": "2.5"})

    def _answer(self, body: bytes, **headers: str) -> None:
        self.send_response(200)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage_gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GarbageGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_that_is_not_json_is_a_clear_error_that_keeps_its_charge(
    garbage_gateway: str,
) -> None:
    """A figure rubench shows is true: the answered (and charged) attempt stays counted,
    and the error says what was wrong instead of a bare JSON decoding message."""
    stats = CallStats()
    with GatewayClient(garbage_gateway, WRONG_KEY) as client:
        items = GatewayContainer(client, "db", "c")
        with pytest.raises(GatewayError) as raised:
            query_items(items, "SELECT * FROM c", partition_key="a", stats=stats)
    assert raised.value.stats is stats
    assert (stats.attempts, stats.ru, stats.status) == (1, 2.5, 200)
    assert "not a page of query results" in str(raised.value)
    assert "upstream hiccup" in str(raised.value)
