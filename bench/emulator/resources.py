"""Resource identity: `_rid`s in the service's format, `_self` links, etags and timestamps.

Real rids are base64 of a binary id: a database 4 bytes, a container 8
(database + collection), a document 16 (container + document counter); the
SDK parses `_self` links by position, so the shapes matter.
"""

from __future__ import annotations

import base64
import itertools
import struct
import time

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
