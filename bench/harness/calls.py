"""One SDK call as rubench records it: every HTTP attempt observed, the final outcome classified.

The SDK retries 429s inside the call and its `response_hook` only sees the final
response. azure-core's `raw_response_hook` (a per-call keyword the SDK forwards into its
pipeline, which it runs once per attempt and once per query page) sees all of them, so
the charge of retried and paged requests is summed here::

    observer = AttemptObserver()
    container.read_item(item, pk, raw_response_hook=observer)
    observer.ru, observer.attempts, observer.throttled
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from azure.cosmos.exceptions import CosmosBatchOperationError, CosmosHttpResponseError

from bench.rundata.outcome import Outcome

# The index hit ratio's key in `x-ms-documentdb-query-metrics` (QueryMetricsConstants.IndexHitRatio)
INDEX_HIT_RATIO = "indexUtilizationRatio"
PK_RANGE_HEADER = "x-ms-documentdb-partitionkeyrangeid"
SESSION_TOKEN_HEADER = "x-ms-session-token"
# The answer to `x-ms-cosmos-populateindexmetrics`: base64 of the service's JSON document
INDEX_METRICS_HEADER = "x-ms-cosmos-index-utilization"


def worker_name() -> str:
    """`hostname:pid` of this process (looked up by pid: Locust forks after import)."""
    return _worker_of(os.getpid())


@functools.cache
def _worker_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}"


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def parse_query_metrics(header: str) -> dict[str, float]:
    """`retrievedDocumentCount=3;outputDocumentCount=1;indexUtilizationRatio=1.00;...` as
    floats (the service's key names, which the .NET SDK's QueryMetricsConstants spell out)."""
    metrics = {}
    for pair in header.split(";"):
        key, _, value = pair.partition("=")
        if key.strip():
            metrics[key.strip()] = _float(value)
    return metrics


def decode_index_metrics(value: str) -> dict[str, Any] | None:
    """The header's document (as azure-cosmos decodes it), or None when it is not one."""
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        document = json.loads(base64.b64decode(value, validate=True).decode("utf-8"))
        if isinstance(document, dict):
            return document
    return None


def merge_index_metrics(into: dict[str, Any], document: dict[str, Any]) -> None:
    """Add one page's (or partition's) entries: each index is listed once per call."""
    for key, entries in document.items():
        if not isinstance(entries, list):
            continue
        merged = into.setdefault(key, [])
        merged.extend(entry for entry in entries if entry not in merged)


def partition_key_ranges(request_headers: Any, response_headers: Any) -> list[str]:
    """The partition key ranges one attempt touched: the range the SDK addressed (its
    fan-out of a query runs one request per range), the range the response names, and the
    ranges in the response's session token (`<range>:<token>,...`, one per partition the
    gateway read when it served a cross-partition query itself)."""
    ranges = []
    for headers in (request_headers, response_headers):
        addressed = headers.get(PK_RANGE_HEADER)
        if addressed:
            ranges.append(addressed.rsplit(",", 1)[-1].strip())  # "[<collection rid>,]<id>"
    for token in (response_headers.get(SESSION_TOKEN_HEADER) or "").split(","):
        range_id, separator, _ = token.partition(":")
        if separator and range_id.strip():
            ranges.append(range_id.strip())
    return ranges


@dataclass
class AttemptObserver:
    """Called by azure-core's CustomHookPolicy with each PipelineResponse of one SDK call."""

    ru: float = 0.0
    attempts: int = 0
    throttled: int = 0
    throttle_wait_ms: float = 0.0
    last_retry_after_ms: float = 0.0
    bytes: int = 0
    status: int = 0
    substatus: int = 0
    pk_ranges: list[str] = field(default_factory=list)
    retrieved_docs: float | None = None
    output_docs: float | None = None
    index_hit_ratios: list[float] = field(default_factory=list)
    index_metrics: dict[str, Any] | None = None  # None: no response carried any

    def __call__(self, pipeline_response: Any) -> None:
        response = pipeline_response.http_response
        headers = response.headers
        self.attempts += 1
        self.status = int(response.status_code)
        self.substatus = int(_float(headers.get("x-ms-substatus", 0)))
        self.ru += _float(headers.get("x-ms-request-charge", 0))
        if self.status == 429:
            self.throttled += 1
            self.last_retry_after_ms = _float(headers.get("x-ms-retry-after-ms", 0))
            self.throttle_wait_ms += self.last_retry_after_ms
        length = headers.get("content-length")
        if length is not None:
            self.bytes += int(_float(length))
        else:
            # a streamed or unread body: its length is unknown, which is not fatal
            with contextlib.suppress(Exception):
                self.bytes += len(response.body() or b"")
        for pk_range in partition_key_ranges(pipeline_response.http_request.headers, headers):
            if pk_range not in self.pk_ranges:
                self.pk_ranges.append(pk_range)
        metrics = headers.get("x-ms-documentdb-query-metrics")
        if metrics:
            self.add_query_metrics(metrics)
        index_metrics = decode_index_metrics(headers.get(INDEX_METRICS_HEADER) or "")
        if index_metrics is not None:
            self.add_index_metrics(index_metrics)

    def add_query_metrics(self, header: str) -> None:
        """One page's `x-ms-documentdb-query-metrics`, added to the call's."""
        parsed = parse_query_metrics(header)
        self.retrieved_docs = (self.retrieved_docs or 0.0) + parsed.get(
            "retrievedDocumentCount", 0.0
        )
        self.output_docs = (self.output_docs or 0.0) + parsed.get("outputDocumentCount", 0.0)
        if INDEX_HIT_RATIO in parsed:
            self.index_hit_ratios.append(parsed[INDEX_HIT_RATIO])

    def add_index_metrics(self, document: dict[str, Any]) -> None:
        """One page's (or partition's) index metrics document, merged into the call's."""
        if self.index_metrics is None:
            self.index_metrics = {}
        merge_index_metrics(self.index_metrics, document)

    def query_metrics(
        self, items_received: int | None
    ) -> tuple[float | None, float | None, float | None]:
        """(retrieved, output, index hit ratio), or all None when the target sent none or
        impossible ones: a query cannot output more documents than it retrieved, nor fewer
        than we received (a server that sends constant metrics fails one or the other)."""
        retrieved, output = self.retrieved_docs, self.output_docs
        if retrieved is None or output is None:
            return None, None, None
        if output > retrieved or (items_received is not None and output < items_received):
            return None, None, None
        ratios = self.index_hit_ratios
        return retrieved, output, sum(ratios) / len(ratios) if ratios else None

    def settled_wait_ms(self) -> float:
        """Time waited on retry-after: the final 429 (not retried) was not waited on."""
        if self.status == 429:
            return max(0.0, self.throttle_wait_ms - self.last_retry_after_ms)
        return self.throttle_wait_ms


@dataclass
class CallRecord:
    """One row of `requests/*.parquet` (see docs/run-directory.md)."""

    timestamp: float
    operation: str
    kind: str
    latency_ms: float
    ru: float
    status: int
    substatus: int
    outcome: Outcome
    bytes: int
    item_count: int
    pk_range: str
    partitions: int
    attempts: int
    throttled: int
    throttle_wait_ms: float
    retrieved_docs: float | None
    output_docs: float | None
    index_hit_ratio: float | None
    worker: str
    partition_key: Any = None  # the value of a point operation or single-partition query
    index_metrics: str = ""  # JSON of what the target said; "" not asked, "null" none sent

    @classmethod
    def build(
        cls,
        *,
        operation: str,
        kind: str,
        timestamp: float,
        latency_ms: float,
        observer: AttemptObserver,
        outcome: Outcome,
        item_count: int,
        error: BaseException | None,
        partition_key: Any = None,
        asked_index_metrics: bool = False,
    ) -> CallRecord:
        status, substatus = observer.status, observer.substatus
        if isinstance(error, CosmosHttpResponseError):
            status = int(error.status_code or status)
            substatus = int(error.sub_status or substatus or 0)
        elif error is not None and observer.status < 400:
            status, substatus = 0, 0  # no response: connection error or timeout
        metrics = observer.query_metrics(item_count if error is None else None)
        return cls(
            timestamp=timestamp,
            operation=operation,
            kind=kind,
            latency_ms=latency_ms,
            ru=observer.ru,
            status=status,
            substatus=substatus,
            outcome=outcome,
            bytes=observer.bytes,
            item_count=item_count,
            pk_range=",".join(observer.pk_ranges),
            # a point operation is one partition by definition; 0: the target did not say
            partitions=len(observer.pk_ranges) if kind == "query" else 1,
            attempts=max(observer.attempts, 1),
            throttled=observer.throttled,
            throttle_wait_ms=observer.settled_wait_ms(),
            retrieved_docs=metrics[0],
            output_docs=metrics[1],
            index_hit_ratio=metrics[2],
            worker=worker_name(),
            partition_key=partition_key,
            index_metrics=json.dumps(observer.index_metrics) if asked_index_metrics else "",
        )


def classify(error: BaseException | None, *, conflict_ok: bool, missing_ok: bool) -> Outcome:
    """The outcome of a call: conflicts (412 on If-Match) and expected misses are not errors."""
    if error is None:
        return Outcome.OK
    status = getattr(error, "status_code", None)
    if isinstance(error, CosmosBatchOperationError):
        status = error.status_code
    if status == 412 and conflict_ok:
        return Outcome.CONFLICT
    if status == 404 and missing_ok:
        return Outcome.NOT_FOUND
    if status == 429:
        return Outcome.THROTTLED
    return Outcome.ERROR
