"""Indexing policies, index maintenance, and what executions report about index use."""

from __future__ import annotations

import pytest

from bench.emulator.errors import CosmosError
from bench.emulator.query import PartitionIndex, execute
from bench.emulator.query.indexing import IndexChange, parse_path
from bench.emulator.query.metrics import CompositeIndexUse

from .engine import MemoryPartition, partitions_of, run

DOCUMENT = {
    "id": "1",
    "pk": "p",
    "name": "n",
    "tags": ["a", "b"],
    "address": {"city": "x"},
    "_rid": "r",
    "_ts": 1,
    "_etag": '"e"',
    "_self": "s",
}


def policy(included: list[str], excluded: list[str], **extra) -> dict:
    return {
        "indexingMode": "consistent",
        "includedPaths": [{"path": p} for p in included],
        "excludedPaths": [{"path": p} for p in excluded],
        **extra,
    }


@pytest.mark.parametrize(
    ("included", "excluded", "indexed", "not_indexed"),
    [
        # The default: everything but _etag.
        (["/*"], ['/"_etag"/?'], [("name",), ("tags", "[]"), ("_ts",)], [("_etag",)]),
        # The more precise path wins over the wildcard.
        (["/*"], ["/address/*"], [("name",)], [("address", "city")]),
        (["/address/city/?"], ["/*"], [("address", "city")], [("name",), ("tags", "[]")]),
        (["/tags/[]/?"], ["/*"], [("tags", "[]")], [("tags",), ("name",)]),
        (["/*"], ["/tags/[]/?"], [("tags",), ("name",)], [("tags", "[]")]),
        # `?` is more precise than `*` at the same depth.
        (["/name/?"], ["/name/*"], [("name",)], [("name", "x")]),
        (['/"odd key"/?'], ["/*"], [("odd key",)], [("name",)]),
        # The first API version's root path `/` (still in the SDK's tests) is the whole document.
        (["/"], ["/address/*"], [("name",), ("tags", "[]")], [("address", "city")]),
    ],
)
def test_policy_paths_decide_what_is_indexed(included, excluded, indexed, not_indexed) -> None:
    index = PartitionIndex(policy(included, excluded), ["/pk"])
    for path in indexed:
        assert index.is_indexed(path), path
    for path in not_indexed:
        assert not index.is_indexed(path), path


@pytest.mark.parametrize("bad", ["name/?", "/name", "/na me/?x", '/"open/?', "", 5])
def test_malformed_index_path_is_a_400_naming_it(bad) -> None:
    with pytest.raises(CosmosError) as raised:
        PartitionIndex(policy(["/*"], [bad] if bad != "/name" else ["/name"]), ["/pk"])
    assert raised.value.status == 400
    assert "could not be accepted" in raised.value.message


def test_composite_index_needs_two_paths_and_a_known_order() -> None:
    for composite in ([{"path": "/a"}], [{"path": "/a"}, {"path": "/b", "order": "up"}]):
        with pytest.raises(CosmosError):
            PartitionIndex(policy(["/*"], [], compositeIndexes=[composite]), ["/pk"])


def test_insert_counts_indexed_user_terms_only() -> None:
    everything = PartitionIndex({}, ["/pk"])
    # id, pk, name, tags[] x2, address.city; system properties are indexed but not counted.
    assert everything.insert("k", DOCUMENT) == 6
    fewer = PartitionIndex(policy(["/*"], ["/tags/*", "/address/*"]), ["/pk"])
    assert fewer.insert("k", DOCUMENT) == 3
    assert PartitionIndex({"indexingMode": "none"}, ["/pk"]).insert("k", DOCUMENT) == 0
    assert PartitionIndex({"automatic": False}, ["/pk"]).insert("k", DOCUMENT) == 0


def test_each_composite_index_holds_one_entry_per_document() -> None:
    """index-policy.md: a composite index gets a value for every item, an "undefined" one
    where a path is missing or not a scalar; a replace rewrites an entry that changes."""
    composites = [[{"path": "/name"}, {"path": "/missing"}], [{"path": "/name"}, {"path": "/id"}]]
    index = PartitionIndex(policy(["/*"], [], compositeIndexes=composites), ["/pk"])
    assert index.insert("k", DOCUMENT) == 6 + 2
    renamed = {**DOCUMENT, "name": "m"}
    # name: one range term removed and one added, and both composite entries rewritten.
    assert index.replace("k", DOCUMENT, renamed) == IndexChange(changed=2 + 4, total=8)
    retagged = {**renamed, "tags": ["a", "c"]}
    assert index.replace("k", renamed, retagged) == IndexChange(changed=2, total=8)
    now_an_object = {**retagged, "missing": {"x": 1}}  # still undefined for the composite
    assert index.replace("k", retagged, now_an_object).changed == 1
    none = policy(["/*"], [], compositeIndexes=composites, indexingMode="none")
    assert PartitionIndex(none, ["/pk"]).insert("k", DOCUMENT) == 0


def test_replace_rewrites_only_the_terms_that_change() -> None:
    index = PartitionIndex(policy(["/*"], ["/address/*"]), ["/pk"])
    index.insert("k", DOCUMENT)
    edited = {**DOCUMENT, "name": "m", "tags": ["a", "b", "c"], "address": {"city": "y"}}
    # name: one removed, one added; one more array element; the excluded city is no term.
    assert index.replace("k", DOCUMENT, edited) == IndexChange(changed=3, total=6)
    assert index.lookup_equal(("name",), "n") == set()
    assert index.lookup_equal(("name",), "m") == {"k"}
    assert index.lookup_equal(("tags", "[]"), "c") == {"k"}
    assert index.lookup_equal(("tags", "[]"), "a") == {"k"}
    # Only system properties differ (a new _etag and _ts): nothing charged changes.
    restamped = {**edited, "_ts": 2}
    assert index.replace("k", edited, restamped) == IndexChange(changed=0, total=6)
    assert index.lookup_equal(("_ts",), 2) == {"k"} and index.lookup_equal(("_ts",), 1) == set()


def test_removed_and_replaced_documents_leave_the_index() -> None:
    (partition,) = partitions_of([{"id": "1", "pk": "p", "v": "old"}], count=1)
    partition.put({"id": "1", "pk": "p", "v": "new"})
    assert run("SELECT VALUE c.id FROM c WHERE c.v = 'old'", [partition]).documents == []
    assert run("SELECT VALUE c.id FROM c WHERE c.v = 'new'", [partition]).documents == ["1"]
    partition.delete("1", "p")
    result = run("SELECT VALUE c.id FROM c WHERE c.v = 'new'", [partition])
    assert result.documents == []
    assert result.metrics.retrieved_document_count == 0


def test_indexed_filter_loads_only_matches_and_excluded_filter_scans() -> None:
    documents = [{"id": str(i), "pk": i % 5, "a": i % 10, "b": i % 10} for i in range(200)]
    partitions = partitions_of(documents, policy(["/*"], ["/b/?"]), count=3)
    indexed = run("SELECT VALUE c.id FROM c WHERE c.a = 3", partitions).metrics
    scanned = run("SELECT VALUE c.id FROM c WHERE c.b = 3", partitions).metrics
    assert indexed.output_document_count == scanned.output_document_count == 20
    assert indexed.retrieved_document_count == 20
    assert indexed.index_hit_document_count == 20 and indexed.scanned_document_count == 0
    assert indexed.index_lookup_count == 3  # one per partition
    assert scanned.retrieved_document_count == scanned.scanned_document_count == 200
    assert scanned.index_hit_document_count == 0
    assert scanned.retrieved_document_size >= 9 * indexed.retrieved_document_size
    assert indexed.partitions_touched == scanned.partitions_touched == 3


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("c.n > 1990", 9),
        ("c.n >= 1990 AND c.n < 1995", 5),
        ("c.n BETWEEN 10 AND 19", 10),
        ("c.n IN (1, 2, 3, 'x')", 3),
        ("STARTSWITH(c.s, 's19')", 111),
        ("c.n = 5 OR c.s = 's7'", 2),
        ("c.s > 's9'", 110),  # s90..s99 and s900..s999
        ("ARRAY_CONTAINS(c.tags, 't3')", 200),
        ("ARRAY_CONTAINS([3, 5, 'x', 1999], c.n)", 3),
    ],
)
def test_range_and_set_lookups_over_many_distinct_values(where: str, expected: int) -> None:
    """Enough distinct values to exercise the sorted-term buffer and its rebuilds."""
    documents = [
        {"id": str(i), "pk": "p", "n": i, "s": f"s{i}", "tags": [f"t{i % 10}"]} for i in range(2000)
    ]
    partitions = partitions_of(documents, count=2)
    result = run(f"SELECT VALUE c.id FROM c WHERE {where}", partitions)
    assert len(result.documents) == expected
    assert result.metrics.retrieved_document_count == expected
    assert result.metrics.scanned_document_count == 0


def test_index_hits_come_back_in_a_stable_order() -> None:
    documents = [{"id": f"{i:03d}", "pk": "p", "k": i % 3} for i in range(300)]
    partitions = partitions_of(documents, count=1)
    first = run("SELECT VALUE c.id FROM c WHERE c.k = 1", partitions).documents
    assert first == sorted(first)
    assert run("SELECT VALUE c.id FROM c WHERE c.k = 1", partitions).documents == first


def test_order_by_with_top_walks_the_index_and_stops_early() -> None:
    documents = [{"id": f"{i:04d}", "pk": i % 7, "n": (i * 37) % 1000} for i in range(1000)]
    partitions = partitions_of(documents, count=3)
    result = run("SELECT TOP 5 VALUE c.n FROM c ORDER BY c.n DESC", partitions)
    assert result.documents == [999, 998, 997, 996, 995]
    assert result.metrics.retrieved_document_count < 20
    assert not result.metrics.in_memory_sort
    paged = run("SELECT VALUE c.n FROM c ORDER BY c.n OFFSET 10 LIMIT 3", partitions)
    assert paged.documents == [10, 11, 12]


def test_order_by_falls_back_to_sorting_when_some_documents_lack_the_path() -> None:
    documents = [
        {"id": "1", "pk": "p", "n": 2},
        {"id": "2", "pk": "p"},
        {"id": "3", "pk": "p", "n": 1},
    ]
    result = run("SELECT TOP 2 VALUE c.id FROM c ORDER BY c.n", partitions_of(documents))
    assert result.documents == ["2", "3"]  # undefined sorts first


def test_a_filter_and_order_by_use_a_composite_only_when_the_order_by_lists_the_filter() -> None:
    """index-policy.md: a composite (a ASC, b ASC) serves `WHERE a = 1 ORDER BY a, b` (or
    with every direction inverted) but not `WHERE a = 1 ORDER BY b`, which sorts."""
    documents = [{"id": str(i), "pk": "p", "a": i % 4, "b": i} for i in range(40)]
    composite = policy(["/*"], [], compositeIndexes=[[{"path": "/a"}, {"path": "/b"}]])
    expected = list(range(37, 0, -4))
    plain = run("SELECT VALUE c.b FROM c WHERE c.a = 1 ORDER BY c.b DESC", partitions_of(documents))
    not_listed = run(
        "SELECT VALUE c.b FROM c WHERE c.a = 1 ORDER BY c.b DESC",
        partitions_of(documents, composite),
    )
    listed = run(
        "SELECT VALUE c.b FROM c WHERE c.a = 1 ORDER BY c.a DESC, c.b DESC",
        partitions_of(documents, composite),
    )
    assert plain.documents == not_listed.documents == listed.documents == expected
    assert plain.metrics.in_memory_sort and not_listed.metrics.in_memory_sort
    assert not_listed.metrics.utilized_composite_indexes == []
    assert not listed.metrics.in_memory_sort
    assert listed.metrics.utilized_composite_indexes == [CompositeIndexUse(("/a ASC", "/b ASC"))]
    with pytest.raises(CosmosError, match="corresponding composite index"):
        run("SELECT VALUE c.b FROM c WHERE c.a = 1 ORDER BY c.a, c.b", partitions_of(documents))


def test_hierarchical_partition_key_prefix_scopes_the_query() -> None:
    paths = ["/tenant", "/user"]
    partition = MemoryPartition("0", PartitionIndex({}, paths))
    for tenant in ("t1", "t2"):
        for user in ("u1", "u2"):
            partition.put({"id": f"{tenant}-{user}", "pk": None, "tenant": tenant, "user": user})
    partition.put({"id": "no-user", "pk": None, "tenant": "t1"})
    query = "SELECT VALUE c.id FROM c"
    assert sorted(run(query, [partition], prefix=["t1"], pk_paths=paths).documents) == [
        "no-user",
        "t1-u1",
        "t1-u2",
    ]
    assert run(query, [partition], prefix=["t2", "u1"], pk_paths=paths).documents == ["t2-u1"]
    assert run(query, [partition], prefix=["t1", {}], pk_paths=paths).documents == ["no-user"]


def test_parse_path_reads_quoted_segments() -> None:
    pattern = parse_path('/"a/b"/c/?')
    assert pattern.segments == ("a/b", "c") and not pattern.subtree


def test_hidden_documents_are_neither_returned_nor_charged() -> None:
    documents = [{"id": str(i), "pk": "p", "n": i, "expired": i % 2 == 0} for i in range(10)]
    partitions = partitions_of(documents, count=1)
    for query in (
        "SELECT VALUE c.n FROM c WHERE c.n >= 0",
        "SELECT TOP 3 VALUE c.n FROM c ORDER BY c.n",
    ):
        result = execute(
            query, None, partitions, partition_key_paths=["/pk"], visible=lambda d: not d["expired"]
        )
        assert sorted(result.documents)[:3] == [1, 3, 5]
        assert result.metrics.retrieved_document_count <= 5


def test_random_filters_give_the_same_answer_with_and_without_indexes() -> None:
    """Differential check of the planner: index lookups may only narrow what is loaded."""
    import json
    import random

    from .cases import DOCUMENTS

    generator = random.Random(99)
    root_paths = ["c.age", "c.name", "c.score", "c.tags[0]", "c.address.zip", "c.active", "c.id"]
    paths = root_paths
    constants = ["25", "30", "31", "'40'", "'Alice'", "null", "true", "3", "'red'", "75002", "@p"]

    def predicate() -> str:
        path, value = generator.choice(paths), generator.choice(constants)
        shape = generator.randrange(8)
        if shape == 7:  # objects and arrays (empty ones too) are defined
            return f"IS_DEFINED({generator.choice([path, 'c.address', 'c.tags', 'c.none'])})"
        if shape == 0:
            return f"{path} IN ({value}, {generator.choice(constants)})"
        if shape == 1:
            return f"{path} BETWEEN {value} AND {generator.choice(constants)}"
        if shape == 2:
            return f"STARTSWITH({path}, {generator.choice(['a', 'A', 'r', 'C'])!r})"
        if shape == 3:
            return f"ARRAY_CONTAINS(c.tags, {value})"
        op = generator.choice(["=", "!=", "<", "<=", ">", ">="])
        return f"{value} {op} {path}" if generator.random() < 0.2 else f"{path} {op} {value}"

    def where(depth: int = 0) -> str:
        if depth < 2 and generator.random() < 0.5:
            joiner = generator.choice([" AND ", " OR "])
            return f"({where(depth + 1)}{joiner}{where(depth + 1)})"
        return ("NOT " if generator.random() < 0.1 else "") + predicate()

    indexed = partitions_of(DOCUMENTS, count=2)
    scanned = partitions_of(DOCUMENTS, {"indexingMode": "none"}, count=2)
    parameters = [{"name": "@p", "value": 30}]
    for i in range(600):
        if i % 2:
            paths = [*root_paths, "t"]
            query = f"SELECT VALUE [c.id, t] FROM c JOIN t IN c.tags WHERE {where()}"
        else:
            paths = root_paths
            query = f"SELECT VALUE c.id FROM c WHERE {where()}"
        with_index = run(query, indexed, parameters).documents
        without = run(query, scanned, parameters).documents
        assert sorted(map(json.dumps, with_index)) == sorted(map(json.dumps, without)), query
        if i % 2 == 0:  # COUNT may be answered from the index alone: it must agree too
            count = query.replace("SELECT VALUE c.id", "SELECT VALUE COUNT(1)")
            assert run(count, indexed, parameters).documents == [len(without)], count


def test_not_equal_loads_only_the_other_values_of_its_type() -> None:
    """`c.n != 3` is false for values of another type (the comparison is undefined), so a
    range index serves it as the two ranges around 3."""
    documents = [{"id": str(i), "pk": "p", "n": i % 4} for i in range(40)]
    documents += [{"id": "s", "pk": "p", "n": "3"}, {"id": "u", "pk": "p"}]
    result = run("SELECT VALUE c.id FROM c WHERE c.n != 3", partitions_of(documents))
    assert len(result.documents) == 30
    assert result.metrics.retrieved_document_count == 30
    assert result.metrics.scanned_document_count == 0


def test_is_defined_loads_only_documents_holding_the_path() -> None:
    """Scalars, objects and arrays (empty ones too) are defined; the index knows all three."""
    documents = [{"id": str(i), "pk": "p"} for i in range(30)]
    documents += [{"id": "n", "pk": "p", "x": None}, {"id": "o", "pk": "p", "x": {}}]
    documents += [{"id": "a", "pk": "p", "x": []}, {"id": "s", "pk": "p", "x": {"y": 1}}]
    result = run("SELECT VALUE c.id FROM c WHERE IS_DEFINED(c.x)", partitions_of(documents))
    assert sorted(result.documents) == ["a", "n", "o", "s"]
    assert result.metrics.retrieved_document_count == 4
    assert result.metrics.scanned_document_count == 0


def test_count_is_answered_from_the_index_without_loading_documents() -> None:
    """As the service reports it: nothing retrieved, index utilization 1, a seek's charge."""
    from bench.emulator.costs import query_charge

    documents = [{"id": str(i), "pk": i % 3, "n": i, "pad": "x" * 500} for i in range(300)]
    partitions = partitions_of(documents, count=1)
    counted = run("SELECT VALUE COUNT(1) FROM c WHERE c.n >= 100", partitions, prefix=[1])
    loaded = run("SELECT VALUE c.id FROM c WHERE c.n >= 100", partitions, prefix=[1])
    assert counted.documents == [len(loaded.documents)] == [67]
    metrics = counted.metrics
    assert (metrics.retrieved_document_count, metrics.retrieved_document_size) == (0, 0)
    assert metrics.index_hit_ratio == 1.0 and metrics.index_only
    assert query_charge(metrics) < query_charge(loaded.metrics)
    # A filter term the index cannot answer exactly (an array path) loads the documents.
    tagged = partitions_of([{**d, "tags": ["a"]} for d in documents], count=1)
    scanned = run("SELECT VALUE COUNT(1) FROM c WHERE ARRAY_CONTAINS(c.tags, 'a')", tagged)
    assert scanned.documents == [300] and scanned.metrics.retrieved_document_count == 300


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_ordered_index_walk_matches_the_in_memory_sort_with_ties(direction: str) -> None:
    documents = [{"id": f"{i:03d}", "pk": i % 5, "k": (i * 7) % 4} for i in range(120)]
    partitions = partitions_of(documents, count=3)
    walked = run(f"SELECT TOP 50 VALUE c.id FROM c ORDER BY c.k {direction}", partitions)
    everything = run(f"SELECT VALUE c.id FROM c ORDER BY c.k {direction}", partitions)
    assert walked.metrics.retrieved_document_count < 60
    assert everything.metrics.retrieved_document_count == 120
    assert walked.documents == everything.documents[:50]
