"""`query_paths`: which document paths a query filters, sorts, aggregates on or projects,
the query engine's answer for indexing advice."""

from __future__ import annotations

import pytest

from bench.emulator.errors import CosmosError
from bench.emulator.query import query_paths


def test_filters_sorts_and_plain_projections_are_told_apart():
    uses = query_paths(
        "SELECT c.name, c.price FROM c WHERE c.categoryId = @cat AND c.price > 10 "
        "ORDER BY c.price DESC, c['name']"
    )
    assert uses.paths == {
        "/categoryId": {"filter"},
        "/price": {"filter", "sort", "project"},
        "/name": {"sort", "project"},
    }
    assert uses.order_by == (("/price", "descending"), ("/name", "ascending"))
    assert uses.indexed() == {"/categoryId", "/price", "/name"}


def test_a_projection_alone_needs_no_index():
    assert query_paths("SELECT c.description FROM c WHERE c.id = @id").indexed() == {"/id"}


def test_aggregates_and_group_by_are_served_by_indexes():
    uses = query_paths("SELECT c.sku, SUM(c.stock) FROM c GROUP BY c.sku")
    assert uses.indexed() == {"/sku", "/stock"}
    inside = query_paths('SELECT VALUE {"most": MAX(c.price)} FROM c')  # in an object literal
    assert inside.paths == {"/price": {"aggregate"}}
    assert query_paths('SELECT * FROM c WHERE {"p": c.price} = @o').indexed() == {"/price"}


def test_a_function_of_a_projected_path_needs_no_index():
    # computed per returned document, like a plain projection: advise may exclude it
    uses = query_paths("SELECT c.id, UPPER(c.label) AS label FROM c WHERE c.sku = @s")
    assert uses.paths["/label"] == {"project"}
    assert uses.indexed() == {"/sku"}


def test_joins_and_subqueries_name_the_paths_under_the_array():
    uses = query_paths(
        "SELECT c.id FROM c JOIN t IN c.tags "
        "WHERE t.id = 'sale' AND EXISTS(SELECT VALUE s FROM s IN c.sizes WHERE s.cm > 40)"
    )
    assert {"/tags/[]/id", "/sizes/[]/cm"} <= uses.indexed()


def test_a_property_chosen_at_run_time_could_be_any():
    assert "/*" in query_paths("SELECT * FROM c WHERE c[@field] = 1").indexed()
    assert "/address/*" in query_paths("SELECT * FROM c WHERE c.address[@f] = 1").indexed()


def test_a_query_that_does_not_parse_is_the_services_400():
    with pytest.raises(CosmosError) as error:
        query_paths("SELECT FROM c WHERE")
    assert error.value.status == 400
