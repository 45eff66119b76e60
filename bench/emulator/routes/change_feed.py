"""The latest-version change feed: `GET .../docs` with `A-IM: Incremental Feed`.

One request reads one partition key range (`x-ms-documentdb-partitionkeyrangeid`),
optionally narrowed to an EPK sub-range (`x-ms-start-epk`/`x-ms-end-epk`: feed
ranges and partition keys) or to one logical partition (the partition key
header). Where it starts:

- `If-None-Match: "<lsn>"`: after that LSN (the etag of an earlier answer);
- `If-None-Match: *`: now (answers 304 with the current LSN);
- neither: from the beginning;
- `If-Modified-Since`: only items whose latest change is at or after that time
  (combined with an etag when both are sent).

Each live item appears once, at its latest change, in LSN order; deletes are not
shown. A page answers 200 with `Documents` (each with its `_lsn`) and an `etag`
to continue from; nothing new answers 304 with the etag. The etag is an LSN of
the partition, and children of a split continue their parent's LSNs, so an
etag survives splits (the SDK moves it to the children after a 410/1002).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import bench.emulator.costs as costs
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.paging import MAX_PAGE_BYTES, page_size
from bench.emulator.partition_keys import parse_header
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.replies import Reply, feed_body
from bench.emulator.routes.items import PARTITION_KEY
from bench.emulator.storage import Container

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

A_IM = "a-im"
LATEST_VERSION = "incremental feed"
ALL_VERSIONS_AND_DELETES = "full-fidelity feed"
PARTITION_KEY_RANGE_ID = "x-ms-documentdb-partitionkeyrangeid"
START_EPK = "x-ms-start-epk"
END_EPK = "x-ms-end-epk"


def is_change_feed(call: Call) -> bool:
    return call.header(A_IM) is not None


@dataclass(frozen=True)
class _Scope:
    """What one change feed request reads: a partition, maybe narrowed to an EPK range
    or to one logical partition (its canonical key)."""

    partition: PhysicalPartition
    low: str | None = None
    high: str | None = None
    logical_key: str | None = None

    def covers(self, key: tuple[str, str]) -> bool:
        if self.logical_key is not None and key[0] != self.logical_key:
            return False
        if self.low is None or self.high is None:
            return True
        return self.low <= self.partition.epks[key].upper() < self.high


@dataclass(frozen=True)
class _Start:
    after_lsn: int | None  # None: now
    since_ts: int | None  # If-Modified-Since, epoch seconds


def read(gateway: Gateway, call: Call) -> Reply:
    container = gateway.account.container(call.segments[1], call.segments[3])
    scope = _scope(call, container)

    def work() -> Reply:
        # Checked on the partition, so a bad request is charged as the service charges a 400.
        _check_mode(call)
        start = _start(call)
        size = page_size(call.header("x-ms-max-item-count"))
        return _page(container, scope, start, size, call.now)

    return gateway.on_partitions(call, container, [scope.partition], "ChangeFeed", work)


def _check_mode(call: Call) -> None:
    mode = (call.header(A_IM) or "").lower()
    if mode == ALL_VERSIONS_AND_DELETES:
        raise CosmosError(
            400,
            "The change feed mode 'All Versions and Deletes' must be enabled on the account to "
            "be used; this emulator serves the latest-version change feed only.",
        )
    if mode != LATEST_VERSION:
        raise CosmosError(
            400, f"A-IM {call.header(A_IM)!r} is invalid: use 'Incremental Feed' (latest version)."
        )


def _start(call: Call) -> _Start:
    etag = call.header("if-none-match")
    after: int | None = 0
    if etag == "*":
        after = None
    elif etag is not None:
        digits = etag.strip('"')
        if not digits.isdigit():
            raise CosmosError(
                400,
                f"If-None-Match {etag!r} is not a change feed continuation: use an etag this "
                'feed answered (an LSN such as "42") or * for now.',
            )
        after = int(digits)
    since = call.header("if-modified-since")
    if since is None:
        return _Start(after, None)
    try:
        since_ts = int(parsedate_to_datetime(since).timestamp())
    except (TypeError, ValueError):
        raise CosmosError(
            400,
            f"If-Modified-Since {since!r} is invalid: use an HTTP date such as "
            "'Sun, 29 Nov 2026 22:31:22 GMT'.",
        ) from None
    return _Start(after, since_ts)


def _scope(call: Call, container: Container) -> _Scope:
    partitions = container.partitions
    range_id = call.header(PARTITION_KEY_RANGE_ID)
    if range_id is not None:
        partition = partitions.for_range_id(range_id)
        low, high = call.header(START_EPK), call.header(END_EPK)
        if low is not None and high is not None:
            # EPKs are hex in either case (the SDK writes version-1 hashes and some bounds in
            # lower case): compare them upper-cased.
            return _Scope(partition, low.upper(), high.upper())
        return _Scope(partition)
    if call.header(PARTITION_KEY) is not None:
        key = parse_header(call.header(PARTITION_KEY))
        if len(key.components) != len(container.partition_key.paths):
            raise CosmosError(
                400,
                "A change feed by partition key needs the full key "
                f"({len(container.partition_key.paths)} component(s)); for a prefix send "
                f"{PARTITION_KEY_RANGE_ID} with {START_EPK}/{END_EPK}.",
            )
        return _Scope(container.place(key).partition, logical_key=key.canonical)
    if len(partitions) > 1:
        raise CosmosError(
            400,
            f"The change feed is read per partition key range and this container has "
            f"{len(partitions)}: send {PARTITION_KEY_RANGE_ID} (ranges: GET .../pkranges).",
        )
    return _Scope(next(iter(partitions)))


def _page(container: Container, scope: _Scope, start: _Start, size: int, now: float) -> Reply:
    partition = scope.partition
    if start.after_lsn is None:
        return _not_modified(partition.lsn)
    items: list[bytes] = []
    sizes: list[int] = []
    page_bytes = 0
    last_lsn = partition.lsn
    page_full = False
    for lsn, key in partition.changes.since(start.after_lsn):
        if not scope.covers(key):
            continue
        document = partition.documents[key]
        if start.since_ts is not None and document["_ts"] < start.since_ts:
            continue
        if container.default_ttl is not None and container.is_expired(document, now):
            continue
        encoded = partition.encoded[key]
        if items and (len(items) == size or page_bytes + len(encoded) > MAX_PAGE_BYTES):
            page_full = True
            break
        items.append(b'%s,"_lsn":%d}' % (encoded[:-1], lsn))
        sizes.append(len(encoded))
        page_bytes += len(encoded)
        last_lsn = lsn
    if not items:
        return _not_modified(partition.lsn)
    # Continue after the last item sent, or after everything when the page holds the rest.
    etag = last_lsn if page_full else partition.lsn
    return Reply(
        200,
        feed_body(container.rid, "Documents", items),
        {"etag": f'"{etag}"'},
        costs.change_feed_charge(sizes),
    )


def _not_modified(lsn: int) -> Reply:
    return Reply(304, b"", {"etag": f'"{lsn}"'}, costs.change_feed_charge(()))
