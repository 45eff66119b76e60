"""Reaching targets other than Azure and the official emulator: `--ca-file` makes the SDK
verify the target's certificate against a given CA (even on 127.0.0.1, where it skips
verification by default), `--insecure` is refused beyond loopback, and bad values get one
clear line."""

import ssl
from pathlib import Path
from urllib.parse import urlparse

import certifi

from bench.harness.target import Connection

from .test_cli import WORKLOADS, one_line_error, rubench


def seed_args(endpoint: str, *options: str) -> list[str]:
    return ["seed", "--workload", str(WORKLOADS / "smoke.toml"), "--target", endpoint, *options]


def test_ca_file_verifies_the_targets_certificate(tmp_path: Path, tls_emulator) -> None:
    address = urlparse(tls_emulator.endpoint)
    own_ca = tmp_path / "emulator.pem"
    own_ca.write_text(ssl.get_server_certificate((address.hostname, address.port)))
    key = tls_emulator.key
    trusted = rubench(*seed_args(tls_emulator.endpoint, "--ca-file", str(own_ca)), key=key)
    assert trusted.returncode == 0, trusted.stderr
    public_cas = seed_args(tls_emulator.endpoint, "--ca-file", certifi.where())
    error = one_line_error(rubench(*public_cas, key=key))
    assert "CERTIFICATE_VERIFY_FAILED" in error or "certificate verify failed" in error


def test_bad_connection_options_get_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    missing = one_line_error(rubench(*seed_args("https://127.0.0.1:1", "--ca-file", "no.pem")))
    assert missing == "rubench: error: --ca-file no.pem: no such file (expected a PEM bundle)"
    azure = "https://myaccount.documents.azure.com:443/"
    remote = one_line_error(rubench(*seed_args(azure, "--insecure")))
    assert remote.startswith("rubench: error: --insecure is for test servers on this machine")
    # the same settings from the environment: the errors name the variables
    monkeypatch.setenv("RUBENCH_INSECURE", "1")
    monkeypatch.setenv("RUBENCH_CA_FILE", "gone.pem")
    missing = one_line_error(rubench(*seed_args("https://127.0.0.1:1")))
    assert missing == (
        "rubench: error: RUBENCH_CA_FILE=gone.pem: no such file (expected a PEM bundle)"
    )
    monkeypatch.delenv("RUBENCH_CA_FILE")
    remote = one_line_error(rubench(*seed_args(azure)))
    assert remote.startswith("rubench: error: RUBENCH_INSECURE=1 is for test servers on this")


def test_connection_options_reach_the_sdk_and_locust_processes() -> None:
    connection = Connection(ca_file=certifi.where(), endpoint_discovery=False)
    assert connection.client_options() == {"enable_endpoint_discovery": False}
    assert connection.verify == certifi.where()
    assert Connection(ca_file=certifi.where(), insecure=True).verify is False
    env = connection.environment()
    assert env == {"RUBENCH_ENDPOINT_DISCOVERY": "0", "RUBENCH_CA_FILE": certifi.where()}
