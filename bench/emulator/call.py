"""One incoming request, as the handlers see it (already authenticated)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.emulator import jsonin
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

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def flag(self, name: str) -> bool:
        """Boolean headers arrive as True/False/true: compare case-insensitively."""
        value = self.headers.get(name)
        return value is not None and value.lower() == "true"

    def json(self) -> Any:
        return jsonin.loads(self.body, "The request payload")

    def json_object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise CosmosError(400, "The request payload must be a JSON object.")
        return value

    @property
    def strong(self) -> bool:
        level = self.headers.get("x-ms-consistency-level")
        return level is not None and level.lower() in ("strong", "boundedstaleness")
