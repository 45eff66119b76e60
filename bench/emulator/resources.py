"""Resource identity: `_rid`s in the service's format, `_self` links, etags, timestamps, and
the rules a resource's `id` must follow.

Real rids are base64 of a binary id: a database 4 bytes, a container 8
(database + collection), a document 16 (container + document counter); the
SDK parses `_self` links by position, so the shapes matter.
"""

from __future__ import annotations

import base64
import itertools
import json
import struct
import time
from typing import Any

from bench.emulator.errors import CosmosError

_ids = itertools.count(1)
_etags = itertools.count(1)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").replace("/", "-")


def new_database_rid() -> tuple[str, bytes]:
    raw = struct.pack("<I", next(_ids))
    return _b64(raw), raw


def new_collection_rid(database_raw: bytes) -> tuple[str, bytes]:
    raw = database_raw + struct.pack(">I", 0x80000000 | next(_ids))
    return _b64(raw), raw


def new_user_rid(database_raw: bytes) -> tuple[str, bytes]:
    raw = database_raw + struct.pack("<I", next(_ids))
    return _b64(raw), raw


def new_permission_rid(user_raw: bytes) -> str:
    return _b64(user_raw + struct.pack("<Q", next(_ids)))


def document_rid(collection_raw: bytes, number: int) -> str:
    return _b64(collection_raw + struct.pack("<Q", number))


def new_offer_rid() -> str:
    return _b64(struct.pack("<I", next(_ids)))[:4]


def new_etag() -> str:
    """A fresh, unique, quoted etag (the service's shape: a GUID-like string in quotes)."""
    counter = next(_etags)
    return f'"{counter >> 32:08x}-0000-0000-{(counter >> 16) & 0xFFFF:04x}-{counter & 0xFFFF:012x}"'


def now_ts() -> int:
    return int(time.time())


INVALID_ID_CHARACTERS = ("/", "\\", "?", "#")
MAX_ID_BYTES = 1023  # items
MAX_NAME_CHARACTERS = 254  # databases and containers ("less than '255' characters")


def check_resource_id(body: Any, *, max_characters: int | None = None) -> None:
    """400 unless `body` is an object with a valid string `id` (the service's rules: items
    up to MAX_ID_BYTES bytes, databases and containers up to `max_characters`)."""
    if not isinstance(body, dict):
        raise CosmosError(400, "The request body must be a JSON object.")
    if "id" not in body:
        raise CosmosError(
            400,
            "The input content is invalid because the required properties - 'id; ' - are missing",
        )
    value = body["id"]
    too_long = isinstance(value, str) and (
        len(value) > max_characters
        if max_characters is not None
        else len(value.encode("utf-8")) > MAX_ID_BYTES
    )
    if (
        not isinstance(value, str)
        or not value
        or any(c in value for c in INVALID_ID_CHARACTERS)
        or value.endswith(" ")
        or too_long
    ):
        limit = (max_characters if max_characters is not None else MAX_ID_BYTES) + 1
        raise CosmosError(
            400,
            f"The input name {json.dumps(value)} is invalid. Ensure to provide a unique non-empty "
            f"string less than '{limit}' characters. Names cannot contain '/', '\\\\', '?' or "
            "'#', nor end with a space.",
        )
