"""Request authentication: master-key signatures and Microsoft Entra ID (AAD) tokens.

A request that fails here is answered 401 before anything runs. The master
key scheme is the service's: HMAC-SHA256 over
`verb\\nresourceType\\nresourceLink\\nx-ms-date\\n\\n` (all lower case except the
link), base64, sent URL-encoded as `type=master&ver=1.0&sig=...`. Entra ID
tokens (`type=aad&ver=1.0&sig=<jwt>`) are accepted only when they verify
against the local issuer key the emulator was started with (see `aad.py`);
resource tokens (`type=resource&...`) are judged per request by
`resource_tokens.py`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from bench.emulator.errors import CosmosError
from bench.emulator.resource_tokens import ResourceTokens

# The service accepts requests dated up to 15 minutes away from its clock.
MAX_CLOCK_SKEW_SECONDS = 15 * 60

SIGNATURE_HELP = "https://aka.ms/cosmosdb-tsg-mac-signature"
_MASTER_PREFIX = "type%3Dmaster%26ver%3D1.0%26sig%3D"


def unauthorized(message: str) -> CosmosError:
    return CosmosError(401, message)


def sign(key: str, verb: str, resource_type: str, resource_link: str, date: str) -> str:
    """The master-key signature of a request (what the SDK computes in `auth.py`)."""
    payload = f"{verb.lower()}\n{resource_type.lower()}\n{resource_link}\n{date.lower()}\n\n"
    digest = hmac.digest(base64.b64decode(key), payload.encode("utf-8"), "sha256")
    return base64.b64encode(digest).decode("ascii")


def master_key_header(
    key: str, verb: str, resource_type: str, resource_link: str, date: str
) -> str:
    """The URL-encoded `authorization` header value for a master-key request."""
    from urllib.parse import quote

    signature = sign(key, verb, resource_type, resource_link, date)
    return quote(f"type=master&ver=1.0&sig={signature}", safe="-_.!~*'()")


class TokenVerifier:
    """Verifies Entra ID bearer tokens against one issuer public key (RS256)."""

    def __init__(self, public_key_pem: bytes) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        self._public_key = load_pem_public_key(public_key_pem)
        self._verified: dict[str, float] = {}  # token -> expiry, so each token is checked once

    def verify(self, token: str, audiences: list[str]) -> None:
        import jwt

        now = time.time()
        expiry = self._verified.get(token)
        if expiry is not None and expiry > now:
            return
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["RS256"],
                audience=audiences,
                options={"require": ["exp", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise unauthorized(f"The AAD token has expired: {error}.") from None
        except jwt.InvalidAudienceError:
            raise unauthorized(
                f"The AAD token's audience is not this account; expected one of {audiences}."
            ) from None
        except jwt.PyJWTError as error:
            raise unauthorized(
                f"The AAD token could not be verified against the emulator's issuer key: {error}."
            ) from None
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[token] = float(claims["exp"])


class Authenticator:
    """Checks the `authorization` header of every request."""

    def __init__(
        self,
        key: str,
        token_verifier: TokenVerifier | None = None,
        account_hosts: Sequence[str] = ("127.0.0.1",),
    ) -> None:
        """`account_hosts`: the host names of the account endpoint, the only audiences
        Entra ID tokens may name (never the request's own Host header, which the sender
        chooses)."""
        self._audiences = [
            audience
            for host in account_hosts
            for audience in (f"https://{_bracketed(host)}", f"https://{_bracketed(host)}/")
        ] + ["https://cosmos.azure.com"]
        try:
            self._secret = base64.b64decode(key, validate=True)
        except binascii.Error:
            raise ValueError("the account key must be base64") from None
        self._token_verifier = token_verifier
        self.resource_tokens = ResourceTokens(self._secret)
        self._dates: dict[str, float] = {}  # x-ms-date string -> epoch seconds

    def authenticate(
        self,
        *,
        verb: str,
        resource_type: str,
        resource_link: str,
        authorization: str | None,
        date: str | None,
        scheme: str,
    ) -> str | None:
        """Raise a 401 CosmosError unless the request is signed or carries a valid token.

        A resource token is returned unchecked: what it grants depends on the account's
        permissions and the request's target, which `ResourceTokens.authorize` judges."""
        if not authorization:
            raise unauthorized(
                "Required Header authorization is missing. "
                "Ensure a valid Authorization token is passed."
            )
        if authorization.startswith(_MASTER_PREFIX):  # the SDK's exact form: skip parsing
            signature = authorization[len(_MASTER_PREFIX) :]
            # base64 only escapes to these three; anything else takes the general path.
            signature = signature.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
            kind = "master"
            if "%" in signature:
                signature = unquote(signature)
        else:
            fields = _parse_authorization(unquote(authorization))
            kind, signature = fields.get("type"), fields.get("sig")
        if not signature or kind not in ("master", "aad", "resource"):
            raise unauthorized(
                "The authorization header is malformed: expected "
                "'type=master|aad|resource&ver=1.0&sig=<signature>' (URL-encoded)."
            )
        if kind == "resource":
            return signature
        if kind == "aad":
            self._check_token(signature, scheme)
            return None
        if not date:
            raise unauthorized("Required Header x-ms-date is missing.")
        self._check_date(date)
        payload = f"{verb.lower()}\n{resource_type.lower()}\n{resource_link}\n{date.lower()}\n\n"
        expected = base64.b64encode(
            hmac.digest(self._secret, payload.encode("utf-8"), "sha256")
        ).decode("ascii")
        if not signature.isascii() or not hmac.compare_digest(expected, signature):
            raise unauthorized(
                "The input authorization token can't serve the request. The wrong key is being "
                "used or the expected payload is not built as per the protocol. For more info: "
                f"{SIGNATURE_HELP}. Server used the following payload to sign: {payload!r}"
            )
        return None

    def _check_token(self, token: str, scheme: str) -> None:
        if self._token_verifier is None:
            raise unauthorized(
                "Entra ID (AAD) tokens are not accepted: start the emulator with an issuer key "
                "(--aad-issuer-key) to enable them."
            )
        if scheme != "https":
            raise unauthorized("Entra ID (AAD) tokens are accepted over https only.")
        self._token_verifier.verify(token, self._audiences)

    def _check_date(self, date: str) -> None:
        sent = self._dates.get(date)
        if sent is None:
            try:
                sent = parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                raise unauthorized(
                    f"The x-ms-date header {date!r} is not an RFC 1123 date "
                    "(e.g. 'Mon, 23 Nov 2026 11:00:00 GMT')."
                ) from None
            if len(self._dates) > 1000:
                self._dates.clear()
            self._dates[date] = sent
        now = time.time()
        if abs(now - sent) > MAX_CLOCK_SKEW_SECONDS:
            raise unauthorized(
                "The authorization token is not valid at the current time. Please create another "
                f"token and retry (token time: {date}, current server time: "
                f"{time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(now))})."
            )


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def account_hosts(listen_host: str) -> tuple[str, ...]:
    """The names clients may use for an emulator listening on `listen_host`: loopback has
    several (the SDK's scope is `https://<the host it was given>/.default`)."""
    if listen_host in LOOPBACK_NAMES:
        return LOOPBACK_NAMES
    return (listen_host,)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _parse_authorization(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in value.split("&"):
        name, _, field_value = part.partition("=")
        fields[name.strip().lower()] = field_value.strip()
    return fields
