"""The figures of a run, typed: what summary.json holds and every job reads.

There is one definition of "the figures of an operation" (`OperationStats`):
the report, plan, key comparison, baseline/check and demo all read it. Counts
are kept as counts (rates are derived from them), so nothing is rebuilt from a
rounded figure. Figures that do not apply, or that the target did not provide,
are None (query metrics of point reads, partitions touched when no response
named its key range, rates of an empty window).

Latency covers every call, failed ones included, as Locust counts them; rows
before started_at + warmup_s are left out. Percentiles are exact, with linear
interpolation between the two nearest samples (numpy's default).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field, computed_field

from bench.rundata.jsonfile import Record, read_record, write_record
from bench.rundata.outcome import Outcome

SUMMARY_SCHEMA = 2

LATENCY_QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p99.9": 0.999}
RU_QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


class Derived(Record):
    """A record with derived figures: summary.json shows them for its readers, and they are
    recomputed (not read back) when the file is loaded."""

    model_config = ConfigDict(extra="ignore")


class Latency(Record):
    """Milliseconds, wall time of the whole call (retries and query pages included)."""

    p50: float
    p90: float
    p95: float
    p99: float
    p99_9: float = Field(alias="p99.9")
    max: float
    mean: float

    def quantile(self, name: str) -> float:
        """A percentile by its report name ("p50" ... "p99.9")."""
        return float(getattr(self, name.replace(".", "_")))


class Charges(Record):
    """Request charge (RU) per call: the sum over its pages and attempts."""

    total: float
    mean: float
    min: float
    max: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


class IndexUse(Record):
    """One index the target named for a query operation's sampled calls."""

    paths: tuple[str, ...]  # ("/price/?",) for a single index; ("/a ASC", "/b DESC") composite
    impact: str | None = None  # potential indexes: the service's "High" or "Low"
    calls: int  # sampled calls whose answer named it


class QueryIndexes(Record):
    """What the target said about indexes on the calls that asked (a sample: bench.harness
    asks on the first `index_metrics_sample` calls of each operation per process, warm-up
    included). A call whose target sent nothing is unknown, not "no index needed"."""

    sampled_calls: int  # calls that asked for index metrics
    reported_calls: int  # of those, calls the target answered with index metrics
    utilized_single: tuple[IndexUse, ...] = ()
    utilized_composite: tuple[IndexUse, ...] = ()
    potential_single: tuple[IndexUse, ...] = ()
    potential_composite: tuple[IndexUse, ...] = ()

    @property
    def unknown_calls(self) -> int:
        return self.sampled_calls - self.reported_calls


class QueryMetrics(Record):
    """Means over the calls whose target sent query metrics (None: none did)."""

    retrieved_docs_mean: float | None = None
    output_docs_mean: float | None = None
    index_hit_ratio_mean: float | None = None
    indexes: QueryIndexes | None = None  # None: no call asked for index metrics

    @property
    def retrieved_per_output(self) -> float | None:
        """Documents read per document returned: 1.0 for an index seek, large for a scan."""
        if self.retrieved_docs_mean is None:
            return None
        if not self.output_docs_mean:  # nothing returned: every document read is overhead
            return self.retrieved_docs_mean
        return self.retrieved_docs_mean / self.output_docs_mean


class OperationStats(Derived):
    """Every figure of one operation (or, in `RunSummary.totals`, of all of them)."""

    kind: str  # the workload's kind; "" for the totals (a mix of kinds)
    count: int
    duration_s: float  # the measured window the rates are over
    latency_ms: Latency
    ru: Charges
    outcomes: dict[Outcome, int]  # calls per outcome (absent: none)
    failures_by_status: dict[int, int] = Field(default_factory=dict)  # failed calls by status
    throttled_calls: int = 0  # calls that met at least one 429 (retried or not)
    throttled_attempts: int = 0  # 429 answers, retried ones included
    partitions_touched_mean: float | None = None  # None: no response named its range
    partitions_touched_max: int | None = None
    requests_per_call: float  # HTTP requests: retries, query pages, a fan-out's 1004 and plan
    items_mean: float
    bytes_mean: float
    query: QueryMetrics = QueryMetrics()

    @computed_field
    @property
    def rate_per_s(self) -> float | None:
        return self.count / self.duration_s if self.duration_s else None

    @computed_field
    @property
    def ru_per_s(self) -> float | None:
        return self.ru.total / self.duration_s if self.duration_s else None

    @computed_field
    @property
    def failed_calls(self) -> int:
        """Calls that ended in an error or a final 429."""
        return sum(n for outcome, n in self.outcomes.items() if outcome.failed)

    @computed_field
    @property
    def error_rate(self) -> float:
        return self.failed_calls / self.count if self.count else 0.0

    @computed_field
    @property
    def throttle_rate(self) -> float:
        """Share of calls that met a 429, even when a retry then succeeded."""
        return self.throttled_calls / self.count if self.count else 0.0

    @computed_field
    @property
    def final_throttle_rate(self) -> float:
        """Share of calls whose final answer was a 429."""
        return self.outcomes.get(Outcome.THROTTLED, 0) / self.count if self.count else 0.0


class Peaks(Record):
    """The busiest whole second of the window."""

    ru_per_s: float
    requests_per_s: float


class PartitionRow(Record):
    partition: str  # partition key range id
    ru: float
    requests: int
    throttled: float  # 429s; estimated from responses, a multi-range call's split evenly
    hot_key: str | None = None  # busiest partition key value on it, when rows carry keys


class Partitions(Record):
    source: str  # "ledger" (partitions.json, exact) | "responses" (from pk_range, estimated)
    rows: tuple[PartitionRow, ...] = ()

    @property
    def ru_total(self) -> float:
        return sum(row.ru for row in self.rows)

    def shares(self) -> dict[str, float]:
        """Each partition's share of the RU (all 0 when nothing was charged)."""
        total = self.ru_total
        return {row.partition: row.ru / total if total else 0.0 for row in self.rows}


class MetadataCharge(Record):
    count: int
    ru_total: float


class MetadataStats(MetadataCharge):
    """The requests the SDK made on its own (key ranges, container reads, query plans):
    charged by the target, but no operation of the workload."""

    operations: dict[str, MetadataCharge] = Field(default_factory=dict)


class Series(Record):
    """Per time bucket (`width_s` wide, the last one possibly shorter): rates for charts.
    Empty buckets are zeros, so gaps in the load show as dips."""

    width_s: float
    t: tuple[float, ...]  # bucket start, seconds from the window start
    requests_per_s: tuple[float, ...]
    ru_per_s: tuple[float, ...]
    throttled_per_s: tuple[float, ...]  # 429 answers, retried or not
    errors_per_s: tuple[float, ...]  # calls that failed (errors and final 429s)
    operations: dict[str, tuple[float, ...]] = Field(default_factory=dict)  # requests/s each


class ColdStart(Record):
    """Median latency of the window's first tenth against the rest: a cold start shows."""

    first_p50_ms: float
    rest_p50_ms: float
    first_count: int
    rest_count: int


class Window(Derived):
    """The measured span: after warm-up, up to the end of the run (Unix seconds)."""

    start: float
    end: float
    warmup_s: float = 0.0

    @computed_field
    @property
    def duration_s(self) -> float:
        return max(self.end - self.start, 0.0)


class RowCounts(Record):
    """The rows the summary was computed from, and those it left out."""

    operations: int  # the workload's calls in the window
    metadata: int  # the SDK's own requests in the window
    warmup: int  # rows before the window (all kinds)

    @property
    def total(self) -> int:
        return self.operations + self.metadata + self.warmup


class RunSummary(Record):
    """summary.json: everything a job shows about one run, computed once from its rows."""

    schema_: int = Field(SUMMARY_SCHEMA, alias="schema")
    rubench_version: str
    name: str
    status: str | None
    window: Window
    rows: RowCounts
    provisioned_rus: float | None
    operations: dict[str, OperationStats]
    totals: OperationStats | None  # None: the window holds no call
    peaks: Peaks
    partitions: Partitions
    metadata: MetadataStats
    series: Series
    cold_start: ColdStart | None = None  # None: too few calls to tell

    @property
    def charged_ru_total(self) -> float:
        """What the run cost: the operations' RU and the SDK's own requests'."""
        return (self.totals.ru.total if self.totals else 0.0) + self.metadata.ru_total


def read_summary_file(path: Path) -> RunSummary:
    return read_record(path, RunSummary, SUMMARY_SCHEMA)


def write_summary_file(path: Path, summary: RunSummary) -> Path:
    return write_record(path, summary)
