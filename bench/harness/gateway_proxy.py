"""The gateway client (bench.gateway_client) behind the SDK's ContainerProxy interface, so
that `Operations` runs every kind through it unchanged and its calls become the same rows.

`Operations` calls the SDK's methods with `raw_response_hook=observer`; here the hook is a
`GatewayObserver`, which takes the gateway client's `CallStats` (every attempt summed)
instead of azure-core responses, and still takes those for a query that falls back to
the SDK (one the client cannot answer without merging on the client: `NeedsSdk`)::

    proxy = GatewayProxy(items, sdk_container, on_fallback=print, on_metadata_stats=rows.on_stats)
    calls.call("point_read", "read", lambda **hook: proxy.read_item("1", "p1", **hook))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from azure.core import MatchConditions
from locust.event import Events

from bench.gateway_client import CallStats, GatewayContainer, NeedsSdk
from bench.gateway_client.queries import NOT_GIVEN, query_items
from bench.harness.calls import AttemptObserver, CallRecord, decode_index_metrics
from bench.harness.metadata import metadata_event, purpose, status_outcome
from bench.rundata.schema import METADATA_KIND


class GatewayObserver(AttemptObserver):
    """An AttemptObserver that also takes a gateway call's CallStats."""

    def add(self, stats: CallStats) -> None:
        self.ru += stats.ru
        self.attempts += stats.attempts
        self.throttled += stats.throttled
        self.throttle_wait_ms += stats.throttle_wait_ms  # time waited: nothing to settle
        self.bytes += stats.bytes
        self.status, self.substatus = stats.status, stats.substatus
        for pk_range in stats.pk_ranges:
            if pk_range not in self.pk_ranges:
                self.pk_ranges.append(pk_range)
        for header in stats.query_metrics:
            self.add_query_metrics(header)
        for header in stats.index_metrics:
            document = decode_index_metrics(header)
            if document is not None:
                self.add_index_metrics(document)


@contextmanager
def _observed(hook: Any) -> Iterator[CallStats]:
    """The stats for one call to fill, handed to the hook however the call ends: also
    when the user's greenlet is killed mid-call (Locust stopping the run, perhaps while
    waiting out a 429), whose attempts were charged all the same (the SDK's hook has
    seen them too)."""
    stats = CallStats()
    try:
        yield stats
    finally:
        if isinstance(hook, GatewayObserver):
            hook.add(stats)


class _Scripts:
    """`container.scripts` of the SDK: stored procedures."""

    def __init__(self, items: GatewayContainer) -> None:
        self.items = items

    def execute_stored_procedure(
        self,
        sproc: str,
        partition_key: Any = None,
        params: Sequence[Any] | None = None,
        raw_response_hook: Any = None,
    ) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.execute_stored_procedure(
                sproc, partition_key, params or (), stats=stats
            )
        return response.body


class GatewayProxy:
    """The ContainerProxy methods `Operations` uses, on the gateway client. A query that
    raises NeedsSdk runs on `sdk_container` (the SDK) instead; `on_fallback(query)` is
    told the first time, and what asking cost (the 400/1004 answer) becomes a metadata
    row through `on_metadata_stats`."""

    def __init__(
        self,
        items: GatewayContainer,
        sdk_container: Any,
        *,
        on_fallback: Callable[[str], None],
        on_metadata_stats: Callable[[str, CallStats], None],
    ) -> None:
        self.items = items
        self.sdk_container = sdk_container
        self.on_fallback = on_fallback
        self.on_metadata_stats = on_metadata_stats
        self.scripts = _Scripts(items)

    def read_item(self, item: str, partition_key: Any, raw_response_hook: Any = None) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.read_item(item, partition_key, stats=stats)
        return response.body

    def create_item(self, body: dict[str, Any], raw_response_hook: Any = None) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.create_item(body, stats=stats)
        return response.body

    def upsert_item(self, body: dict[str, Any], raw_response_hook: Any = None) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.upsert_item(body, stats=stats)
        return response.body

    def replace_item(
        self,
        item: str,
        body: dict[str, Any],
        *,
        etag: str | None = None,
        match_condition: MatchConditions | None = None,
        raw_response_hook: Any = None,
    ) -> Any:
        if_match = etag if match_condition == MatchConditions.IfNotModified else None
        with _observed(raw_response_hook) as stats:
            response = self.items.replace_item(item, body, if_match=if_match, stats=stats)
        return response.body

    def patch_item(
        self,
        item: str,
        partition_key: Any,
        patch_operations: Sequence[dict[str, Any]],
        raw_response_hook: Any = None,
    ) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.patch_item(item, partition_key, patch_operations, stats=stats)
        return response.body

    def delete_item(self, item: str, partition_key: Any, raw_response_hook: Any = None) -> None:
        with _observed(raw_response_hook) as stats:
            self.items.delete_item(item, partition_key, stats=stats)

    def execute_item_batch(
        self,
        batch_operations: Sequence[tuple[str, tuple[Any, ...]]],
        partition_key: Any,
        raw_response_hook: Any = None,
    ) -> Any:
        with _observed(raw_response_hook) as stats:
            response = self.items.execute_batch(batch_operations, partition_key, stats=stats)
        return response.body

    def query_items(
        self,
        query: str,
        parameters: Sequence[dict[str, Any]] = (),
        *,
        partition_key: Any = NOT_GIVEN,
        enable_cross_partition_query: bool = False,
        populate_query_metrics: bool = False,
        populate_index_metrics: bool = False,
        raw_response_hook: Any = None,
    ) -> list[Any]:
        """All results, as a list (the SDK's pager, read to the end)."""
        stats = CallStats()
        fell_back = False  # then the SDK's responses reach the hook, not `stats`
        try:
            return query_items(
                self.items,
                query,
                parameters,
                partition_key=partition_key,
                populate_query_metrics=populate_query_metrics,
                populate_index_metrics=populate_index_metrics,
                stats=stats,
            ).body
        except NeedsSdk as needs:  # what asking cost is a metadata row, not the call's
            fell_back = True
            if needs.stats.attempts:  # the first time: the gateway's 400/1004 answer
                self.on_fallback(query)
                self.on_metadata_stats("query plan", needs.stats)
            scope: dict[str, Any] = {"enable_cross_partition_query": True}
            if partition_key is not NOT_GIVEN:
                scope = {"partition_key": partition_key}
            if populate_index_metrics:
                scope["populate_index_metrics"] = True
            return list(
                self.sdk_container.query_items(
                    query,
                    parameters=list(parameters),
                    populate_query_metrics=populate_query_metrics,
                    raw_response_hook=raw_response_hook,
                    **scope,
                )
            )
        finally:  # as `_observed`: also for a call killed mid-way
            if not fell_back and isinstance(raw_response_hook, GatewayObserver):
                raw_response_hook.add(stats)


class MetadataRows:
    """The gateway client's own requests (container and partition key range reads, a
    query's 400/1004 answer) as `metadata` rows, like the SDK's (bench.harness.metadata)."""

    def __init__(self, events: Events) -> None:
        self.event = metadata_event(events)

    def on_request(self, method: str, path: str, stats: CallStats) -> None:
        """GatewayClient.on_metadata: the account read (`GET /`) is no container's and
        charged nothing; the SDK's is not recorded either."""
        if path.strip("/"):
            self.record(purpose(method, path, {}), stats)

    def on_stats(self, what: str, stats: CallStats) -> None:
        self.record(f"{METADATA_KIND}: {what}", stats)

    def record(self, operation: str, stats: CallStats) -> None:
        observer = GatewayObserver()
        observer.add(stats)
        record = CallRecord.build(
            operation=operation,
            kind=METADATA_KIND,
            timestamp=time.time() - stats.latency_ms / 1000,
            latency_ms=stats.latency_ms,
            observer=observer,
            outcome=status_outcome(stats.status),
            item_count=0,
            error=None,
        )
        self.event.fire(context={"rubench": record})
