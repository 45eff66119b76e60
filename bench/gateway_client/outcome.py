"""What one client call observed: the figures the harness records for an SDK call.

A call can be several HTTP attempts (429 and 449 retries, query pages, one request per
partition key range); `CallStats` sums them so a row says what the call cost, not only
what its last response said. Failures raise `GatewayError`, which carries the same stats::

    try:
        item = container.read_item("1", "p1")
        item.stats.ru, item.stats.attempts
    except GatewayError as error:
        error.status, error.stats.ru
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REQUEST_CHARGE = "x-ms-request-charge"
QUERY_METRICS = "x-ms-documentdb-query-metrics"
INDEX_UTILIZATION = "x-ms-cosmos-index-utilization"  # the answer to populateindexmetrics


@dataclass
class CallStats:
    """Every attempt of one call, summed (`status`/`substatus`: the last response's;
    status 0 means no response at all: connection refused, reset or timed out)."""

    ru: float = 0.0
    attempts: int = 0
    throttled: int = 0  # 429 answers, retried or not
    throttle_wait_ms: float = 0.0  # time actually waited before retrying (429 and 449)
    status: int = 0
    substatus: int = 0
    pages: int = 0  # responses that carried results (queries: pages; other calls: 1)
    pk_ranges: list[str] = field(default_factory=list)  # ranges touched, in order
    query_metrics: list[str] = field(default_factory=list)  # one header per page that had one
    index_metrics: list[str] = field(default_factory=list)  # base64 documents, likewise
    item_count: int = 0
    bytes: int = 0  # response bodies received
    latency_ms: float = 0.0  # the whole call, retries and waits included

    def touched(self, range_id: str | None) -> None:
        if range_id and range_id not in self.pk_ranges:
            self.pk_ranges.append(range_id)

    def add(self, other: CallStats) -> None:
        """Sum another call's counts into this one (the client's metadata total)."""
        self.ru += other.ru
        self.attempts += other.attempts
        self.throttled += other.throttled
        self.throttle_wait_ms += other.throttle_wait_ms
        self.status, self.substatus = other.status, other.substatus
        self.bytes += other.bytes
        self.latency_ms += other.latency_ms


class Response:
    """A successful call: its body (an item, a list of items, batch results, or None for a
    delete), etag and stats. A point operation's body is parsed when first read: a load
    test that never looks at it does not pay for the JSON (the SDK always parses; the
    call's latency is taken before either way)."""

    def __init__(
        self,
        stats: CallStats,
        *,
        body: Any = None,
        raw: bytes | None = None,
        etag: str | None = None,
        continuation: str | None = None,
    ) -> None:
        self.stats = stats
        self.etag = etag
        self.continuation = continuation  # queries read page by page: where the next starts
        self._body = body
        self._raw = raw

    @property
    def body(self) -> Any:
        if self._raw is not None:
            self._body = json.loads(self._raw) if self._raw else None
            self._raw = None
        return self._body


class GatewayError(Exception):
    """A call that ended without success: an HTTP error after retries (401, 404, 409, 412,
    429 out of retries, ...) or no response at all (status 0)."""

    def __init__(self, message: str, stats: CallStats, body: Any = None) -> None:
        super().__init__(message)
        self.stats = stats
        self.body = body  # the parsed error body ({"code", "message"}) when there was one

    @property
    def status(self) -> int:
        return self.stats.status

    @property
    def substatus(self) -> int:
        return self.stats.substatus

    @property
    def status_code(self) -> int:
        """`status`, under the name azure-cosmos's CosmosHttpResponseError gives it."""
        return self.stats.status


class NeedsSdk(GatewayError):
    """A query whose results the client would have to merge across partitions (ORDER BY,
    aggregates, GROUP BY, DISTINCT, OFFSET/LIMIT): run this operation through the SDK.
    `stats` holds what asking cost (the gateway's 400/1004 answer, free on the service);
    `features` what the query plan says needs merging."""

    def __init__(self, query: str, features: list[str], stats: CallStats) -> None:
        super().__init__(
            f"query needs client-side merging ({', '.join(features)}): run it with the SDK: "
            f"{query}",
            stats,
        )
        self.features = features
