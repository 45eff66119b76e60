"""`udf.name(...)` in queries: the container's user-defined functions, run in V8."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bench.emulator.scripts.engine as engine
from bench.emulator.query.values import UNDEFINED
from bench.emulator.scripts.registry import Kind, ScriptRegistry


def by_name(scripts: ScriptRegistry) -> dict[str, Callable[[list[Any]], Any]]:
    """What the query engine calls for `udf.name(args)`, for each UDF of the container."""
    return {udf["id"]: _caller(udf["body"]) for udf in scripts.all(Kind.UDF)}


def _caller(source: str) -> Callable[[list[Any]], Any]:
    def call(args: list[Any]) -> Any:
        # JSON has no `undefined`: an undefined argument arrives as null.
        result = engine.call_udf(source, [None if a is UNDEFINED else a for a in args])
        return result.get("value", UNDEFINED)

    return call
