"""Signed raw HTTP requests to an emulator, for what the SDK would never send."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from bench.emulator.auth import master_key_header
from bench.emulator.gateway import resource_type_and_link

# The emulator's self-signed certificate, on loopback (as the SDK treats 127.0.0.1).
_UNVERIFIED = ssl.create_default_context()
_UNVERIFIED.check_hostname = False
_UNVERIFIED.verify_mode = ssl.CERT_NONE


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


RawRequest = Callable[..., RawResponse]


def send(
    endpoint: str,
    key: str,
    verb: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    date: str | None = None,
    authorization: str | None = None,
) -> RawResponse:
    """A request signed like the SDK signs it (unless `authorization` is given)."""
    date = date or formatdate(usegmt=True)
    segments = [s for s in path.strip("/").split("/") if s]
    resource_type, link = resource_type_and_link(segments)
    if authorization is None:
        authorization = master_key_header(key, verb, resource_type, link, date)
    all_headers = {
        "x-ms-date": date,
        "x-ms-version": "2020-07-15",
        "content-type": "application/json",
    }
    if authorization:
        all_headers["authorization"] = authorization
    all_headers.update(headers or {})
    url = endpoint.rstrip("/") + "/" + "/".join(quote(s, safe="") for s in segments)
    request = urllib.request.Request(url, data=body, method=verb, headers=all_headers)
    context = _UNVERIFIED if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return RawResponse(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return RawResponse(error.code, dict(error.headers), error.read())
