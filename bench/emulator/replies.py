"""What a handler answers: status, JSON body bytes and headers, before HTTP framing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    charge: float = 0.0


def json_reply(status: int, value: Any, **headers: str) -> Reply:
    return Reply(status, dumps(value), dict(headers))


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def feed_body(rid: str, key: str, encoded_items: list[bytes]) -> bytes:
    """`{"_rid", "<key>": [...], "_count"}` assembled from already-encoded items."""
    return b"".join(
        (
            b'{"_rid":"',
            rid.encode("ascii"),
            b'","',
            key.encode("ascii"),
            b'":[',
            b",".join(encoded_items),
            b'],"_count":',
            str(len(encoded_items)).encode("ascii"),
            b"}",
        )
    )
