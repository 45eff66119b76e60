"""The requests the SDK makes on its own (partition key ranges, container reads, query
plans), recorded as `metadata` rows so the run's RU adds up to what the target charged.

No workload operation asks for them, so they carry no per-call hook. azure-core's
CustomHookPolicy falls back to the hooks given to the client when a call brings none:
given there, `MetadataObserver` sees exactly the requests the operations' observers do
not, times them and fires `rubench_metadata` (not Locust's `request`: Locust's own
statistics stay the workload's)::

    observer = MetadataObserver(environment.events)
    client = sync_client(target, **observer.client_hooks())
    metadata_event(environment.events).add_listener(recorder.on_request)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from locust.event import EventHook, Events

from bench.harness.calls import AttemptObserver, CallRecord
from bench.rundata.outcome import Outcome
from bench.rundata.schema import METADATA_KIND

log = logging.getLogger(__name__)
EVENT_NAME = "rubench_metadata"
_SENT_AT = "rubench_sent_at"  # (wall clock, perf counter) in the pipeline context
QUERY_PLAN_HEADER = "x-ms-cosmos-is-query-plan-request"
# What a request without an operation was for, from its resource path (first match wins)
_PURPOSES = (
    (re.compile(r"/pkranges/?$"), "partition key ranges"),
    (re.compile(r"/colls/[^/]+/?$"), "container read"),
    (re.compile(r"/dbs/[^/]+/?$"), "database read"),
    (re.compile(r"/offers"), "throughput read"),
)


def metadata_event(events: Events) -> EventHook:
    """The `rubench_metadata` event of an environment (added on first use), fired with
    `context={"rubench": CallRecord}` like rubench's request events."""
    hook = getattr(events, EVENT_NAME, None)
    if hook is None:
        hook = EventHook()
        setattr(events, EVENT_NAME, hook)
    return hook


def purpose(method: str, path: str, headers: Any) -> str:
    """`metadata: partition key ranges` for `GET /dbs/d/colls/c/pkranges`, and so on."""
    if headers.get(QUERY_PLAN_HEADER):
        return f"{METADATA_KIND}: query plan"
    for pattern, name in _PURPOSES:
        if pattern.search(path):
            return f"{METADATA_KIND}: {name}"
    return f"{METADATA_KIND}: {method} {path}"


class MetadataObserver:
    """Client-level raw request/response hooks that record each request no call observed."""

    def __init__(self, events: Events) -> None:
        self.event = metadata_event(events)

    def client_hooks(self) -> dict[str, Callable[[Any], None]]:
        return {"raw_request_hook": self.on_request, "raw_response_hook": self.on_response}

    def on_request(self, pipeline_request: Any) -> None:
        # every request passes here (a call's own hook only replaces the response hook)
        pipeline_request.context[_SENT_AT] = (time.time(), time.perf_counter())

    def on_response(self, pipeline_response: Any) -> None:
        try:
            self._record(pipeline_response)
        except Exception:  # it runs inside the SDK's pipeline: never fail the request
            log.exception("rubench: recording an SDK metadata request failed")

    def _record(self, pipeline_response: Any) -> None:
        sent_at, clock = pipeline_response.context.get(_SENT_AT) or (time.time(), None)
        latency_ms = 0.0 if clock is None else (time.perf_counter() - clock) * 1000
        request = pipeline_response.http_request
        path = _path(request.url)
        if not path.strip("/"):
            return  # the account read (endpoint discovery): no container's, charged nothing
        observer = AttemptObserver()
        observer(pipeline_response)
        status = observer.status
        record = CallRecord.build(
            operation=purpose(request.method, path, request.headers),
            kind=METADATA_KIND,
            timestamp=sent_at,
            latency_ms=latency_ms,
            observer=observer,
            outcome=status_outcome(status),
            item_count=0,
            error=None,
        )
        self.event.fire(context={"rubench": record})


def _path(url: str) -> str:
    return re.sub(r"^[a-z]+://[^/]+", "", url).split("?", 1)[0]


def status_outcome(status: int) -> Outcome:
    """A metadata request is seen only by its response: a 429 throttled, other errors failed."""
    if status == 429:
        return Outcome.THROTTLED
    return Outcome.OK if status < 400 else Outcome.ERROR
