"""A query is single-partition only when its filter binds the design's whole partition key
to parameters; otherwise it fans out, whatever the workload's first key design was."""

from pathlib import Path

import pytest

from bench.harness.query_scope import key_parameters
from bench.harness.workload import WorkloadError, load_workload

CATALOG = Path(__file__).parents[2] / "workloads" / "catalog.toml"
BY_CATEGORY = "SELECT * FROM c WHERE c.categoryId = @cat AND c.price BETWEEN @lo AND @hi"


@pytest.mark.parametrize(
    ("sql", "paths", "expected"),
    [
        (BY_CATEGORY, ("/categoryId",), ("@cat",)),
        (BY_CATEGORY, ("/id",), None),
        ("SELECT * FROM c WHERE @cat = c['categoryId']", ("/categoryId",), ("@cat",)),
        ("SELECT * FROM root r WHERE r.a.b = @b AND r.t = @t", ("/t", "/a/b"), ("@t", "@b")),
        ("SELECT * FROM c WHERE c.t = @t", ("/t", "/u"), None),  # a prefix only
        ("SELECT * FROM c WHERE c.categoryId = @cat OR c.x = 1", ("/categoryId",), None),
        ("SELECT * FROM c WHERE NOT (c.categoryId = @cat)", ("/categoryId",), None),
        ("SELECT * FROM c WHERE c.categoryId = 'cat-001'", ("/categoryId",), None),
        ("SELECT * FROM c WHERE c.categoryId != @cat", ("/categoryId",), None),
        ("SELECT * FROM c", ("/categoryId",), None),
        ("SELECT * FROM c WHERE", ("/categoryId",), None),  # not SQL: left to the service
    ],
)
def test_single_partition_only_when_the_filter_binds_every_key_path(sql, paths, expected):
    assert key_parameters(sql, paths) == expected


def test_insisting_on_one_partition_must_hold_for_the_design(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text(
        'name = "w"\n[container]\npartition_key = "/categoryId"\n'
        f'[operations.q]\nkind = "query"\ncross_partition = false\nsql = "{BY_CATEGORY}"\n'
        'parameters = { "@cat" = "field:categoryId", "@lo" = { value = 1 }, '
        '"@hi" = { value = 9 } }\n'
    )
    workload = load_workload(path)
    assert workload.operations["q"].cross_partition is False
    with pytest.raises(WorkloadError) as caught:
        workload.with_partition_key(("/id",), "by_id")
    message = str(caught.value)
    assert message.startswith(f"{path}: operations.q.cross_partition: expected true or unset")
    assert "(/id)" in message
    # unset (the catalog's queries) decides per design, so any design is valid
    assert load_workload(CATALOG).with_partition_key(("/id",), "by_id").container.container
