"""`udf.name(...)` in queries: the container's user-defined functions, run in V8."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.emulator.errors import CosmosError
from bench.emulator.query.values import UNDEFINED
from bench.emulator.scripts import engine
from bench.emulator.scripts.registry import Kind, ScriptRegistry


def caller(scripts: ScriptRegistry) -> Callable[[str, list[Any]], Any] | None:
    """What the query engine calls for `udf.name(args)`; None when there are no UDFs."""
    if not scripts.all(Kind.UDF):
        return None

    def call(name: str, args: list[Any]) -> Any:
        try:
            source = scripts.get(Kind.UDF, name)["body"]
        except CosmosError:
            raise CosmosError(
                400, f"The user-defined function 'udf.{name}' does not exist in this container."
            ) from None
        # JSON has no `undefined`: an undefined argument arrives as null.
        result = engine.call_udf(source, [None if a is UNDEFINED else a for a in args])
        return result.get("value", UNDEFINED)

    return call
