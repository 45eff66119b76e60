"""rubench against a Cosmos-compatible server we did not write, `@vercel/cosmosdb-server`
(npm): constant 1 RU, no offers, constant query metrics, no partition key ranges, no
transactional batch. Every figure it does not provide must show as unknown or flagged.

The package is installed once into pytest's cache directory with npm; the test skips,
saying why, when node or npm is missing or the install fails (no registry access)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.harness.run import free_port
from bench.rundata import read_run_info
from bench.rundata.figures import read_summary_file

PACKAGE = "@vercel/cosmosdb-server@1.0.1"
WORKLOAD = """name = "elsewhere"
[container]
container = "elsewhere"
partition_key = "/categoryId"
throughput = { mode = "manual", rus = 400 }
[documents]
count = 30
categories = 3
[operations.point_read]
kind = "read"
weight = 3
[operations.query_category]
kind = "query"
weight = 2
sql = "SELECT * FROM c WHERE c.categoryId = @cat"
parameters = { "@cat" = "field:categoryId" }
[operations.restock]
kind = "upsert"
weight = 1
[operations.bundle]
kind = "batch"
weight = 1
"""


@pytest.fixture(scope="module")
def server_cli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run @vercel/cosmosdb-server")
    cache = getattr(request.config, "cache", None)  # absent under `-p no:cacheprovider`
    prefix = cache.mkdir("cosmosdb-server") if cache else tmp_path_factory.mktemp("npm")
    cli = prefix / "node_modules" / "@vercel" / "cosmosdb-server" / "lib" / "cli.js"
    if not cli.exists():
        install = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0 or not cli.exists():
            pytest.skip(f"npm could not install {PACKAGE}: {install.stderr.strip()[-300:]}")
    return cli


@pytest.fixture(scope="module")
def endpoint(server_cli: Path) -> Iterator[str]:
    port = free_port()
    command = ["node", str(server_cli), "--host", "127.0.0.1", "-p", str(port), "--no-ssl"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (401 without a signature)
            except OSError:
                assert time.monotonic() < deadline, "cosmosdb-server did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.kill()
        server.wait()


def rubench(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COSMOS_KEY": "c2VydmVyIGtleQ=="}  # any key: the server ignores it
    return subprocess.run(
        [sys.executable, "-m", "bench", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_figures_the_target_does_not_provide_are_unknown_or_flagged(tmp_path, endpoint):
    (tmp_path / "elsewhere.toml").write_text(WORKLOAD)
    out = tmp_path / "run"
    target = ("--target", endpoint, "--no-endpoint-discovery")
    run = rubench("run", "--workload", "elsewhere.toml", *target, "--duration", "4s",
                  "--users", "2", "--out", out, cwd=tmp_path)  # fmt: skip
    # transactional batches are not implemented there: they fail, so the run exits 1
    assert run.returncode == 1, run.stderr[-2000:]
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .startswith("rubench: error: calls failed: bundle 100% of ")
    )
    info = read_run_info(out)
    assert info.container.throughput.source == "workload"
    assert info.target.endpoint_discovery is False
    summary = read_summary_file(out / "summary.json")
    assert summary.provisioned_rus is None
    query = summary.operations["query_category"]
    assert query.query.retrieved_docs_mean is None  # constant metrics: unknown
    assert query.partitions_touched_mean is None  # no ranges named: unknown
    indexes = query.query.indexes  # asked on a sample, never answered: unknown, not "none"
    assert indexes.sampled_calls == 3 and indexes.reported_calls == 0
    assert indexes.potential_single == indexes.potential_composite == ()
    assert summary.partitions.rows == ()
    report = (out / "report.html").read_text()
    for flagged in (
        "did not report the container&#39;s throughput",
        "the target does not model request charges",
        "no usable query metrics for query_category",
        "No response named its partition key range",
        "unknown: the target sent no index metrics (3 calls asked)",
    ):
        assert flagged in report
    for command in (("plan", out, "--peak-rate", "100"), ("baseline", out, "-o", "b.json")):
        refused = rubench(*command, cwd=tmp_path)
        assert refused.returncode == 2
        assert "does not model request charges" in refused.stderr


def test_an_http_target_that_advertises_https_names_the_option_that_helps(tmp_path, endpoint):
    """The server's account document says https: with discovery on, the SDK fails with an
    SSL error that does not say why; the one-line error points to --no-endpoint-discovery."""
    (tmp_path / "elsewhere.toml").write_text(WORKLOAD)
    seed = rubench("seed", "--workload", "elsewhere.toml", "--target", endpoint, cwd=tmp_path)
    assert seed.returncode == 2
    error = seed.stderr.strip().splitlines()[-1]
    assert error.startswith(f"rubench: error: cannot reach {endpoint}")
    assert error.endswith("try --no-endpoint-discovery")
