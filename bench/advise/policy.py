"""The advised indexing policy: the container's current policy, plus the composite indexes
the workload's queries asked for, minus the indexing of properties no query uses.

Every change and every kept property comes with its reason, per query and per path, so
the user sees why (`Advice.lines`). Pure: the inputs are the run's figures and queries.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.advise.queries import (
    Composite,
    describe,
    needed_order_by_composite,
    policy_path,
    spec_composite,
)
from bench.emulator.query import QueryPaths
from bench.emulator.query.query_paths import ANY_PROPERTY
from bench.rundata import OperationStats

# What the service applies to a container created without a policy
DEFAULT_POLICY: dict[str, Any] = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": "/*"}],
    "excludedPaths": [{"path": '/"_etag"/?'}],
}
SUGGESTED_IMPACT = "High"  # the service's potential indexes worth their write cost


@dataclass(frozen=True)
class Reason:
    subject: str  # an operation's name, or a path
    change: str  # "add composite index (...)", "exclude /description/?", "keep"
    why: str

    def line(self) -> str:
        return f"{self.subject}: {self.change}: {self.why}"


@dataclass
class Advice:
    policy: dict[str, Any]
    queries: list[Reason] = field(default_factory=list)  # per query operation
    paths: list[Reason] = field(default_factory=list)  # per document property

    def lines(self) -> list[str]:
        return [reason.line() for reason in (*self.queries, *self.paths)]

    @property
    def composites(self) -> list[list[dict[str, str]]]:
        return self.policy.get("compositeIndexes", [])


def advise_policy(
    current: Mapping[str, Any],
    queries: Mapping[str, QueryPaths],
    operations: Mapping[str, OperationStats],
    properties: Mapping[str, Any],
    key_paths: Sequence[str],
) -> Advice:
    """`properties`: the top-level properties of the workload's documents with a sample
    value each (an object or array is excluded with `/*`, a scalar with `/?`)."""
    advice = Advice(copy.deepcopy(dict(current) or DEFAULT_POLICY))
    if advice.policy.get("indexingMode", "consistent") == "none":
        advice.queries.append(Reason("container", "unchanged", "indexing mode none: no index"))
        return advice
    for name, paths in sorted(queries.items()):
        _add_composites(advice, name, paths, operations.get(name))
    _exclude_unused(advice, queries, properties, key_paths)
    return advice


def _add_composites(
    advice: Advice, name: str, paths: QueryPaths, stats: OperationStats | None
) -> None:
    wanted: list[tuple[Composite, str]] = []
    needed = needed_order_by_composite(paths, stats)
    if needed:
        rejected = stats.failures_by_status.get(400, 0) if stats else 0
        why = f"its ORDER BY on several paths needs it (answered 400 on {rejected} calls)"
        wanted.append((needed, why))
    indexes = stats.query.indexes if stats else None
    for use in indexes.potential_composite if indexes else ():
        composite = spec_composite(use.paths)
        why = (
            f"the target suggested it ({use.impact} impact, "
            f"{use.calls} of {indexes.reported_calls} sampled calls)"
        )
        if use.impact == SUGGESTED_IMPACT:
            wanted.append((composite, why))
        else:
            advice.queries.append(Reason(name, f"not added ({describe(composite)})", why))
    if not needed and (indexes is None or not indexes.reported_calls):
        advice.queries.append(Reason(name, "unknown", _no_metrics(stats)))
    for composite, why in wanted:
        if _has_composite(advice.policy, composite):
            advice.queries.append(Reason(name, f"has composite index ({describe(composite)})", why))
            continue
        entry = [{"path": path, "order": order} for path, order in composite]
        advice.policy.setdefault("compositeIndexes", []).append(entry)
        advice.queries.append(Reason(name, f"add composite index ({describe(composite)})", why))
    if not any(r.subject == name for r in advice.queries):
        advice.queries.append(Reason(name, "unchanged", "no index asked for"))


def _no_metrics(stats: OperationStats | None) -> str:
    """Why the run cannot tell which index a query wants: no figures are not "none needed"."""
    if stats is None:
        return "the run made no call of it"
    indexes = stats.query.indexes
    if indexes is None:
        return "no call asked the target for index metrics (index_metrics_sample = 0?)"
    return f"the target sent no index metrics on its {indexes.sampled_calls} sampled calls"


def _has_composite(policy: Mapping[str, Any], composite: Composite) -> bool:
    """Present as written, or fully reversed (the service serves the reverse order too)."""
    reverse = {"ascending": "descending", "descending": "ascending"}
    flipped = tuple((path, reverse[order]) for path, order in composite)
    for entry in policy.get("compositeIndexes", []):
        have = tuple((e.get("path"), str(e.get("order", "ascending")).lower()) for e in entry)
        if have in (composite, flipped):
            return True
    return False


def _exclude_unused(
    advice: Advice,
    queries: Mapping[str, QueryPaths],
    properties: Mapping[str, Any],
    key_paths: Sequence[str],
) -> None:
    """Exclude every top-level property no query filters, sorts or aggregates on, when
    the policy indexes everything (`/*` included); never a partition key path."""
    policy = advice.policy
    if not any(p.get("path") == "/*" for p in policy.get("includedPaths", [])):
        advice.paths.append(Reason("/*", "unchanged", "the policy indexes only the paths it lists"))
        return
    users = _users_by_property(queries, policy)
    if ANY_PROPERTY in users:
        names = ", ".join(sorted(users[ANY_PROPERTY]))
        advice.paths.append(
            Reason("/*", "unchanged", f"{names} reads a property chosen at run time")
        )
        return
    keys = {_top(path) for path in key_paths}
    excluded = {p.get("path") for p in policy.get("excludedPaths", [])}
    for name, value in sorted(properties.items()):
        if name == "id" or name.startswith("_"):
            continue  # system properties: the service manages their indexing
        path = f"/{name}"
        if name in keys:
            advice.paths.append(Reason(path, "keep", "a partition key path"))
        elif name in users:
            advice.paths.append(Reason(path, "keep", _uses_text(users[name])))
        else:
            exclusion = policy_path(path) + ("/*" if isinstance(value, dict | list) else "/?")
            if exclusion in excluded:
                advice.paths.append(Reason(path, "already excluded", "no query uses it"))
                continue
            policy.setdefault("excludedPaths", []).append({"path": exclusion})
            why = (
                "no query of the workload filters, sorts or aggregates on it: "
                "writes stop paying to index it"
            )
            advice.paths.append(Reason(path, f"exclude {exclusion}", why))


def _users_by_property(
    queries: Mapping[str, QueryPaths], policy: Mapping[str, Any]
) -> dict[str, set[str]]:
    """Top-level property -> 'query_x filters' descriptions of who uses it."""
    users: dict[str, set[str]] = {}
    for name, paths in queries.items():
        for path, uses in paths.paths.items():
            served = sorted(uses - {"project"})
            if served:
                users.setdefault(_top(path), set()).add(f"{name} {'/'.join(served)}s on {path}")
    for entry in policy.get("compositeIndexes", []):
        for part in entry:
            users.setdefault(_top(part.get("path", "")), set()).add("a composite index uses it")
    return users


def _uses_text(users: Iterable[str]) -> str:
    return "; ".join(sorted(users))


def _top(path: str) -> str:
    """The top-level property of `/a/b/[]/c` ("a"); `ANY_PROPERTY` for `/*`."""
    return path.strip("/").split("/")[0].strip('"')  # a policy path may quote it
