"""run.json: what ran, typed (docs/run-directory.md). One reader, one writer.

The harness builds a `RunInfo` when Locust starts and replaces it as the run goes
(phases, the target's view of the container, the end); every job reads it back
through `read_run_info`, never as a dict.

Example::

    info = read_run_info(run_dir)
    info.container.partition_key.paths, info.window_start, info.status
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench.rundata.jsonfile import Record, read_record, write_record

RUN_INFO_SCHEMA = 1  # run.json of rubench 0.1 had no "schema" key: the same layout

RunStatus = Literal["waiting", "running", "completed", "interrupted", "failed", "not started"]


class TargetInfo(Record):
    """The target as the run saw it; never the key."""

    kind: str  # local | emulator | azure
    host: str
    auth: str  # key | entra
    consistency: str | None = None  # the account's default level when rubench set it (local)
    tls: str = "default"  # default | ca-file | insecure
    endpoint_discovery: bool = True


class ClientInfo(Record):
    """Which client produced the figures: the SDK, or rubench's gateway client ("fast"),
    with the operations that went through the SDK all the same (queries that need
    merging on the client)."""

    kind: Literal["sdk", "fast"] = "sdk"
    sdk_fallback: tuple[str, ...] = ()

    def describe(self) -> str:
        """`azure-cosmos SDK`, or `rubench's fast gateway client; query_x through the SDK`."""
        if self.kind == "sdk":
            return "the azure-cosmos SDK"
        text = "the fast gateway client (rubench)"
        if self.sdk_fallback:
            text += f"; {', '.join(self.sdk_fallback)} through the SDK (needs client-side merging)"
        return text


class PartitionKeyInfo(Record):
    paths: tuple[str, ...]
    kind: str = "Hash"  # Hash | MultiHash


class Throughput(Record):
    mode: str  # manual | autoscale | shared manual | shared autoscale | serverless
    rus: float | None = None
    source: Literal["target", "workload"] | None = None  # None in `workload_throughput`


class ContainerChanges(Record):
    """What the target reported differently at the end than at the start."""

    throughput: Throughput | None = None
    physical_partitions: int | None = None


class ContainerInfo(Record):
    database: str
    container: str
    partition_key: PartitionKeyInfo
    indexing_policy: dict[str, Any] = Field(default_factory=dict)
    throughput: Throughput
    workload_throughput: Throughput
    physical_partitions: int | None = None  # None: the target did not list its key ranges
    at_end: ContainerChanges | None = None

    @property
    def link(self) -> str:
        return f"dbs/{self.database}/colls/{self.container}"


class DeclaredOperation(Record):
    kind: str
    weight: float


class Phase(Record):
    """One test start to its stop (Locust's web UI can make several)."""

    started_at: float
    ended_at: float | None = None
    users: int | None = None
    spawn_rate: float | None = None
    reset: bool = False  # the statistics were reset, which starts a phase


class RowCheck(Record):
    """Rows the run recorded against rows the directory held at the end."""

    counted: int
    in_directory: int
    workers_unaccounted: tuple[str, ...] = ()


class RunInfo(Record):
    """run.json. Times are Unix seconds."""

    schema_: int = Field(RUN_INFO_SCHEMA, alias="schema")
    name: str
    rubench_version: str
    versions: dict[str, str] = Field(default_factory=dict)
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    status: RunStatus = "waiting"
    status_reason: str | None = None
    users: int | None = None
    spawn_rate: float | None = None
    duration_s: float | None = None
    processes: int = 1
    target: TargetInfo
    client: ClientInfo = Field(default_factory=ClientInfo)  # runs before it: the SDK
    container: ContainerInfo
    operations: dict[str, DeclaredOperation] = Field(default_factory=dict)
    warmup_s: float = 0.0
    phases: tuple[Phase, ...] = ()
    rows: RowCheck | None = None
    locust_exit_code: int | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def window_start(self) -> float | None:
        """Where the measured window starts: the first test start plus the warm-up."""
        return None if self.started_at is None else self.started_at + self.warmup_s

    @property
    def provisioned_rus(self) -> float | None:
        """Provisioned RU/s (the autoscale maximum) as the target reported it; None for
        serverless, or when only the workload file said (unverified)."""
        throughput = self.container.throughput
        if throughput.mode == "serverless" or throughput.source != "target":
            return None
        return throughput.rus

    def updated(self, **changes: Any) -> RunInfo:
        """A copy with `changes` applied and validated (frozen models are never edited)."""
        return RunInfo.model_validate({**self.to_json_dict(), **_plain(changes)})

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def read_run_info(run_dir: str | Path) -> RunInfo:
    """run.json of a run directory, or an error naming the file and what is wrong."""
    return read_record(Path(run_dir) / "run.json", RunInfo, RUN_INFO_SCHEMA)


def write_run_info(run_dir: str | Path, info: RunInfo) -> Path:
    """The one writer of run.json: atomic, so a reader never sees half of it."""
    return write_record(Path(run_dir) / "run.json", info)


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value
        for key, value in changes.items()
    }
