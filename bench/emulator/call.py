"""One incoming request, as the handlers see it (already authenticated)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bench.emulator.jsonin as jsonin
from bench.emulator.consistency import ConsistencyLevel
from bench.emulator.errors import CosmosError


@dataclass
class Call:
    verb: str  # upper case
    segments: list[str]  # unescaped path segments
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    scheme: str
    host: str  # the Host header, as the client sent it
    now: float
    consistency: ConsistencyLevel = ConsistencyLevel.SESSION  # the level this request runs at
    by_rid: bool = False  # the path names resources by `_rid`, not by id

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def flag(self, name: str) -> bool:
        """Boolean headers arrive as True/False/true: compare case-insensitively."""
        value = self.headers.get(name)
        return value is not None and value.lower() == "true"

    def json(self) -> Any:
        return jsonin.loads(self.body, "The request payload")

    def query_spec(self) -> tuple[str, Any]:
        """A query request's SQL text and parameters: `{"query", "parameters"}`, or plain SQL
        (`application/sql`, as older clients send resource queries)."""
        if (self.header("content-type") or "").startswith("application/sql"):
            return self.body.decode("utf-8", "replace"), None
        spec = self.json_object()
        text, parameters = spec.get("query"), spec.get("parameters")
        if not isinstance(text, str):
            raise CosmosError(400, "The query body must have a string 'query'.")
        if parameters is not None and not isinstance(parameters, list):
            raise CosmosError(400, "The query 'parameters' must be a list of {name, value}.")
        return text, parameters

    def json_object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise CosmosError(400, "The request payload must be a JSON object.")
        return value

    @property
    def strong(self) -> bool:
        """Strong and Bounded Staleness reads and queries read two replicas (2x)."""
        return self.consistency.reads_two_replicas
