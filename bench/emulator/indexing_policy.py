"""A container's indexing policy as the service stores and returns it.

The service completes what the client sends: a missing or partial policy
gets the default paths (`/*` included, `/"_etag"/?` excluded), the legacy
root path `/` becomes `/*`, and the per-path `indexes` of the old
index-precision model are dropped (every included path has range indexes
now). A policy in mode `none` indexes nothing and keeps no paths. The
completed policy is what a container read returns and what the emulator's
indexes (and so its charges) follow.

    >>> complete_indexing_policy({"indexingMode": "Consistent"})["includedPaths"]
    [{'path': '/*'}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench.emulator.errors import CosmosError
from bench.emulator.query.indexing import parse_path

ROOT_PATH = "/*"
ETAG_PATH = '/"_etag"/?'
LEGACY_ROOT_PATH = "/"
INDEXING_MODES = ("consistent", "lazy", "none")


def complete_indexing_policy(policy: Any) -> dict[str, Any]:
    """The stored form of `policy` (None: the default policy); 400 if it is malformed."""
    if policy is None:
        policy = {}
    if not isinstance(policy, Mapping):
        raise CosmosError(400, "The container's 'indexingPolicy' must be an object.")
    completed = dict(policy)
    mode = completed.get("indexingMode", "consistent")
    if not isinstance(mode, str) or mode.lower() not in INDEXING_MODES:
        raise CosmosError(
            400,
            f"The indexingPolicy.indexingMode {mode!r} is invalid: use one of "
            f"{', '.join(INDEXING_MODES)}.",
        )
    completed["indexingMode"] = mode.lower()
    completed.setdefault("automatic", True)
    if completed["indexingMode"] == "none":
        completed["includedPaths"] = []
        completed["excludedPaths"] = []
        return completed
    included = _paths(completed, "includedPaths")
    excluded = _paths(completed, "excludedPaths")
    if not included and all(entry["path"] != ROOT_PATH for entry in excluded):
        included = [{"path": ROOT_PATH}]
    if all(entry["path"] != ETAG_PATH for entry in excluded):
        excluded.append({"path": ETAG_PATH})
    completed["includedPaths"] = included
    completed["excludedPaths"] = excluded
    return completed


def _paths(policy: Mapping[str, Any], field: str) -> list[dict[str, Any]]:
    """The entries of `includedPaths`/`excludedPaths`, legacy root mapped, `indexes` dropped."""
    entries = policy.get(field) or []
    if not isinstance(entries, list) or not all(
        isinstance(entry, Mapping) and isinstance(entry.get("path"), str) for entry in entries
    ):
        raise CosmosError(
            400, f"The indexingPolicy.{field} must be a list of objects with a string 'path'."
        )
    completed = []
    for entry in entries:
        kept = {key: value for key, value in entry.items() if key != "indexes"}
        if kept["path"] == LEGACY_ROOT_PATH:
            kept["path"] = ROOT_PATH
        parse_path(kept["path"])  # a malformed path is refused before anything changes
        completed.append(kept)
    return completed
