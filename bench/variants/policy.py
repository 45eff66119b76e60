"""Indexing policies compared as the service reads them: which paths are excluded and
included, which composite indexes exist, in which mode. `{}` (no policy) is the
service's default, everything indexed; the `/"_etag"/?` exclusion the service adds to
every policy is not a difference::

    policy_changes({}, {"excludedPaths": [{"path": "/description/?"}]})
    # ["excluding /description/?"]
"""

from __future__ import annotations

from typing import Any


def excluded(policy: dict[str, Any]) -> set[str]:
    return {
        entry["path"]
        for entry in policy.get("excludedPaths") or []
        if isinstance(entry, dict) and isinstance(entry.get("path"), str)
    } - {'/"_etag"/?'}  # the service adds it to every policy


def _included(policy: dict[str, Any]) -> set[str]:
    paths = {
        entry["path"]
        for entry in policy.get("includedPaths") or []
        if isinstance(entry, dict) and isinstance(entry.get("path"), str)
    }
    return paths or {"/*"}  # no includedPaths: everything is indexed


def _composites(policy: dict[str, Any]) -> set[str]:
    """Each composite index as `(/name ASC, /price DESC)`."""
    return {
        "(" + ", ".join(f"{entry.get('path')} {_order(entry)}" for entry in index) + ")"
        for index in policy.get("compositeIndexes") or []
        if isinstance(index, list) and all(isinstance(entry, dict) for entry in index)
    }


def _order(entry: dict[str, Any]) -> str:
    return "DESC" if str(entry.get("order", "")).lower().startswith("desc") else "ASC"


def _mode(policy: dict[str, Any]) -> str:
    return str(policy.get("indexingMode", "consistent")).lower()


def policy_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """How `after` differs from `before`, in words."""
    if _mode(before) != _mode(after) and "none" in (_mode(before), _mode(after)):
        return [f"indexingMode {_mode(after)} instead of {_mode(before)}"]
    changes = []
    for verb, paths in (
        ("excluding", excluded(after) - excluded(before)),
        ("indexing again", excluded(before) - excluded(after)),
        ("including", _included(after) - _included(before)),
        ("no longer including", _included(before) - _included(after)),
    ):
        if paths:
            changes.append(f"{verb} {', '.join(sorted(paths))}")
    for verb, indexes in (
        ("adding the composite index", _composites(after) - _composites(before)),
        ("dropping the composite index", _composites(before) - _composites(after)),
    ):
        if indexes:  # one phrase for several: "adding the composite indexes (a), (b)"
            plural = "es" if len(indexes) > 1 else ""
            changes.append(f"{verb}{plural} {', '.join(sorted(indexes))}")
    return changes
