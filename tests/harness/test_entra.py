"""`--target <https endpoint>` without COSMOS_KEY signs in with DefaultAzureCredential, end
to end and on loopback only: the emulator accepts tokens from a local issuer, and
AZURE_TOKEN_CREDENTIALS (set for every harness test in conftest.py) narrows the chain to
AzureCliCredential, whose `az` here is a script printing a token that issuer minted. No
credential in the chain can probe the managed-identity endpoint (169.254.169.254)."""

import json
import os
import secrets
import subprocess
import sys
from base64 import b64encode
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.emulator import LocalEmulator
from bench.emulator.aad import LocalTokenIssuer
from bench.rundata import load_requests, read_run_info
from bench.rundata.info import TargetInfo

SMOKE = Path(__file__).parents[2] / "workloads" / "smoke.toml"


def fake_az(directory: Path, token_json: str) -> Path:
    """An `az` that logs its arguments and prints `az account get-access-token` output."""
    directory.mkdir()
    (directory / "token.json").write_text(token_json)
    script = directory / "az"
    script.write_text(
        f'#!/bin/sh\necho "$@" >> "{directory}/calls.log"\ncat "{directory}/token.json"\n'
    )
    script.chmod(0o755)
    return directory / "calls.log"


@pytest.mark.parametrize("client", ["sdk", "fast"])
def test_run_signs_in_with_entra_id(tmp_path, client):
    issuer = LocalTokenIssuer()
    # A key nobody is given: only a token can get in.
    key = b64encode(secrets.token_bytes(64)).decode()
    with LocalEmulator(tls=True, aad_issuer_public_key=issuer.public_key_pem, key=key) as emulator:
        endpoint = urlparse(emulator.endpoint)
        host = endpoint.hostname
        token = issuer.mint(f"https://{host}/.default")  # the SDK's scope: scheme://host
        calls = fake_az(
            tmp_path / "bin",
            json.dumps({"accessToken": token.token, "expires_on": token.expires_on}),
        )
        env = {k: v for k, v in os.environ.items() if k != "COSMOS_KEY"}
        env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
        # a loopback endpoint would otherwise mean the emulator's well-known key
        env["RUBENCH_TARGET_KIND"] = "azure"
        out = tmp_path / "run"
        command = [sys.executable, "-m", "bench", "run", "--workload", str(SMOKE)]
        command += ["--target", emulator.endpoint, "--duration", "3s", "--users", "4"]
        command += ["--client", client]
        result = subprocess.run(
            [*command, "--out", str(out)], env=env, capture_output=True, text=True, timeout=120
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"run directory: {out}" in result.stdout
    target = read_run_info(out).target
    assert read_run_info(out).client.kind == client
    assert target == TargetInfo(kind="azure", host=endpoint.netloc, auth="entra")
    assert (target.consistency, target.tls, target.endpoint_discovery) == (None, "default", True)
    rows = load_requests(out)
    assert len(rows) > 0 and not rows["status"].isin([401, 403]).any()
    assert (rows["outcome"] != "error").all()
    # the seeding (async client) and the Locust process (sync client) both asked `az`
    asked = calls.read_text().splitlines()
    assert len(asked) >= 2
    assert set(asked) == {f"account get-access-token --output json --resource https://{host}"}
    for path in out.rglob("*"):
        assert path.is_dir() or token.token.encode() not in path.read_bytes(), path


def test_no_credential_in_the_chain_leaves_the_machine():
    from azure.identity import DefaultAzureCredential
    from azure.identity.aio import DefaultAzureCredential as AsyncDefaultAzureCredential

    for chain in (DefaultAzureCredential(), AsyncDefaultAzureCredential()):
        assert [type(c).__name__ for c in chain.credentials] == ["AzureCliCredential"]
