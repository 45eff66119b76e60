"""Resource tokens: what a permission grants, carried by a client instead of the key.

A token names its permission and its expiry and is signed with the account
key (HMAC-SHA256), so it cannot be forged or stretched. What it grants is read
from the permission when the token is used: a deleted permission or user
revokes its tokens at once (401). The scope rules follow the service's:

- the permission's resource and everything inside it: `All` any verb, `Read`
  only reads (GET, queries, query plans);
- a resource above it (its database, its container for an item permission)
  and its container's partition key ranges: reads of that one resource only,
  as the SDK needs them to route;
- a permission with `resourcePartitionKey`: item work inside it only with that
  partition key;
- anything else (other containers, feeds of databases, users, offers): 403.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from bench.emulator.errors import CosmosError

if TYPE_CHECKING:
    from bench.emulator.call import Call
    from bench.emulator.storage import Account
    from bench.emulator.users import Permission

DEFAULT_EXPIRY_SECONDS = 3600  # the service's default validity: one hour
MAX_EXPIRY_SECONDS = 18000  # the service's longest: five hours
EXPIRY_HEADER = "x-ms-documentdb-expiry-seconds"
PARTITION_KEY = "x-ms-documentdb-partitionkey"
FORBIDDEN = (
    "Insufficient permissions provided in the authorization header for the corresponding "
    "request. Please retry with another authorization header."
)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def expiry_seconds(call: Call) -> int:
    """The validity a permission read asked for (`resource_token_expiry_seconds`)."""
    asked = call.header(EXPIRY_HEADER)
    if asked is None:
        return DEFAULT_EXPIRY_SECONDS
    try:
        seconds = int(asked)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= MAX_EXPIRY_SECONDS:
        raise CosmosError(
            400,
            f"The {EXPIRY_HEADER} header {asked!r} is invalid: expected a whole number of "
            f"seconds from 1 to {MAX_EXPIRY_SECONDS}.",
        )
    return seconds


class ResourceTokens:
    """Issues and checks the tokens of one account (signed with its key)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, permission: Permission, database_rid: str, seconds: int) -> str:
        claims = {
            "db": database_rid,
            "user": permission.user.rid,
            "perm": permission.rid,
            "exp": int(time.time()) + seconds,
        }
        body = _encode(json.dumps(claims, separators=(",", ":")).encode())
        return f"type=resource&ver=1.0&sig={self._sign(body)};{body}"

    def authorize(self, signature: str, account: Account, call: Call) -> None:
        """401 for a forged, expired or revoked token; 403 for a request outside its scope."""
        permission = self._permission(signature, account, call.now)
        if not _allows(permission, account, call):
            raise CosmosError(403, FORBIDDEN)

    def _sign(self, body: str) -> str:
        return _encode(hmac.digest(self._secret, body.encode("ascii"), "sha256"))

    def _permission(self, signature: str, account: Account, now: float) -> Permission:
        mac, _, body = signature.partition(";")
        if not body or not hmac.compare_digest(mac, self._sign(body)):
            raise CosmosError(401, "The resource token is not valid for this account.")
        try:
            claims = json.loads(_decode(body))
        except (binascii.Error, ValueError):
            raise CosmosError(401, "The resource token is malformed.") from None
        if now >= claims["exp"]:
            raise CosmosError(401, "The resource token has expired; read the permission again.")
        database = next((d for d in account.databases.values() if d.rid == claims["db"]), None)
        user = database and next(
            (u for u in database.users.values() if u.rid == claims["user"]), None
        )
        permission = user and next(
            (p for p in user.permissions.values() if p.rid == claims["perm"]), None
        )
        if permission is None:
            raise CosmosError(401, "The resource token was revoked: its permission is gone.")
        return permission


def _allows(permission: Permission, account: Account, call: Call) -> bool:
    if not call.segments:  # the account read every client starts with
        return True
    target = _canonical(account, call.segments)
    if len(target) > 2 and target[2] == "users":
        # Users and permissions are administrative resources: the master key only, as on
        # the service (else a database-wide token could read other permissions' tokens).
        return False
    granted = _canonical(account, [s for s in permission.resource.split("/") if s])
    reads = call.verb == "GET" or _is_query(call)
    if target[: len(granted)] == granted:  # the resource or something inside it
        if permission.read_only and not reads:
            return False
        return _key_allowed(permission, target, granted, call)
    if granted[: len(target)] == target:  # a resource above it: read that one only
        return call.verb == "GET" and len(target) % 2 == 0
    # the partition key ranges of its container, which the SDK reads to route
    return call.verb == "GET" and target[4:] == ["pkranges"] and granted[:4] == target[:4]


def _key_allowed(permission: Permission, target: list[str], granted: list[str], call: Call) -> bool:
    """A key-scoped permission admits item work with its key, and the container's own reads
    (definition, partition key ranges) that the SDK needs to route that work."""
    if permission.partition_key is None or len(target) <= 4 or target[4] == "pkranges":
        return True
    sent = call.header(PARTITION_KEY)
    try:
        return sent is not None and json.loads(sent) == permission.partition_key
    except ValueError:
        return False


def _is_query(call: Call) -> bool:
    return call.verb == "POST" and (
        call.flag("x-ms-documentdb-isquery") or call.flag("x-ms-cosmos-is-query-plan-request")
    )


def _canonical(account: Account, segments: list[str]) -> list[str]:
    """A link with database and container names in place of their rids, so a permission
    on `dbs/<rid>/colls/<rid>` and a request by name compare equal."""
    names = list(segments)
    if len(names) >= 2 and names[0] == "dbs":
        database = _find(account.databases.values(), names[1])
        if database is not None:
            names[1] = database.id
            if len(names) >= 4 and names[2] == "colls":
                container = _find(database.containers.values(), names[3])
                if container is not None:
                    names[3] = container.id
    return names


def _find(resources: Any, name: str) -> Any:
    return next((r for r in resources if name in (r.id, r.rid)), None)
