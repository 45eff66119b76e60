"""A local Microsoft Entra ID stand-in: an RSA key pair that mints RS256 access tokens, and
azure-core credentials that hand them to the SDK, so the token path (`credential=` instead
of a key) can run end to end with no Azure tenant.

    issuer = LocalTokenIssuer()
    with LocalEmulator(tls=True, aad_issuer_public_key=issuer.public_key_pem) as emulator:
        client = CosmosClient(emulator.endpoint, credential=issuer.credential())

From the command line: `issuer.write_public_key(path)` then
`rubench emulator --tls --aad-issuer-key path`. Tokens are accepted over
https only (azure-core refuses bearer tokens over http) and only when their
signature, audience (`<scheme>://<host>`, the SDK's scope minus `/.default`)
and expiry check out.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from azure.core.credentials import AccessToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://login.rubench.local/emulator/v2.0"
DEFAULT_SUFFIX = "/.default"


class LocalTokenIssuer:
    """Holds a private key; mints tokens for any `<scheme>://<host>/.default` scope."""

    def __init__(self, lifetime_seconds: int = 3600) -> None:
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.lifetime_seconds = lifetime_seconds
        self.public_key_pem = self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def write_public_key(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_bytes(self.public_key_pem)
        return path

    def mint(self, scope: str, *, lifetime_seconds: int | None = None) -> AccessToken:
        audience = scope[: -len(DEFAULT_SUFFIX)] if scope.endswith(DEFAULT_SUFFIX) else scope
        now = int(time.time())
        expires = now + (self.lifetime_seconds if lifetime_seconds is None else lifetime_seconds)
        claims = {
            "aud": audience,
            "iss": ISSUER,
            "iat": now,
            "nbf": now - 60,
            "exp": expires,
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, ISSUER)),
            "sub": "rubench-local-identity",
            "tid": "rubench-local",
        }
        token = jwt.encode(claims, self._private_key, algorithm="RS256")
        return AccessToken(token, expires)

    def credential(self) -> LocalTokenCredential:
        return LocalTokenCredential(self)

    def async_credential(self) -> AsyncLocalTokenCredential:
        return AsyncLocalTokenCredential(self)


class LocalTokenCredential:
    """A sync azure-core `TokenCredential` backed by a `LocalTokenIssuer`."""

    def __init__(self, issuer: LocalTokenIssuer) -> None:
        self._issuer = issuer

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return self._issuer.mint(scopes[0])

    def close(self) -> None:
        """Nothing to release (part of the credential protocol)."""


class AsyncLocalTokenCredential:
    """An async azure-core `AsyncTokenCredential` backed by a `LocalTokenIssuer`."""

    def __init__(self, issuer: LocalTokenIssuer) -> None:
        self._issuer = issuer

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return self._issuer.mint(scopes[0])

    async def close(self) -> None:
        """Nothing to release (part of the credential protocol)."""

    async def __aenter__(self) -> AsyncLocalTokenCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
