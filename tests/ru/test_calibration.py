"""The cost model next to every published figure in shared notes `ru-cost-model.md`.

Run with `-s` to see the table. Each figure is held within 15%, or carries
the reason it is out of scope (and a looser bound that still catches a
model gone wrong). Item sizes and index terms come from real documents run
through the emulator's own `PartitionIndex`; query scenarios are
`QueryMetrics` built to match what the published query did (the published
data sets are far too large to load in a unit test), with every size that
the source does not publish stated as an assumption.

Figures without a number to hold are checked by the tests at the end (2x at
Strong, failed requests charged, batch = sum) or are out of scope: TTL
expiry spends leftover RU on the service and is not charged here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from bench.emulator.costs import (
    COEFFICIENTS,
    WriteKind,
    batch_charge,
    change_feed_charge,
    failed_request_charge,
    query_charge,
    read_charge,
    write_charge,
)
from bench.emulator.query import QueryMetrics
from bench.emulator.query.indexing import DEFAULT_POLICY, PartitionIndex

TOLERANCE = 0.15
KB = 1024
NO_INDEX = {"indexingMode": "none", "automatic": False}
SYSTEM = {
    "_rid": "kV9lAKP7OgkBAAAAAAAAAA==",
    "_self": "dbs/kV9lAA==/colls/kV9lAKP7Ogk=/docs/kV9lAKP7OgkBAAAAAAAAAA==/",
    "_etag": '"0000d722-0000-0700-0000-6541f3a10000"',
    "_attachments": "attachments/",
    "_ts": 1698820001,
}
GUID = "54ab87a7-bdb9-4a5b-9a9d-2c1e0e1ad1b0"


def stored_size(document: Mapping[str, Any]) -> int:
    """Bytes of the document as the service stores it (with its system properties)."""
    return len(json.dumps({**document, **SYSTEM}, separators=(",", ":")).encode())


def indexed_terms(document: Mapping[str, Any], policy: Mapping[str, Any] = DEFAULT_POLICY) -> int:
    return PartitionIndex(policy, ["/id"]).insert("key", {**document, **SYSTEM})


def create(document: Mapping[str, Any], policy: Mapping[str, Any] = DEFAULT_POLICY) -> float:
    return write_charge(WriteKind.CREATE, stored_size(document), indexed_terms(document, policy))


def delete(document: Mapping[str, Any]) -> float:
    return write_charge(WriteKind.DELETE, stored_size(document), indexed_terms(document))


def rewrite(kind: WriteKind, before: Mapping[str, Any], after: Mapping[str, Any]) -> float:
    """Replace, upsert of an existing item or patch: charged for the terms that change."""
    index = PartitionIndex(DEFAULT_POLICY, ["/id"])
    index.insert("key", {**before, **SYSTEM})
    changed = index.replace("key", {**before, **SYSTEM}, {**after, **SYSTEM}).changed
    return write_charge(kind, stored_size(after), changed)


def sized(length: int) -> str:
    return ("lorem ipsum dolor sit amet " * (length // 27 + 1))[:length]


# Item shapes from nosql/model-partition-example.md; content sizes are not published.
USER = {"id": GUID, "username": "jeffw"}
RENAMED_USER = {**USER, "username": "jeff.w"}  # updates change one property (assumed)
LIKE = {
    "id": GUID,
    "type": "like",
    "postId": GUID,
    "userId": GUID,
    "creationDate": "2019-06-01T10:00:00Z",
}
COMMENT_CONTENT_BYTES = 2048  # assumed: the dummy comments' length is not published
COMMENT = {**LIKE, "type": "comment", "content": sized(COMMENT_CONTENT_BYTES)}
POST = {**COMMENT, "type": "post", "title": "A post title"}
# V2 of the same example denormalizes a username and two counters into posts, a username
# into comments and likes; a stored procedure increments a counter when one is added.
POST_V2 = {**POST, "userUsername": "jeffw", "commentCount": 12, "likeCount": 40}
COMMENT_V2 = {**COMMENT, "userUsername": "jeffw"}
LIKE_V2 = {**LIKE, "userUsername": "jeffw"}
THREE_PROPS = {"id": GUID, "name": "widget", "category": "tools"}
# dp-420 issue 29: a ~6.5 KB product with ~150 leaf paths.
PRODUCT = {
    "id": GUID,
    "name": "Road bike",
    "categoryName": "Bikes",
    "specs": {f"attribute{i:03d}": sized(24) for i in range(147)},
}
PRODUCT_TWO_PATHS = {
    "indexingMode": "consistent",
    "includedPaths": [{"path": "/name/?"}, {"path": "/categoryName/?"}],
    "excludedPaths": [{"path": "/*"}],
}

# Query scenarios. Nutrition items (troubleshoot-query-performance.md): the full-scan example
# publishes 60,951 docs / 399,998,938 bytes; the other examples run on the 8,618-item
# nutrition sample, whose items are assumed 4.5 KB (not published).
NUTRITION_ITEM_BYTES = 4608
NUTRITION_ITEMS = 8618


def loaded(count: int, item_bytes: int, *, output: int, lookups: int, **more: Any) -> QueryMetrics:
    return QueryMetrics(
        retrieved_document_count=count,
        retrieved_document_size=count * item_bytes,
        output_document_count=output,
        output_document_size=output * item_bytes,
        index_lookup_count=lookups,
        partitions_touched=more.pop("partitions", 1),
        **more,
    )


@dataclass(frozen=True)
class Figure:
    what: str
    source: str
    published: float
    model: float
    out_of_scope: str = ""  # why the 15% bound does not apply
    bound: float = TOLERANCE  # relative bound asserted

    @property
    def error(self) -> float:
        return (self.model - self.published) / self.published


def figures() -> list[Figure]:
    scan = QueryMetrics(
        retrieved_document_count=60951,
        retrieved_document_size=399_998_938,
        output_document_count=7,
        output_document_size=510,
        scanned_document_count=60951,
    )
    composite_page = loaded(100, NUTRITION_ITEM_BYTES, output=100, lookups=1)
    range_page = loaded(100, NUTRITION_ITEM_BYTES, output=100, lookups=1, in_memory_sort=True)
    # A fan-out is one request per partition key range, each charged on its own.
    range_no_match = QueryMetrics(index_lookup_count=1, partitions_touched=1)
    list_doc = (
        "2019 measurements on one unpublished data set, 1.7-2.5x what the "
        "troubleshoot-query-performance figures imply for the same work (16.97 RU for 100 posts "
        "there vs 8.86 RU for 100 larger items with a composite index here): one model cannot "
        "hold both; it follows troubleshoot-query-performance. Bound: within 65%."
    )
    read_1kb = read_charge(KB)
    replace_ratio = rewrite(WriteKind.REPLACE, USER, RENAMED_USER) / create(USER)
    read_post = read_charge(stored_size(POST_V2))
    sproc = (
        "one stored-procedure request runs a read, a replace and a create; the service charges "
        "once for what the model charges per operation (base terms), and the content size is "
        "assumed. Bound: within 40%."
    )
    doc = "optimize-cost-reads-writes.md"
    mpe = "nosql/model-partition-example.md"
    tqp = "nosql/troubleshoot-query-performance.md"
    change_feed = "azure-docs issue 50040 (PM comment)"
    return [
        Figure("point read 1 KB", doc, 1.0, read_1kb),
        Figure("point read 100 KB", doc, 10.0, read_charge(100 * KB)),
        Figure("point read 1 KB, Strong", "request-units.md", 2.0, read_charge(KB, strong=True)),
        Figure(
            "insert 1 KB, no indexing",
            doc,
            5.5,
            write_charge(WriteKind.CREATE, KB, index_terms=0),
        ),
        Figure("replace / insert (ratio)", doc, 2.0, replace_ratio),
        Figure(
            "replace / insert, measured 1.6-1.9 (ratio)", "capacity planner", 1.75, replace_ratio
        ),
        Figure("create user, 2 props", mpe, 5.71, create(USER)),
        Figure("create like, 5 props", mpe, 7.05, create(LIKE)),
        Figure(f"create comment ({COMMENT_CONTENT_BYTES} B content)", mpe, 8.57, create(COMMENT)),
        Figure(f"create post ({COMMENT_CONTENT_BYTES} B content)", mpe, 8.76, create(POST)),
        Figure("create, 3 props", "tf-azure-cosmosdb README", 6.29, create(THREE_PROPS)),
        Figure(
            "upsert of existing, 3 props",
            "tf-azure-cosmosdb README",
            10.29,
            rewrite(WriteKind.UPSERT_REPLACE, THREE_PROPS, THREE_PROPS),  # the same item again
        ),
        Figure("sample item create (user shape)", "capacity planner", 5.71, create(USER)),
        Figure("sample item read", "capacity planner", 1.00, read_charge(stored_size(USER))),
        Figure(
            "sample item update (one property)",
            "capacity planner",
            10.67,
            rewrite(WriteKind.REPLACE, USER, RENAMED_USER),
        ),
        Figure("sample item delete", "capacity planner", 5.71, delete(USER)),
        Figure(
            "V2 comment via sproc: read + replace post, create",
            mpe,
            15.27,
            read_post
            + rewrite(WriteKind.REPLACE, POST_V2, {**POST_V2, "commentCount": 13})
            + create(COMMENT_V2),
            out_of_scope=sproc,
            bound=0.4,
        ),
        Figure(
            "V2 like via sproc: read + replace post, create",
            mpe,
            14.67,
            read_post
            + rewrite(WriteKind.REPLACE, POST_V2, {**POST_V2, "likeCount": 41})
            + create(LIKE_V2),
            out_of_scope=sproc,
            bound=0.4,
        ),
        Figure("~6.5 KB item, index all", "dp-420 issue 29", 48.38, create(PRODUCT)),
        Figure(
            "~6.5 KB item, 2 paths", "dp-420 issue 29", 8.38, create(PRODUCT, PRODUCT_TWO_PATHS)
        ),
        Figure("~6.5 KB item, no indexing", "dp-420 issue 29", 7.05, create(PRODUCT, NO_INDEX)),
        Figure(
            "patch / replace (ratio, 'no significant reduction')",
            "partial-document-update FAQ",
            1.0,
            rewrite(WriteKind.PATCH, USER, RENAMED_USER)
            / rewrite(WriteKind.REPLACE, USER, RENAMED_USER),
        ),
        Figure(
            "query minimum", "devblog point reads vs queries", 2.3, query_charge(QueryMetrics())
        ),
        Figure(
            "fan-out, 10 range requests, no match (~2.5 RU each)",
            "nosql/how-to-query-container.md",
            25.0,
            10 * query_charge(range_no_match),
        ),
        Figure(
            "equality on indexed path (1 match)",
            tqp,
            2.98,
            query_charge(loaded(1, NUTRITION_ITEM_BYTES, output=1, lookups=1)),
        ),
        Figure(
            f"equality on excluded path (scan of {NUTRITION_ITEMS} items)",
            tqp,
            409.51,
            query_charge(loaded(NUTRITION_ITEMS, NUTRITION_ITEM_BYTES, output=1, lookups=0)),
        ),
        Figure("full scan, 60,951 docs / 400 MB", tqp, 4059.95, query_charge(scan)),
        Figure("RU per MB loaded (estimate)", tqp, 10.0, COEFFICIENTS.query_per_mb_loaded),
        Figure("filter + ORDER BY, composite index", tqp, 8.86, query_charge(composite_page)),
        Figure("filter + ORDER BY, range index only", tqp, 44.28, query_charge(range_page)),
        Figure(
            "list a post's comments (25 items)",
            mpe,
            7.72,
            query_charge(loaded(25, stored_size(COMMENT), output=25, lookups=2)),
            out_of_scope=list_doc,
            bound=0.65,
        ),
        Figure(
            "list a post's likes (100 items)",
            mpe,
            8.92,
            query_charge(loaded(100, stored_size(LIKE), output=100, lookups=2)),
            out_of_scope=list_doc,
            bound=0.65,
        ),
        Figure(
            "feed: TOP 100 ORDER BY, one partition",
            mpe,
            16.97,
            query_charge(loaded(100, stored_size(POST), output=100, lookups=1)),
            out_of_scope=list_doc,
            bound=0.65,
        ),
        Figure(
            "feed across 100 partitions + 3 queries per post (V1)",
            mpe,
            2063.54,
            # One range request per partition, each returning one of the 100 posts.
            100 * query_charge(loaded(1, stored_size(POST), output=1, lookups=1))
            + 300 * query_charge(loaded(1, stored_size(LIKE), output=1, lookups=1)),
            out_of_scope=(
                "the partition count and the follow-up queries' shapes are not published; shown "
                "for 100 partitions and 300 one-result follow-ups. Bound: within 65%."
            ),
            bound=0.65,
        ),
        Figure(
            "change feed, first read (one small item)",
            change_feed,
            2.0,
            change_feed_charge([stored_size(USER)]),
        ),
        Figure(
            "change feed, each further 1 KB item",
            change_feed,
            1.0,
            change_feed_charge([KB, KB]) - change_feed_charge([KB]),
        ),
    ]


FIGURES = figures()


def table(rows: list[Figure]) -> str:
    lines = [f"{'figure':<55} {'published':>10} {'model':>10} {'error':>8}  source"]
    for f in rows:
        mark = " (out of scope)" if f.out_of_scope else ""
        lines.append(
            f"{f.what:<55} {f.published:>10.2f} {f.model:>10.2f} {f.error:>+8.1%}  {f.source}{mark}"
        )
    return "\n".join(lines)


def test_print_model_next_to_published_figures() -> None:
    print("\n" + table(FIGURES))
    assert len(FIGURES) >= 30


@pytest.mark.parametrize("figure", FIGURES, ids=[f.what for f in FIGURES])
def test_figure_within_bound(figure: Figure) -> None:
    assert abs(figure.error) <= figure.bound, table([figure]) + "\n" + figure.out_of_scope


def test_measured_replace_ratio_in_published_range() -> None:
    ratio = rewrite(WriteKind.REPLACE, USER, RENAMED_USER) / create(USER)
    assert 1.6 <= ratio <= 1.9


def test_replace_of_a_rich_document_pays_for_the_terms_that_change() -> None:
    """~150 terms, one property changed: the base and size terms again (about 2x) plus one
    term removed and one added, not every term twice (shared notes, corrected)."""
    edited = {**PRODUCT, "name": "Road bike, red"}
    c = COEFFICIENTS
    expected = c.replace_factor * create(edited, NO_INDEX) + 2 * c.write_per_indexed_path
    assert rewrite(WriteKind.REPLACE, PRODUCT, edited) == pytest.approx(expected, abs=0.02)
    assert rewrite(WriteKind.REPLACE, PRODUCT, edited) < create(PRODUCT) / 3
    assert delete(PRODUCT) == create(PRODUCT)


def test_strong_consistency_doubles_reads_and_queries() -> None:
    metrics = loaded(10, KB, output=10, lookups=1)
    assert read_charge(5 * KB, strong=True) == pytest.approx(2 * read_charge(5 * KB), abs=0.01)
    assert query_charge(metrics, strong=True) == pytest.approx(2 * query_charge(metrics), abs=0.01)


def test_failed_requests_charged_as_the_service_does() -> None:
    for status in (400, 412, 449):
        assert failed_request_charge(status) > 0
    assert failed_request_charge(429) == 0


def test_batch_charge_is_the_sum_of_its_operations() -> None:
    operations = [create(USER), rewrite(WriteKind.REPLACE, USER, RENAMED_USER), read_charge(KB)]
    assert batch_charge(operations) == pytest.approx(sum(operations), abs=0.005)


def test_charges_carry_two_decimals_like_the_service() -> None:
    charges = [create(POST), read_charge(3333), query_charge(loaded(7, 999, output=3, lookups=1))]
    assert all(round(c, 2) == c for c in charges)
