"""The files of a run directory that describe the run: `run.json` and `workload.toml`
(docs/run-directory.md). The request rows are the recorder's job.

Written at the start, so even a run that crashes says what it was, and completed at
the end::

    run = RunDirectory.start(run_dir, workload, environment, target.metadata())
    run.finish(time.time())
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
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
    spec = workload.container
    return {
        "database": spec.database,
        "container": spec.container,
        "partition_key": {"paths": list(spec.partition_key_paths), "kind": spec.partition_key_kind},
        "indexing_policy": spec.indexing_policy or {},
        "throughput": {"mode": spec.throughput.mode, "rus": spec.throughput.rus},
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
    path: Path
    started_at: float
    duration_s: float | None
    interrupted: bool = False  # set when Ctrl-C stopped the run

    @classmethod
    def start(
        cls, path: Path, workload: Workload, environment: Any, target: dict[str, str]
    ) -> RunDirectory:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        options = environment.parsed_options
        started = time.time()
        duration = getattr(options, "run_time", None)
        run = cls(path, started, float(duration) if duration else None)
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
                "started_at": started,
                "ended_at": None,
                "status": "running",
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
            },
        )
        return run

    def finish(self, ended_at: float) -> None:
        status = "interrupted" if self.interrupted else "completed"
        update_run_json(self.path, ended_at=ended_at, status=status)
