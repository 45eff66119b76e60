"""The SDK's test suite from its source distribution on the package registry, cached.

The suite must match the SDK it tests, so the version is the installed one. The
sdist is fetched with pip (the registry pip is configured for) and only its
`tests/` folder is kept, under the cache directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

from bench.errors import RubenchError

PACKAGE = "azure-cosmos"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rubench" / "conformance"


def installed_version() -> str:
    return version(PACKAGE)


def sdk_tests(cache_dir: Path, sdk_version: str) -> Path:
    """The extracted `tests/` folder of azure-cosmos `sdk_version`, downloading it once."""
    target = cache_dir / f"azure-cosmos-{sdk_version}" / "tests"
    if (target / "test_config.py").is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="rubench-sdist-") as scratch:
        archive = _download(sdk_version, Path(scratch))
        staging = Path(scratch) / "tests"
        _extract_tests(archive, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(staging, target)
    return target


def _download(sdk_version: str, into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        f"{PACKAGE}=={sdk_version}",
        "-d",
        str(into),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    archives = sorted(into.glob("azure[_-]cosmos-*.tar.gz"))
    if done.returncode != 0 or not archives:
        said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no archive"]
        raise RubenchError(
            f"could not download the {PACKAGE} {sdk_version} source distribution: {said[0]}"
        )
    return archives[0]


def _extract_tests(archive: Path, into: Path) -> None:
    """Only `<root>/tests/...` members, checked to stay inside `into`."""
    into.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 3 or parts[1] != "tests" or not (member.isfile() or member.isdir()):
                continue
            relative = Path(*parts[2:])
            if relative.is_absolute() or ".." in relative.parts:
                continue
            destination = into / relative
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with source, open(destination, "wb") as sink:
                shutil.copyfileobj(source, sink)
