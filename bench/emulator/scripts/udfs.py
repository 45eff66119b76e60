"""`udf.name(...)` in queries: the container's user-defined functions, run in V8."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bench.emulator.scripts.engine as engine
from bench.emulator.query.values import UNDEFINED
from bench.emulator.scripts.registry import Kind, ScriptRegistry


def by_name(scripts: ScriptRegistry) -> dict[str, Callable[[list[Any]], Any]]:
    """What the query engine calls for `udf.name(args)`, for each UDF of the container; one
    query execution's calls share a V8 context that no other query sees."""
    scope = engine.UdfScope()
    return {udf["id"]: _caller(scope, udf["body"]) for udf in scripts.all(Kind.UDF)}


def _caller(scope: engine.UdfScope, source: str) -> Callable[[list[Any]], Any]:
    def call(args: list[Any]) -> Any:
        # JSON has no `undefined`: an undefined argument arrives as null.
        result = scope.call(source, [None if a is UNDEFINED else a for a in args])
        return result.get("value", UNDEFINED)

    return call
