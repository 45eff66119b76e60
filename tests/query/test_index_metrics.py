"""Index metrics (`populate_index_metrics=True`) through the real SDK, sync and async.

Each case asserts the whole document the SDK decodes from
`x-ms-cosmos-index-utilization`, read from
`container.client_connection.last_response_headers` as the SDK documents.
The expected documents follow the service's published examples
(index-metrics.md, the Learn module "measure-index", index-policy.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.cosmos import CosmosClient, PartitionKey, exceptions
from azure.cosmos.aio import CosmosClient as AsyncCosmosClient

from bench.emulator import LocalEmulator
from bench.emulator.costs import COEFFICIENTS

INDEX_HEADER = "x-ms-cosmos-index-utilization"
CHARGE = "x-ms-request-charge"
DATABASE = "indexmetrics"
DOCUMENTS = [
    {
        "id": str(i),
        "pk": "p",
        "name": ["Tim", "Ann"][i % 2],
        "age": 10 + i,
        "town": "Redmond",
        "ts": 100 + i,
        "score": i % 3,
        "tags": ["x"] if i % 3 else ["y"],
    }
    for i in range(12)
]
# name, town and age have a composite index for the equality + range filter; (town DESC,
# name ASC, ts ASC) serves the other range filter: directions do not matter for filters.
COMPOSITES = [
    [{"path": "/name"}, {"path": "/town"}, {"path": "/age"}],
    [{"path": "/town", "order": "descending"}, {"path": "/name"}, {"path": "/ts"}],
    [{"path": "/name"}, {"path": "/age"}],
]
POLICIES: dict[str, dict[str, Any]] = {
    "default": {"indexingMode": "consistent", "excludedPaths": [{"path": "/score/?"}]},
    "composite": {
        "indexingMode": "consistent",
        "excludedPaths": [{"path": "/score/?"}],
        "compositeIndexes": COMPOSITES,
    },
}
FOUR_FILTERS = (
    "SELECT * FROM c WHERE c.name = 'Tim' AND c.age > 15 AND c.town = 'Redmond' AND c.ts > 100"
)


def single(text: str, spec: str, *, precise: bool = True, impact: str = "High") -> dict[str, Any]:
    return {
        "FilterExpression": text,
        "IndexSpec": spec,
        "FilterPreciseSet": True,
        "IndexPreciseSet": precise,
        "IndexImpactScore": impact,
    }


def composite(*specs: str) -> dict[str, Any]:
    return {"IndexSpecs": list(specs), "IndexPreciseSet": True, "IndexImpactScore": "High"}


def suggested(*specs: str) -> dict[str, Any]:
    """A potential composite index: the service marks its index set not precise."""
    return {**composite(*specs), "IndexPreciseSet": False}


def metrics(
    utilized: list | None = None,
    potential: list | None = None,
    utilized_composite: list | None = None,
    potential_composite: list | None = None,
) -> dict[str, Any]:
    return {
        "UtilizedSingleIndexes": utilized or [],
        "PotentialSingleIndexes": potential or [],
        "UtilizedCompositeIndexes": utilized_composite or [],
        "PotentialCompositeIndexes": potential_composite or [],
    }


@dataclass(frozen=True)
class Case:
    name: str
    policy: str
    query: str
    expected: dict[str, Any]


CASES = [
    # index-metrics.md's example: one composite per range filter, equalities first.
    Case(
        "equalities-and-ranges",
        "default",
        FOUR_FILTERS,
        metrics(
            utilized=[
                single('(ROOT.name = "Tim")', "/name/?"),
                single("(ROOT.age > 15)", "/age/?"),
                single('(ROOT.town = "Redmond")', "/town/?"),
                single("(ROOT.ts > 100)", "/ts/?"),
            ],
            potential_composite=[
                suggested("/name ASC", "/town ASC", "/age ASC"),
                suggested("/name ASC", "/town ASC", "/ts ASC"),
            ],
        ),
    ),
    # With both composite indexes the filter uses them instead of the single indexes.
    Case(
        "equalities-and-ranges-served",
        "composite",
        FOUR_FILTERS,
        metrics(
            utilized_composite=[
                composite("/name ASC", "/town ASC", "/age ASC"),
                composite("/town DESC", "/name ASC", "/ts ASC"),
            ]
        ),
    ),
    Case(
        "two-equalities",
        "default",
        "SELECT * FROM c WHERE c.town = 'Redmond' AND c.name = 'Ann'",
        metrics(
            utilized=[
                single('(ROOT.town = "Redmond")', "/town/?"),
                single('(ROOT.name = "Ann")', "/name/?"),
            ],
            potential_composite=[suggested("/town ASC", "/name ASC")],
        ),
    ),
    # Both bounds of one range path go to the same composite index.
    Case(
        "range-with-two-bounds",
        "default",
        "SELECT * FROM c WHERE c.name = 'Tim' AND c.age > 12 AND c.age < 20",
        metrics(
            utilized=[
                single('(ROOT.name = "Tim")', "/name/?"),
                single("(ROOT.age > 12)", "/age/?"),
                single("(ROOT.age < 20)", "/age/?"),
            ],
            potential_composite=[suggested("/name ASC", "/age ASC")],
        ),
    ),
    Case(
        "range-with-two-bounds-served",
        "composite",
        "SELECT * FROM c WHERE c.name = 'Tim' AND c.age > 12 AND c.age < 20",
        metrics(utilized_composite=[composite("/name ASC", "/age ASC")]),
    ),
    # index-policy.md counts `!=` among the range filters.
    Case(
        "not-equal-is-a-range",
        "default",
        "SELECT * FROM c WHERE c.name = 'Tim' AND c.age != 12",
        metrics(
            utilized=[
                single('(ROOT.name = "Tim")', "/name/?"),
                single("(ROOT.age != 12)", "/age/?"),
            ],
            potential_composite=[suggested("/name ASC", "/age ASC")],
        ),
    ),
    # Learn "measure-index": two range filters, no equality: no composite is suggested.
    Case(
        "ranges-only",
        "default",
        "SELECT * FROM c WHERE c.age > 15 AND STARTSWITH(c.name, 'T')",
        metrics(
            utilized=[
                single("(ROOT.age > 15)", "/age/?"),
                single('(ROOT.name STARTSWITH "T")', "/name/?"),
            ]
        ),
    ),
    Case(
        "excluded-path",
        "default",
        "SELECT * FROM c WHERE c.name = 'Tim' AND c.score = 1",
        metrics(
            utilized=[single('(ROOT.name = "Tim")', "/name/?")],
            potential=[single("(ROOT.score = 1)", "/score/?")],
            potential_composite=[suggested("/name ASC", "/score ASC")],
        ),
    ),
    # Existence checks score Low, on an indexed path and on an excluded one (as in a published
    # .NET output for `IS_DEFINED(c.description) AND IS_DEFINED(c.manufacturerName)`).
    Case(
        "existence-checks",
        "default",
        "SELECT * FROM c WHERE c.name = 'Tim' AND IS_DEFINED(c.town) AND IS_DEFINED(c.score)",
        metrics(
            utilized=[
                single('(ROOT.name = "Tim")', "/name/?"),
                single("IS_DEFINED(ROOT.town)", "/town/?", impact="Low"),
            ],
            potential=[single("IS_DEFINED(ROOT.score)", "/score/?", impact="Low")],
        ),
    ),
    # A generalized array path: the lookup finds a superset, so the index set is not precise.
    Case(
        "array-path",
        "default",
        "SELECT * FROM c WHERE ARRAY_CONTAINS(c.tags, 'x')",
        metrics(utilized=[single('(ROOT.tags[] = "x")', "/tags/[]/?", precise=False)]),
    ),
    # index-policy.md: `WHERE name = ... ORDER BY age` cannot use a composite (name, age); it
    # sorts, the filter uses /name/?, and no composite index is named.
    Case(
        "filter-order-by-another-path",
        "composite",
        "SELECT * FROM c WHERE c.name = 'Tim' ORDER BY c.age",
        metrics(utilized=[single('(ROOT.name = "Tim")', "/name/?")]),
    ),
    Case(
        "filter-order-by-listing-the-filter",
        "composite",
        "SELECT * FROM c WHERE c.name = 'Tim' ORDER BY c.name DESC, c.age DESC",
        metrics(
            utilized=[single('(ROOT.name = "Tim")', "/name/?")],
            utilized_composite=[composite("/name ASC", "/age ASC")],
        ),
    ),
    Case(
        "order-by-one-path",
        "default",
        "SELECT * FROM c ORDER BY c.age",
        metrics(utilized=[single("ORDER BY ROOT.age", "/age/?")]),
    ),
]


@pytest.fixture(scope="module")
def metrics_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(port=0, in_process=True, partitions=1) as running:
        client = CosmosClient(running.endpoint, running.key)
        database = client.create_database(DATABASE)
        for name, policy in POLICIES.items():
            container = database.create_container(name, PartitionKey("/pk"), indexing_policy=policy)
            for document in DOCUMENTS:
                container.create_item(document)
        yield running


def sync_query(emulator: LocalEmulator, policy: str, query: str, **options: Any):
    """(results, response headers as the SDK left them) of one query."""
    client = CosmosClient(emulator.endpoint, emulator.key)
    container = client.get_database_client(DATABASE).get_container_client(policy)
    items = list(container.query_items(query, enable_cross_partition_query=True, **options))
    return items, dict(container.client_connection.last_response_headers)


def async_query(emulator: LocalEmulator, policy: str, query: str, **options: Any):
    async def run() -> tuple[list[Any], dict[str, Any]]:
        async with AsyncCosmosClient(emulator.endpoint, emulator.key) as client:
            container = client.get_database_client(DATABASE).get_container_client(policy)
            items = [i async for i in container.query_items(query, **options)]
            return items, dict(container.client_connection.last_response_headers)

    return asyncio.run(run())


QUERY_RUNNERS = {"sync": sync_query, "async": async_query}


@pytest.mark.parametrize("mode", QUERY_RUNNERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_index_metrics_document(metrics_emulator: LocalEmulator, case: Case, mode: str) -> None:
    items, headers = QUERY_RUNNERS[mode](
        metrics_emulator, case.policy, case.query, populate_index_metrics=True
    )
    assert items
    assert headers[INDEX_HEADER] == case.expected


@pytest.mark.parametrize("mode", QUERY_RUNNERS)
def test_order_by_on_two_paths_without_composite_index_is_refused(
    metrics_emulator: LocalEmulator, mode: str
) -> None:
    with pytest.raises(exceptions.CosmosHttpResponseError) as refused:
        QUERY_RUNNERS[mode](
            metrics_emulator,
            "default",
            "SELECT * FROM c ORDER BY c.name, c.age",
            populate_index_metrics=True,
        )
    assert refused.value.status_code == 400
    assert "does not have a corresponding composite index" in str(refused.value)


def charge(emulator: LocalEmulator, policy: str, query: str, **options: Any) -> float:
    return float(sync_query(emulator, policy, query, **options)[1][CHARGE])


def test_index_metrics_are_only_sent_when_asked_and_cost_nothing(
    metrics_emulator: LocalEmulator,
) -> None:
    """The service documents an overhead in latency but publishes no RU for it: none."""
    _, headers = sync_query(metrics_emulator, "default", FOUR_FILTERS)
    assert INDEX_HEADER not in headers
    assert charge(metrics_emulator, "default", FOUR_FILTERS) == charge(
        metrics_emulator, "default", FOUR_FILTERS, populate_index_metrics=True
    )


def test_composite_indexes_make_the_queries_they_serve_cheaper(
    metrics_emulator: LocalEmulator,
) -> None:
    """Filters served by a composite index seek it once instead of once per path; an
    ORDER BY served by one does not sort (troubleshoot-query-performance.md: 44.28 vs
    8.86 RU)."""
    assert charge(metrics_emulator, "composite", FOUR_FILTERS) < charge(
        metrics_emulator, "default", FOUR_FILTERS
    )
    sorted_query = "SELECT * FROM c WHERE c.name = 'Tim' ORDER BY c.age"
    served_query = "SELECT * FROM c WHERE c.name = 'Tim' ORDER BY c.name, c.age"
    assert charge(metrics_emulator, "composite", served_query) < charge(
        metrics_emulator, "composite", sorted_query
    )


def test_each_composite_index_adds_one_index_term_to_a_create(
    metrics_emulator: LocalEmulator,
) -> None:
    """One entry per document in each composite index, charged like any index term."""
    client = CosmosClient(metrics_emulator.endpoint, metrics_emulator.key)
    database = client.get_database_client(DATABASE)
    charges = {}
    for policy in POLICIES:
        container = database.get_container_client(policy)
        container.create_item({**DOCUMENTS[0], "id": "charged"})
        charges[policy] = float(container.client_connection.last_response_headers[CHARGE])
        container.delete_item("charged", partition_key="p")
    extra = len(COMPOSITES) * COEFFICIENTS.write_per_indexed_path
    assert charges["composite"] == pytest.approx(charges["default"] + extra, abs=0.011)
