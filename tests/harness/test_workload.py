"""Workload files load into specs; bad ones fail naming the file, the key and what is allowed."""

from pathlib import Path

import pytest

from bench.harness.workload import WorkloadError, apply_overrides, load_workload

CATALOG = Path(__file__).parents[2] / "workloads" / "catalog.toml"

MINIMAL = """
name = "mini"
[container]
partition_key = ["/tenantId", "/userId"]
throughput = { mode = "autoscale", rus = 4000 }
[documents]
count = 10
[operations.read]
kind = "read"
weight = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "w.toml"
    path.write_text(text)
    return path


def test_catalog_workload_loads_every_operation_kind():
    workload = load_workload(CATALOG)
    kinds = {op.kind for op in workload.operations.values()}
    assert kinds == {
        "read",
        "query",
        "replace",
        "upsert",
        "create",
        "patch",
        "delete",
        "batch",
        "bulk_create",
    }
    assert workload.container.partition_key_paths == ("/categoryId",)
    assert workload.container.indexing_policy["compositeIndexes"]
    assert "[operations.point_read]" in workload.source_text


def test_hierarchical_key_and_autoscale(tmp_path):
    workload = load_workload(write(tmp_path, MINIMAL))
    assert workload.container.partition_key_kind == "MultiHash"
    assert workload.container.throughput.mode == "autoscale"
    assert workload.container.throughput.rus == 4000
    assert workload.operations["read"].weight == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = [", "not valid TOML"),
        (
            MINIMAL.replace('kind = "read"', 'kind = "scan"'),
            "operations.read.kind: 'scan' is not one of read, query, replace",
        ),
        (
            MINIMAL.replace("weight = 3", "weight = -1"),
            "operations.read.weight: expected an integer between 0 and 10000",
        ),
        (
            MINIMAL.replace('mode = "autoscale"', 'mode = "burst"'),
            "container.throughput.mode: 'burst' is not one of manual, autoscale, serverless",
        ),
        (
            MINIMAL.replace("rus = 4000", "rus = 4500"),
            "container.throughput.rus: expected a multiple of 1000 for autoscale throughput",
        ),
        (
            MINIMAL.replace("count = 10", "count = 10\ncolour = 1"),
            "documents.colour: unknown key (allowed: categories, count, generator",
        ),
        (
            MINIMAL.replace('["/tenantId", "/userId"]', '"tenantId"'),
            "container.partition_key: expected a path like",
        ),
        (
            MINIMAL + '[operations.q]\nkind = "query"\nsql = "SELECT * FROM c WHERE c.a = @a"\n',
            "operations.q.parameters: expected a source for every parameter (missing @a)",
        ),
        (
            MINIMAL.replace('kind = "read"', 'kind = "read"\nsql = "SELECT 1"'),
            "operations.read.sql: unknown key (allowed: kind, missing_share, weight)",
        ),
        (
            MINIMAL.replace('[operations.read]\nkind = "read"\nweight = 3', ""),
            "operations: missing, expected at least one [operations.<name>] table",
        ),
    ],
)
def test_bad_workloads_name_file_key_and_allowed_values(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(WorkloadError) as caught:
        load_workload(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_missing_file_and_bad_template(tmp_path):
    with pytest.raises(WorkloadError, match="cannot read workload file"):
        load_workload(tmp_path / "nope.toml")
    path = write(
        tmp_path, MINIMAL.replace("count = 10", 'generator = "template"\ntemplate = "t.json"')
    )
    (tmp_path / "t.json").write_text("{not json")
    with pytest.raises(WorkloadError, match=r"documents.template: .*t.json is not valid JSON"):
        load_workload(path)


def test_overrides_change_the_key_design_and_are_kept():
    workload = load_workload(CATALOG).with_partition_key(("/id",), "products_by_id")
    assert workload.container.partition_key_paths == ("/id",)
    assert workload.container.container == "products_by_id"
    again = apply_overrides(load_workload(CATALOG), workload.overrides)
    assert again.container == workload.container
