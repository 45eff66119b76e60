"""The HTTP(S) listener (`http.HttpProtocol`) feeding the gateway, plus the TTL sweeper.
One event loop owns all state."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from bench.emulator.auth import Authenticator, TokenVerifier, account_hosts
from bench.emulator.config import EmulatorConfig
from bench.emulator.gateway import Gateway
from bench.emulator.http import HttpProtocol
from bench.emulator.ledger import Ledger
from bench.emulator.routes import route
from bench.emulator.storage import Account

TTL_SWEEP_SECONDS = 1.0


def build_gateway(config: EmulatorConfig) -> Gateway:
    verifier = TokenVerifier(config.aad_issuer_public_key) if config.aad_issuer_public_key else None
    return Gateway(
        Account(config.partitions, burst=config.burst_capacity),
        Authenticator(config.key, verifier, account_hosts(config.host)),
        Ledger(),
        route,
        config.consistency,
    )


class EmulatorServer:
    """Start with `await start()` (returns the endpoint), stop with `await stop()`."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.gateway = build_gateway(config)
        self._server: asyncio.base_events.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._connections: set[HttpProtocol] = set()
        self.endpoint = ""

    async def start(self) -> str:
        from bench.emulator.tls import self_signed_context

        ssl_context = self_signed_context(self.config.host) if self.config.tls else None
        loop = asyncio.get_running_loop()
        scheme = self.config.scheme
        self._server = await loop.create_server(
            lambda: HttpProtocol(self.gateway.handle, scheme, self._connections),
            self.config.host,
            self.config.port,
            ssl=ssl_context,
            backlog=1024,
        )
        port = self._server.sockets[0].getsockname()[1]
        host = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        self.endpoint = f"{self.config.scheme}://{host}:{port}/"
        self._sweeper = asyncio.create_task(self._sweep_expired())
        return self.endpoint

    async def _sweep_expired(self) -> None:
        while True:
            await asyncio.sleep(TTL_SWEEP_SECONDS)
            now = time.time()
            for container in self.gateway.account.containers():
                if container.ttl_heap:
                    container.remove_expired(now)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.close()
            await self._server.wait_closed()


async def serve_forever(config: EmulatorConfig, on_ready: Callable[[str], None]) -> None:
    """Run until cancelled (Ctrl-C); `on_ready(endpoint)` is called once listening."""
    server = EmulatorServer(config)
    on_ready(await server.start())
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
