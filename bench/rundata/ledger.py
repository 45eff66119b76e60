"""partitions.json: what the local emulator charged the run's container, per partition.

The harness takes the emulator's ledger (`GET /_emulator/metrics`) before and
after Locust and keeps the difference, so seeding is left out. Only the local
emulator has one; other targets leave no partitions.json.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from bench.rundata.jsonfile import Record, read_record, write_record

LEDGER_SCHEMA = 1


class Tally(Record):
    """What the emulator counted: every attempt, a 429 being a throttled request."""

    request_charge: float = 0.0
    requests: int = 0
    throttled: int = 0


class PartitionTally(Tally):
    operations: dict[str, Tally] = Field(default_factory=dict)


class PartitionLedger(PartitionTally):
    """The container's tallies, in all, per operation and per partition key range id
    ("" books container-level requests: reading the container or its key ranges)."""

    schema_: int = Field(LEDGER_SCHEMA, alias="schema")
    container: str  # dbs/<db>/colls/<c>
    partitions: dict[str, PartitionTally] = Field(default_factory=dict)

    @property
    def physical_partitions(self) -> dict[str, PartitionTally]:
        """The tallies of real partitions (without the container-level "" entry)."""
        return {pid: tally for pid, tally in self.partitions.items() if pid}


def read_ledger(run_dir: str | Path) -> PartitionLedger | None:
    """partitions.json, or None when the target kept no ledger."""
    path = Path(run_dir) / "partitions.json"
    return read_record(path, PartitionLedger, LEDGER_SCHEMA) if path.exists() else None


def write_ledger(run_dir: str | Path, ledger: PartitionLedger) -> Path:
    return write_record(Path(run_dir) / "partitions.json", ledger)
