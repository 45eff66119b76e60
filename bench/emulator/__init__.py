"""A local emulator of the Azure Cosmos DB for NoSQL gateway, for the unmodified azure-cosmos SDK.

    from bench.emulator import LocalEmulator, fetch_ledger
    with LocalEmulator(port=0) as emulator:
        client = CosmosClient(emulator.endpoint, emulator.key)
        ...
        fetch_ledger(emulator.endpoint, emulator.key)  # what it charged

Layout: `server` (HTTP listener) -> `gateway` (auth, routing, throughput
pipeline) -> `routes/` (one module per resource) -> `storage` (account ->
databases -> containers), `partitions` (key ranges), `documents`, `patch`,
`batch`, `paging`; `partition_keys` hashes keys like the SDK (with `bench.epk`,
shared with `bench.gateway_client`); `auth` and `aad` check credentials; `query/`
is the SQL engine; `costs`, `throughput` and `ledger` are the RU model.
"""

from bench.emulator.config import WELL_KNOWN_KEY, EmulatorConfig
from bench.emulator.local import EmulatorStartError, LocalEmulator, fetch_ledger

__all__ = [
    "WELL_KNOWN_KEY",
    "EmulatorConfig",
    "EmulatorStartError",
    "LocalEmulator",
    "fetch_ledger",
]
