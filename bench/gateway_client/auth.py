"""The `authorization` header of every request: a master-key signature or an Entra ID token.

Master key, as the SDK computes it (`azure/cosmos/auth.py`): HMAC-SHA256 with the
base64-decoded key over `verb\\nresource type\\nresource link\\nx-ms-date\\n\\n` (all lower
case except the link), base64, sent URL-encoded as `type=master&ver=1.0&sig=...`.
Entra ID: a `TokenCredential`'s token for `<scheme>://<host>/.default`, sent as
`type=aad&ver=1.0&sig=<token>`, fetched again five minutes before it expires (as
azure-core's bearer token policy does). Neither ever appears in a message or a log.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from typing import Any, Protocol
from urllib.parse import urlparse

from gevent.lock import BoundedSemaphore

from bench.errors import RubenchError

# azure-core's BearerTokenCredentialPolicy refreshes this long before expiry
REFRESH_BEFORE_EXPIRY_SECONDS = 300
# URL-encoding of the only base64 characters that need it (what `quote(s, safe="")` does)
_URL_ENCODED_BASE64 = str.maketrans({"+": "%2B", "/": "%2F", "=": "%3D"})


class Authorization(Protocol):
    def header(self, verb: str, resource_type: str, resource_link: str, date: str) -> str: ...


class MasterKey:
    """Signs requests with an account key (primary or secondary)."""

    def __init__(self, key: str) -> None:
        try:
            decoded = base64.b64decode(key.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise RubenchError(
                "the account key is not base64 text (the primary or secondary key from the "
                "portal or `az cosmosdb keys list`)"
            ) from None
        self._key = decoded

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    def header(self, verb: str, resource_type: str, resource_link: str, date: str) -> str:
        text = f"{verb.lower()}\n{resource_type.lower()}\n{resource_link}\n{date.lower()}\n\n"
        signature = base64.b64encode(hmac.digest(self._key, text.encode(), "sha256")).decode()
        return "type%3Dmaster%26ver%3D1.0%26sig%3D" + signature.translate(_URL_ENCODED_BASE64)


class EntraToken:
    """Signs requests with Microsoft Entra ID tokens from an azure-core `TokenCredential`
    (e.g. `DefaultAzureCredential`); the service takes them over https only."""

    def __init__(self, credential: Any, endpoint: str) -> None:
        parsed = urlparse(endpoint)
        if not callable(getattr(credential, "get_token", None)):
            raise RubenchError(
                f"credential {type(credential).__name__}: expected an account key (base64 "
                "text) or a TokenCredential such as azure.identity's DefaultAzureCredential"
            )
        if parsed.scheme != "https":
            raise RubenchError(
                f"{endpoint}: Microsoft Entra ID tokens are sent over https only (as azure-core "
                "refuses bearer tokens over http); use the https endpoint or an account key"
            )
        self.scope = f"{parsed.scheme}://{parsed.hostname}/.default"  # the port is dropped
        self._credential = credential
        self._header = ""
        self._refresh_at = 0.0
        self._lock = BoundedSemaphore()  # gevent's: get_token may wait on the network

    def __repr__(self) -> str:
        return f"EntraToken(scope={self.scope!r})"

    def header(self, verb: str, resource_type: str, resource_link: str, date: str) -> str:
        if time.time() >= self._refresh_at:
            with self._lock:
                if time.time() >= self._refresh_at:
                    token = self._credential.get_token(self.scope)
                    self._header = f"type=aad&ver=1.0&sig={token.token}"
                    self._refresh_at = token.expires_on - REFRESH_BEFORE_EXPIRY_SECONDS
        return self._header
