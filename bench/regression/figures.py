"""The figures the gate compares, per operation, and the baseline file that keeps them.

They are a small projection of the run summary's `OperationStats`, made in one place
(`BaselineOperation.of`), because a baseline is a file format of its own: a small
JSON file meant to be committed next to the CI workload::

    {"rubench_baseline": 1, "run": {...},
     "operations": {"query_by_category": {"kind": "query", "count": 812,
        "ru_p50": 2.9, "ru_p95": 3.1, "retrieved_docs": 10.0, "output_docs": 10.0,
        "index_hit_ratio": 1.0}}}
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from bench.errors import RubenchError
from bench.files import write_output
from bench.report.trust import missing_rows, no_calls, unusable_charges
from bench.rundata import OperationStats, Run
from bench.rundata.figures import QueryMetrics

BASELINE_FORMAT = 1


@dataclass(frozen=True)
class BaselineOperation:
    """RU per request, and for queries how many documents they read to return their results."""

    kind: str
    count: int
    ru_p50: float
    ru_p95: float
    retrieved_docs: float | None = None  # mean per query, from query metrics
    output_docs: float | None = None
    index_hit_ratio: float | None = None
    error_rate: float = 0.0  # calls that failed (errors and final 429s): their RU is no cost

    @classmethod
    def of(cls, stats: OperationStats) -> BaselineOperation:
        """The figures a baseline keeps of an operation of the run summary."""
        return cls(
            kind=stats.kind,
            count=stats.count,
            ru_p50=stats.ru.p50,
            ru_p95=stats.ru.p95,
            retrieved_docs=stats.query.retrieved_docs_mean,
            output_docs=stats.query.output_docs_mean,
            index_hit_ratio=stats.query.index_hit_ratio_mean,
            error_rate=stats.error_rate,
        )

    @property
    def retrieved_per_output(self) -> float | None:
        """Documents read per document returned (as the summary's query metrics say it)."""
        metrics = QueryMetrics(
            retrieved_docs_mean=self.retrieved_docs, output_docs_mean=self.output_docs
        )
        return metrics.retrieved_per_output


@dataclass(frozen=True)
class RunFigures:
    name: str
    source: str  # where the figures came from (a run directory or a baseline file)
    operations: dict[str, BaselineOperation]


def measure_run(run: Run, *, for_baseline: bool = False) -> RunFigures:
    """The run's figures; refused when its charges are not Cosmos DB's, and for a baseline
    when an operation failed every call (a check reports that as a failing operation)."""
    summary = run.summary
    if not summary.operations:
        raise RubenchError(f"{run.directory}: {no_calls(summary)}")
    problem = missing_rows(run) or unusable_charges(summary, failed_calls=for_baseline)
    if problem:
        what = "baseline" if for_baseline else "check"
        raise RubenchError(f"{run.directory}: {problem}; no {what} from it")
    operations = {name: BaselineOperation.of(stats) for name, stats in summary.operations.items()}
    return RunFigures(name=run.name, source=str(run.directory), operations=operations)


def write_baseline(figures: RunFigures, path: Path) -> None:
    document = {
        "rubench_baseline": BASELINE_FORMAT,
        "run": {"name": figures.name, "source": figures.source},
        "operations": {name: asdict(op) for name, op in figures.operations.items()},
    }
    write_output(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def read_baseline(path: Path) -> RunFigures:
    """A baseline file, with errors that name the file and the entry at fault."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RubenchError(f"cannot read baseline {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise RubenchError(f"baseline {path} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("rubench_baseline") != BASELINE_FORMAT:
        raise RubenchError(
            f'baseline {path}: not a rubench baseline (expected "rubench_baseline": '
            f"{BASELINE_FORMAT}); create one with `rubench baseline RUN_DIR -o {path}`"
        )
    operations = document.get("operations")
    if not isinstance(operations, dict) or not operations:
        raise RubenchError(f"baseline {path}: 'operations' must be a non-empty table")
    parsed = {name: _operation(path, name, values) for name, values in operations.items()}
    run = document.get("run") if isinstance(document.get("run"), dict) else {}
    return RunFigures(name=str(run.get("name", path.stem)), source=str(path), operations=parsed)


def _operation(path: Path, name: str, values: Any) -> BaselineOperation:
    where = f"baseline {path}, operation {name!r}"
    if not isinstance(values, dict):
        raise RubenchError(f"{where}: expected a table of figures")
    allowed = {field.name for field in fields(BaselineOperation)}
    required = {"kind", "count", "ru_p50", "ru_p95"}
    if not required <= values.keys() <= allowed:
        raise RubenchError(
            f"{where}: needs {', '.join(sorted(required))} and may have "
            f"{', '.join(sorted(allowed - required))}; got {', '.join(sorted(values))}"
        )
    figures = BaselineOperation(**values)
    for field in ("ru_p50", "ru_p95"):
        value = getattr(figures, field)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise RubenchError(f"{where}: {field!r} must be a number, got {value!r}")
    return figures
