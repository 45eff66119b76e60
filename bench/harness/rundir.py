"""The files of a run directory that describe the run: `run.json` and `workload.toml`
(docs/run-directory.md). The request rows are the recorder's job.

run.json is a `RunInfo` (bench.rundata.info), written at the start, so even a run that
crashes says what it was, replaced as the run goes and completed at the end, always
through `write_run_info` (atomic)::

    run = RunDirectory.start(run_dir, workload, environment, target.metadata())
    run.begin_phase(time.time(), users=10, spawn_rate=10)
    run.end_phase(time.time())
    run.finish(time.time(), RowCheck(counted=n, in_directory=n))
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench import __version__
from bench.harness.provisioning import ContainerState
from bench.harness.workload import Workload
from bench.rundata.info import (
    ClientInfo,
    ContainerChanges,
    ContainerInfo,
    DeclaredOperation,
    PartitionKeyInfo,
    Phase,
    RowCheck,
    RunInfo,
    TargetInfo,
    Throughput,
    write_run_info,
)


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def container_info(workload: Workload) -> ContainerInfo:
    """The container as the workload file describes it; `record_container` replaces the
    throughput and the physical partitions with what the target reports."""
    spec = workload.container
    throughput = Throughput(mode=spec.throughput.mode, rus=spec.throughput.rus)
    return ContainerInfo(
        database=spec.database,
        container=spec.container,
        partition_key=PartitionKeyInfo(
            paths=tuple(spec.partition_key_paths), kind=spec.partition_key_kind
        ),
        indexing_policy=spec.indexing_policy or {},
        throughput=throughput.model_copy(update={"source": "workload"}),
        workload_throughput=throughput,
    )


@dataclass
class RunDirectory:
    """run.json as the run goes: each test start/stop (several from Locust's web UI) is a
    phase; the run's window is from the first start to the last stop."""

    path: Path
    info: RunInfo
    interrupted: bool = False  # set when Ctrl-C stopped the run

    @classmethod
    def start(
        cls, path: Path, workload: Workload, environment: Any, target: dict[str, Any]
    ) -> RunDirectory:
        """Create the directory and its run.json ("waiting" until the test starts)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        options = environment.parsed_options
        duration = getattr(options, "run_time", None)
        created_at = time.time()
        (path / "workload.toml").write_text(workload.source_text)
        info = RunInfo(
            name=workload.name,
            rubench_version=__version__,
            versions={
                "azure-cosmos": package_version("azure-cosmos"),
                "locust": package_version("locust"),
                "python": platform.python_version(),
            },
            created_at=created_at,
            started_at=created_at,
            users=getattr(options, "num_users", None),
            spawn_rate=getattr(options, "spawn_rate", None),
            duration_s=float(duration) if duration else None,
            processes=getattr(options, "processes", None)
            or getattr(options, "expect_workers", None)
            or 1,
            target=TargetInfo.model_validate(target),
            client=ClientInfo(kind=workload.client),
            container=container_info(workload),
            operations={
                name: DeclaredOperation(kind=op.kind, weight=op.weight)
                for name, op in workload.operations.items()
            },
            warmup_s=float(getattr(options, "rubench_warmup", 0.0) or 0.0),
        )
        run = cls(path, info)
        run._write()
        return run

    @property
    def created_at(self) -> float:
        """Also tells workers that they found this very directory."""
        return self.info.created_at

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self.info.phases

    @property
    def running(self) -> bool:
        return bool(self.phases) and self.phases[-1].ended_at is None

    def begin_phase(self, at: float, users: Any, spawn_rate: Any, *, reset: bool = False) -> None:
        """A test starts (or its statistics are reset, which starts a new phase)."""
        phases = list(self.phases)
        if self.running:
            phases[-1] = phases[-1].model_copy(update={"ended_at": at})
        phases.append(Phase(started_at=at, users=users, spawn_rate=spawn_rate, reset=reset))
        self._update(
            started_at=phases[0].started_at,
            ended_at=None,
            status="running",
            users=users,
            spawn_rate=spawn_rate,
            phases=phases,
        )

    def users_reached(self, users: int, spawn_rate: Any = None) -> None:
        """Spawning completed; from the web UI, a new user count (and spawn rate) may have
        been asked for while the test runs."""
        if not self.running:
            return
        changes: dict[str, Any] = {"users": users}
        if spawn_rate is not None:
            changes["spawn_rate"] = spawn_rate
        phases = [*self.phases[:-1], self.phases[-1].model_copy(update=changes)]
        self._update(**changes, phases=phases)

    def set_processes(self, processes: int) -> None:
        """The worker processes that run the test (a master counts those connected)."""
        self._update(processes=processes)

    def end_phase(self, at: float) -> None:
        """The test stopped (Locust's web UI may start another one)."""
        if not self.running:
            return
        phases = [*self.phases[:-1], self.phases[-1].model_copy(update={"ended_at": at})]
        self._update(ended_at=at, status="completed", phases=phases)

    def record_container(self, state: ContainerState, *, at_end: bool = False) -> None:
        """The target's view of the container; at the end only what changed is added,
        under `container.at_end`."""
        container = self.info.container
        throughput = Throughput.model_validate(state.throughput)
        if not at_end:
            changes = {"throughput": throughput, "physical_partitions": state.physical_partitions}
            self._update(container=container.model_copy(update=changes))
            return
        # what the target did not say at the end (it may be gone) did not change
        changed: dict[str, Any] = {}
        if throughput.source == "target" and throughput != container.throughput:
            changed["throughput"] = throughput
        partitions = state.physical_partitions
        if partitions is not None and partitions != container.physical_partitions:
            changed["physical_partitions"] = partitions
        if changed:
            at_end_info = ContainerChanges(**changed)
            self._update(container=container.model_copy(update={"at_end": at_end_info}))

    def record_sdk_fallback(self, operations: tuple[str, ...]) -> None:
        """Operations of a `client = "fast"` run that went through the SDK."""
        if operations != self.info.client.sdk_fallback:
            client = self.info.client.model_copy(update={"sdk_fallback": operations})
            self._update(client=client)

    def finish(self, ended_at: float, rows: RowCheck) -> None:
        """The row check: rows counted against rows in the directory."""
        self.end_phase(ended_at)
        changes: dict[str, Any] = {"rows": rows}
        if self.interrupted:
            changes["status"] = "interrupted"
        elif not self.phases:
            changes["status"] = "not started"
        self._update(**changes)

    def _update(self, **changes: Any) -> None:
        self.info = self.info.updated(**changes)
        self._write()

    def _write(self) -> None:
        write_run_info(self.path, self.info)
