"""Turning "cannot reach / cannot sign in to the target" into one clear line.

The SDK's exceptions carry pages of diagnostics; a user who typed the wrong endpoint
or key needs one sentence that says which endpoint and what to check::

    async with connection_errors(target):
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bench.errors import RubenchError
from bench.harness.target import KEY_VARIABLE, Target, async_client


class TargetError(RubenchError):
    """The target could not be reached or refused the credentials."""


def explain(error: BaseException, target: Target) -> TargetError | None:
    """A one-line TargetError for connection and auth failures, else None."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ServiceRequestError,
        ServiceResponseError,
    )
    from azure.cosmos.exceptions import CosmosHttpResponseError

    where = target.endpoint
    if isinstance(error, CosmosHttpResponseError) and error.status_code in (401, 403):
        how = "check your Microsoft Entra ID sign-in (DefaultAzureCredential)"
        if target.key_source == KEY_VARIABLE:
            how = f"check {KEY_VARIABLE}"
        elif target.key:
            how = f"it does not accept {target.key_source}; set {KEY_VARIABLE}"
        return TargetError(
            f"{where} rejected the credentials ({error.status_code} {_reason(error)}); {how}"
        )
    if isinstance(error, ClientAuthenticationError):
        return TargetError(f"no Microsoft Entra ID token for {where}: {first_line(error)}")
    if isinstance(error, ServiceRequestError | ServiceResponseError | ConnectionError | OSError):
        hint = ""
        tls_to_http = "WRONG_VERSION_NUMBER" in str(error) or "wrong version number" in str(error)
        if where.startswith("http://") and target.connection.endpoint_discovery and tls_to_http:
            # the account document advertised https for this http server
            hint = "; it may advertise https addresses: try --no-endpoint-discovery"
        return TargetError(f"cannot reach {where}: {first_line(error)}{hint}")
    return None


@asynccontextmanager
async def connection_errors(target: Target) -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        explained = explain(error, target)
        if explained is None:
            raise
        raise explained from None


@asynccontextmanager
async def connected_client(target: Target) -> AsyncIterator[Any]:
    """An async CosmosClient that is closed even when connecting fails (otherwise aiohttp
    prints "Unclosed client session" after our one-line error)."""
    client = async_client(target)
    try:
        async with connection_errors(target):
            await client.__aenter__()
            yield client
    finally:
        await client.close()


def _reason(error: BaseException) -> str:
    return "Unauthorized" if getattr(error, "status_code", 0) == 401 else "Forbidden"


def first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."
