"""The files of a run directory that describe the run: `run.json` and `workload.toml`
(docs/run-directory.md). The request rows are the recorder's job.

Written at the start, so even a run that crashes says what it was, and completed at
the end::

    run = RunDirectory.start(run_dir, workload, environment, target.metadata())
    run.begin_phase(time.time(), users=10, spawn_rate=10)
    run.end_phase(time.time())
    run.finish(time.time(), rows={"counted": n, "in_directory": n, "workers_unaccounted": []})
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench import __version__
from bench.harness.workload import Workload


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def container_metadata(workload: Workload) -> dict[str, Any]:
    """The container as the workload file describes it; the plugin replaces `throughput`
    and `physical_partitions` with what the target reports (`record_container`)."""
    spec = workload.container
    throughput = {"mode": spec.throughput.mode, "rus": spec.throughput.rus}
    return {
        "database": spec.database,
        "container": spec.container,
        "partition_key": {"paths": list(spec.partition_key_paths), "kind": spec.partition_key_kind},
        "indexing_policy": spec.indexing_policy or {},
        "throughput": {**throughput, "source": "workload"},
        "workload_throughput": throughput,
        "physical_partitions": None,
    }


def update_run_json(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge `fields` into run.json (used by the orchestrator after Locust has exited)."""
    path = Path(run_dir) / "run.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(fields)
    write_json(path, data)
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    temporary.replace(path)


@dataclass
class RunDirectory:
    """run.json as the run goes: each test start/stop (several from Locust's web UI) is a
    phase; the run's window is from the first start to the last stop."""

    path: Path
    created_at: float  # also tells workers that they found this very directory
    duration_s: float | None
    interrupted: bool = False  # set when Ctrl-C stopped the run
    phases: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def start(
        cls, path: Path, workload: Workload, environment: Any, target: dict[str, str]
    ) -> RunDirectory:
        """Create the directory and its run.json ("waiting" until the test starts)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        options = environment.parsed_options
        duration = getattr(options, "run_time", None)
        run = cls(path, time.time(), float(duration) if duration else None)
        (path / "workload.toml").write_text(workload.source_text)
        write_json(
            path / "run.json",
            {
                "name": workload.name,
                "rubench_version": __version__,
                "versions": {
                    "azure-cosmos": package_version("azure-cosmos"),
                    "locust": package_version("locust"),
                    "python": platform.python_version(),
                },
                "created_at": run.created_at,
                "started_at": run.created_at,
                "ended_at": None,
                "status": "waiting",
                "users": getattr(options, "num_users", None),
                "spawn_rate": getattr(options, "spawn_rate", None),
                "duration_s": run.duration_s,
                "processes": getattr(options, "processes", None)
                or getattr(options, "expect_workers", None)
                or 1,
                "target": target,
                "container": container_metadata(workload),
                "operations": {
                    name: {"kind": op.kind, "weight": op.weight}
                    for name, op in workload.operations.items()
                },
                "warmup_s": float(getattr(options, "rubench_warmup", 0.0) or 0.0),
                "phases": [],
            },
        )
        return run

    @property
    def running(self) -> bool:
        return bool(self.phases) and self.phases[-1]["ended_at"] is None

    def begin_phase(self, at: float, users: Any, spawn_rate: Any, *, reset: bool = False) -> None:
        """A test starts (or its statistics are reset, which starts a new phase)."""
        if self.running:
            self.phases[-1]["ended_at"] = at
        self.phases.append(
            {"started_at": at, "ended_at": None, "users": users, "spawn_rate": spawn_rate}
        )
        if reset:
            self.phases[-1]["reset"] = True
        update_run_json(
            self.path,
            started_at=self.phases[0]["started_at"],
            ended_at=None,
            status="running",
            users=users,
            spawn_rate=spawn_rate,
            phases=self.phases,
        )

    def users_reached(self, users: int, spawn_rate: Any = None) -> None:
        """Spawning completed; from the web UI, a new user count (and spawn rate) may have
        been asked for while the test runs."""
        if self.running:
            self.phases[-1]["users"] = users
            fields: dict[str, Any] = {"users": users}
            if spawn_rate is not None:
                self.phases[-1]["spawn_rate"] = fields["spawn_rate"] = spawn_rate
            update_run_json(self.path, **fields, phases=self.phases)

    def set_processes(self, processes: int) -> None:
        """The worker processes that run the test (a master counts those connected)."""
        update_run_json(self.path, processes=processes)

    def end_phase(self, at: float) -> None:
        """The test stopped (Locust's web UI may start another one)."""
        if not self.running:
            return
        self.phases[-1]["ended_at"] = at
        update_run_json(self.path, ended_at=at, status="completed", phases=self.phases)

    def record_container(self, state: Any, *, at_end: bool = False) -> None:
        """The target's view of the container (`bench.harness.provisioning.ContainerState`);
        at the end only what changed is added, under `container.at_end`."""
        info = json.loads((self.path / "run.json").read_text())
        container = info["container"]
        figures = {"throughput": state.throughput, "physical_partitions": state.physical_partitions}
        if at_end:
            # what the target did not say at the end (it may be gone) did not change
            known = {
                "throughput": state.throughput.get("source") == "target",
                "physical_partitions": state.physical_partitions is not None,
            }
            changed = {k: v for k, v in figures.items() if known[k] and container.get(k) != v}
            if not changed:
                return
            container["at_end"] = changed
        else:
            container.update(figures)
        update_run_json(self.path, container=container)

    def finish(self, ended_at: float, rows: dict[str, Any]) -> None:
        """`rows`: {"counted", "in_directory", "workers_unaccounted"}, the row check."""
        self.end_phase(ended_at)
        fields: dict[str, Any] = {"rows": rows}
        if self.interrupted:
            fields["status"] = "interrupted"
        elif not self.phases:
            fields["status"] = "not started"
        update_run_json(self.path, **fields)
