"""Queries: one partition with continuations, or across partitions as far as the gateway
answers them without merging on the client.

- With a partition key the query goes to that logical partition, page after page.
- Without one it is sent as the SDK first sends it (cross-partition allowed). The
  gateway serves filters and projections itself, one partition after another, each page
  one request on one partition. A query that needs merging gets 400/1004 with the query
  plan: if TOP is all the plan asks for, the client sends the query to each partition
  key range the plan names (as the SDK does: one page of every range, then further
  pages in EPK order until N results); for
  ORDER BY, aggregates, GROUP BY, DISTINCT and OFFSET/LIMIT it raises `NeedsSdk`, and
  remembers the query text so the next call raises it without asking again.

Unlike the SDK, the client takes the plan from the 1004 answer instead of requesting it
again (the SDK's extra request is free on the service and the emulator: the RU are the
same, the request count is one lower).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bench.gateway_client.outcome import (
    INDEX_UTILIZATION,
    QUERY_METRICS,
    CallStats,
    GatewayError,
    NeedsSdk,
    Response,
)
from bench.gateway_client.routing import KeyRange

if TYPE_CHECKING:
    from bench.gateway_client.container import GatewayContainer

CROSS_PARTITION = "x-ms-documentdb-query-enablecrosspartition"
POPULATE_INDEX_METRICS = "x-ms-cosmos-populateindexmetrics"
CONTINUATION = "x-ms-continuation"
NOT_GIVEN: Any = object()
GONE, SPLIT = 410, 1002
BAD_REQUEST, NEEDS_PLAN = 400, 1004


def _headers(
    partition_key_header: str | None, max_item_count: int | None, metrics: bool
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/query+json",
        "Accept": "application/json",
        "x-ms-documentdb-isquery": "true",
    }
    if partition_key_header is not None:
        headers["x-ms-documentdb-partitionkey"] = partition_key_header
    else:
        headers[CROSS_PARTITION] = "True"
    if max_item_count is not None:
        headers["x-ms-max-item-count"] = str(max_item_count)
    if metrics:
        headers["x-ms-documentdb-populatequerymetrics"] = "True"
    return headers


class _Pages:
    """Sends one query's pages and adds them up in one CallStats."""

    def __init__(
        self,
        container: GatewayContainer,
        query: str,
        parameters: Sequence[Mapping[str, Any]],
        stats: CallStats,
        index_metrics: bool = False,
    ) -> None:
        self.container = container
        self.body = json.dumps({"query": query, "parameters": list(parameters)}).encode()
        self.stats = stats
        self.index_metrics = index_metrics  # ask every page for them, as the SDK does

    def page(self, headers: dict[str, str]) -> tuple[int, Any, list[Any] | bytes]:
        """(status, headers, documents) of one page; on an error status, its raw body."""
        container, stats = self.container, self.stats
        headers["x-ms-cosmos-intended-collection-rid"] = container.properties["_rid"]
        if self.index_metrics:
            headers[POPULATE_INDEX_METRICS] = "True"
        status, response_headers, content = container.client.send(
            "POST", f"{container.path}/docs", "docs", container.link, headers, self.body, stats
        )
        container._observe(stats, response_headers)
        if status >= 400:
            return status, response_headers, content
        try:
            documents = json.loads(content)["Documents"]
        except (ValueError, TypeError, KeyError):  # e.g. a proxy's error page
            raise GatewayError(
                f"POST {container.path}/docs (query): {status} with a body that is not a page "
                f"of query results: {content[:200].decode(errors='replace')!r}",
                stats,
            ) from None
        stats.pages += 1
        stats.item_count += len(documents)
        metrics = response_headers.get(QUERY_METRICS)
        if metrics:
            stats.query_metrics.append(metrics)
        utilization = response_headers.get(INDEX_UTILIZATION)
        if utilization:
            stats.index_metrics.append(utilization)
        return status, response_headers, documents

    def fail(self, status: int, content: bytes) -> GatewayError:
        return self.container.client.failure(
            "POST", f"{self.container.path}/docs (query)", status, content, self.stats
        )


def query_items(
    container: GatewayContainer,
    query: str,
    parameters: Sequence[Mapping[str, Any]] = (),
    *,
    partition_key: Any = NOT_GIVEN,
    max_item_count: int | None = None,
    populate_query_metrics: bool = True,
    populate_index_metrics: bool = False,
    stats: CallStats | None = None,
) -> Response:
    """Every result of the query (all pages), or NeedsSdk / GatewayError; into `stats`
    when given (see bench.gateway_client.container)."""
    started = time.perf_counter()
    stats = CallStats() if stats is None else stats
    pages = _Pages(container, query, parameters, stats, populate_index_metrics)
    items: list[Any] = []
    try:
        if partition_key is NOT_GIVEN and query in container.needs_sdk:
            raise NeedsSdk(query, container.needs_sdk[query], stats)
        continuation: str | None = None
        while True:
            documents, continuation = _one_page(
                container,
                pages,
                partition_key,
                continuation,
                max_item_count,
                populate_query_metrics,
                whole_query=True,
            )
            items += documents
            if not continuation:
                stats.item_count = len(items)  # TOP: what was kept, not what was sent
                return Response(stats, body=items)
    finally:
        stats.latency_ms = (time.perf_counter() - started) * 1000


def query_page(
    container: GatewayContainer,
    query: str,
    parameters: Sequence[Mapping[str, Any]] = (),
    *,
    partition_key: Any = NOT_GIVEN,
    continuation: str | None = None,
    max_item_count: int | None = None,
    populate_query_metrics: bool = True,
    populate_index_metrics: bool = False,
) -> Response:
    """One page and the continuation of the next (None: the last page). Queries that
    need the query plan (TOP across partitions included) are not paged here: NeedsSdk."""
    started = time.perf_counter()
    stats = CallStats()
    pages = _Pages(container, query, parameters, stats, populate_index_metrics)
    try:
        documents, following = _one_page(
            container,
            pages,
            partition_key,
            continuation,
            max_item_count,
            populate_query_metrics,
            whole_query=False,
        )
        return Response(stats, body=documents, continuation=following)
    finally:
        stats.latency_ms = (time.perf_counter() - started) * 1000


def _one_page(
    container: GatewayContainer,
    pages: _Pages,
    partition_key: Any,
    continuation: str | None,
    max_item_count: int | None,
    metrics: bool,
    *,
    whole_query: bool,
) -> tuple[list[Any], str | None]:
    """One request's documents and continuation. For the `whole_query`, a 1004 answer
    with a TOP-only plan fans out over the ranges (and there is no continuation)."""
    single = partition_key is not NOT_GIVEN
    key_header = container.partition_key.header(partition_key) if single else None
    headers = _headers(key_header, max_item_count, metrics)
    if single:
        container.session_headers(headers, partition_key)
    elif container.client.session_consistency:
        token = container.sessions.all()
        if token:
            headers["x-ms-session-token"] = token
    if continuation:
        headers[CONTINUATION] = continuation
    status, response_headers, result = pages.page(headers)
    if status < 400:
        return result, response_headers.get(CONTINUATION)
    assert isinstance(result, bytes)
    if (status, pages.stats.substatus) != (BAD_REQUEST, NEEDS_PLAN) or single:
        raise pages.fail(status, result)
    plan = _plan(result)
    query = json.loads(pages.body)["query"]
    features = merge_features(plan.get("queryInfo") or {})
    if features or not whole_query:
        container.needs_sdk[query] = features or ["TOP across partitions, paged"]
        raise NeedsSdk(query, container.needs_sdk[query], pages.stats)
    top = (plan.get("queryInfo") or {}).get("top")
    return _top_per_range(container, pages, plan, top, max_item_count, metrics), None


def _plan(error_body: bytes) -> dict[str, Any]:
    try:
        return json.loads(json.loads(error_body)["additionalErrorInfo"])
    except (ValueError, KeyError, TypeError):
        return {}


def merge_features(query_info: Mapping[str, Any]) -> list[str]:
    """What in a plan's `queryInfo` needs merging on the client (TOP alone does not)."""
    features = []
    if query_info.get("orderBy"):
        features.append("ORDER BY")
    if query_info.get("aggregates") or query_info.get("groupByAliasToAggregateType"):
        features.append("aggregates")
    if query_info.get("groupByExpressions"):
        features.append("GROUP BY")
    if query_info.get("distinctType", "None") != "None":
        features.append("DISTINCT")
    if query_info.get("offset") is not None or query_info.get("limit") is not None:
        features.append("OFFSET/LIMIT")
    if query_info.get("dCountInfo"):
        features.append("DCOUNT")
    return features


def _ranges(container: GatewayContainer, plan: Mapping[str, Any]) -> Iterator[KeyRange]:
    """The ranges the plan's `queryRanges` overlap, in EPK order, each once."""
    routing = container.routing_map()
    seen: set[str] = set()
    for query_range in plan.get("queryRanges") or [{"min": "", "max": "FF"}]:
        low, high = query_range["min"], query_range["max"]
        chosen = [routing.range_of(low)] if low == high else routing.overlapping(low, high)
        for key_range in chosen:
            if key_range.id not in seen:
                seen.add(key_range.id)
                yield key_range


def _top_per_range(
    container: GatewayContainer,
    pages: _Pages,
    plan: Mapping[str, Any],
    top: int | None,
    max_item_count: int | None,
    metrics: bool,
) -> list[Any]:
    """The query on each range the plan names, as the SDK runs it: the first page of every
    range (the SDK reads them all before it yields anything, so they are all charged),
    then the ranges' further pages in EPK order until `top` results. A range that split
    meanwhile (410/1002) is read through its children, from their start."""
    rewritten = (plan.get("queryInfo") or {}).get("rewrittenQuery")
    if rewritten:
        body = json.loads(pages.body)
        body["query"] = rewritten
        pages.body = json.dumps(body).encode()
    options = (max_item_count, metrics)
    first_pages: list[tuple[KeyRange, list[Any], str | None]] = []
    pending = list(_ranges(container, plan))
    while pending:
        key_range = pending.pop(0)
        page = _range_page(container, pages, key_range, None, options)
        if page is None:
            pending[:0] = _children(container, key_range)
            continue
        first_pages.append((key_range, *page))
    results: list[Any] = []
    for key_range, documents, continuation in first_pages:
        if top is not None and len(results) >= top:
            break
        results += documents
        if continuation:
            wanted = None if top is None else top - len(results)
            results += _read_range(container, pages, key_range, continuation, wanted, options)
    return results if top is None else results[:top]


def _range_page(
    container: GatewayContainer,
    pages: _Pages,
    key_range: KeyRange,
    continuation: str | None,
    options: tuple[int | None, bool],
) -> tuple[list[Any], str | None] | None:
    """One page of the query on one range and its continuation; None if the range split."""
    headers = _headers(None, *options)
    headers["x-ms-documentdb-partitionkeyrangeid"] = key_range.id
    container.range_session_header(headers, key_range)
    if continuation:
        headers[CONTINUATION] = continuation
    status, response_headers, result = pages.page(headers)
    pages.stats.touched(key_range.id)
    if (status, pages.stats.substatus) == (GONE, SPLIT):
        return None
    if status >= 400:
        assert isinstance(result, bytes)
        raise pages.fail(status, result)
    assert isinstance(result, list)
    return result, response_headers.get(CONTINUATION)


def _read_range(
    container: GatewayContainer,
    pages: _Pages,
    key_range: KeyRange,
    continuation: str | None,
    wanted: int | None,
    options: tuple[int | None, bool],
) -> list[Any]:
    """One range's pages from `continuation` (None: its start) until `wanted` results
    or its end; a range that split is read through its children from their start."""
    results: list[Any] = []
    while wanted is None or len(results) < wanted:
        page = _range_page(container, pages, key_range, continuation, options)
        if page is None:
            for child in _children(container, key_range):
                left = None if wanted is None else wanted - len(results)
                results += _read_range(container, pages, child, None, left, options)
            return results
        documents, continuation = page
        results += documents
        if not continuation:
            break
    return results


def _children(container: GatewayContainer, key_range: KeyRange) -> list[KeyRange]:
    """The ranges that replaced a range that split, from a fresh routing map."""
    routing = container.routing_map(refresh=True)
    return routing.overlapping(key_range.min_inclusive, key_range.max_exclusive)
