"""How an emulator instance is set up (shared by the CLI, `python -m bench.emulator` and
`LocalEmulator`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.emulator.consistency import ConsistencyLevel

# The official Cosmos DB emulator's published key, so code written for it works unchanged.
WELL_KNOWN_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8081  # 0 picks a free port
    key: str = field(default=WELL_KNOWN_KEY, repr=False)  # a secret unless the well-known one
    tls: bool = False
    partitions: int | None = None  # fixed physical partitions per container (else from RU/s)
    aad_issuer_public_key: bytes | None = None  # PEM; enables Entra ID tokens (https only)
    burst_capacity: bool = False  # partitions under 3000 RU/s bank idle RU (opt-in)
    consistency: ConsistencyLevel = ConsistencyLevel.SESSION  # the account's default level

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"
