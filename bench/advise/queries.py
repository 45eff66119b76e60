"""A run's queries as the advice reads them: each query operation's SQL (from the run's
workload.toml) and the composite index its ORDER BY needs.

The service answers an ORDER BY on several paths without a matching composite index with
400 ("...does not have a corresponding composite index..."), so such a query never
reports index metrics: the index it needs is read from the ORDER BY itself.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from bench.emulator.errors import CosmosError
from bench.emulator.query import QueryPaths, query_paths
from bench.rundata import OperationStats

Composite = tuple[tuple[str, str], ...]  # ((path, "ascending" | "descending"), ...)
ORDER_BY_REJECTED = 400  # the status of a query whose ORDER BY lacks its composite index
PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_]+|\[\]|\*|\?")  # written unquoted in a policy


def policy_path(path: str) -> str:
    """`/a/my-prop` as an indexing policy must write it, `/a/"my-prop"`: the service takes
    only letters, digits and `_` unquoted in a path segment."""
    return "/".join(
        part if not part or PLAIN_SEGMENT.fullmatch(part) else f'"{part}"'
        for part in path.split("/")
    )


def workload_queries(workload_text: str | None) -> dict[str, QueryPaths]:
    """Each query operation's paths, from the run's workload.toml (none when it is absent
    or a query does not parse: the run itself then failed before it started)."""
    if not workload_text:
        return {}
    try:
        operations: dict[str, Any] = tomllib.loads(workload_text).get("operations", {})
    except tomllib.TOMLDecodeError:
        return {}
    queries = {}
    for name, spec in operations.items():
        if isinstance(spec, dict) and spec.get("kind") == "query" and "sql" in spec:
            try:
                queries[name] = query_paths(str(spec["sql"]))
            except CosmosError:  # a query that does not parse: the run failed before it began
                continue
    return queries


def needed_order_by_composite(paths: QueryPaths, stats: OperationStats | None) -> Composite:
    """The composite index an ORDER BY on several paths needs, when the run shows the
    target rejecting it (400); () otherwise."""
    rejected = stats is not None and stats.failures_by_status.get(ORDER_BY_REJECTED, 0) > 0
    if len(paths.order_by) < 2 or not rejected:
        return ()
    return tuple((policy_path(path), order) for path, order in paths.order_by)


def spec_composite(index_specs: tuple[str, ...]) -> Composite:
    """The service's `("/a ASC", "/b DESC")` as policy entries."""
    entries = []
    for spec in index_specs:
        path, _, order = spec.rpartition(" ")
        if not path:
            path, order = spec, "ASC"
        entries.append((path, "descending" if order.upper() == "DESC" else "ascending"))
    return tuple(entries)


def describe(composite: Composite) -> str:
    """`/price DESC, /name ASC`, as the service writes composite index specs."""
    return ", ".join(
        f"{path} {'DESC' if order == 'descending' else 'ASC'}" for path, order in composite
    )
