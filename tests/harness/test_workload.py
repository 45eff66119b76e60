"""Workload files load into specs; bad ones fail with one line per error, each naming the
file, the key and what is allowed."""

from pathlib import Path

import pytest

from bench.cli import main
from bench.harness.workload import (
    OPERATION_KINDS,
    WorkloadError,
    apply_overrides,
    load_workload,
)

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
QUERY = '[operations.q]\nkind = "query"\nsql = "SELECT * FROM c WHERE c.a = @a"\n'
KINDS = ", ".join(OPERATION_KINDS)
NAME = "a name of letters, digits, '_', '.', '-' (at most 64 characters)"
PARAMETER = (
    '"field:<path>" (from a chosen document), {uniform = [low, high]} or {value = ...}, '
    "with finite numbers and low <= high"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "w.toml"
    path.write_text(text)
    return path


def error_lines(path: Path) -> list[str]:
    """The lines of the error loading `path`, without the `<file>: ` each one starts with."""
    with pytest.raises(WorkloadError) as caught:
        load_workload(path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


def test_catalog_workload_loads_every_operation_kind_it_names():
    workload = load_workload(CATALOG)
    kinds = {op.kind for op in workload.operations.values()}
    assert kinds == set(OPERATION_KINDS) - {"stored_procedure"}
    assert workload.operations["point_read"].name == "point_read"
    assert workload.operations["price_update"].changed_field == "price"
    assert workload.container.partition_key_paths == ("/categoryId",)
    assert workload.container.indexing_policy["compositeIndexes"]
    assert "[operations.point_read]" in workload.source_text


def test_hierarchical_key_and_autoscale(tmp_path):
    workload = load_workload(write(tmp_path, MINIMAL))
    assert workload.container.partition_key_kind == "MultiHash"
    assert workload.container.throughput.mode == "autoscale"
    assert workload.container.throughput.rus == 4000
    assert workload.operations["read"].weight == 3


def test_unset_keys_take_their_defaults(tmp_path):
    workload = load_workload(write(tmp_path, '[operations.r]\nkind = "replace"\n'))
    assert workload.name == "w"  # the file's name
    assert (workload.container.database, workload.container.container) == ("rubench", "items")
    assert workload.container.partition_key_paths == ("/id",)
    assert (workload.container.throughput.mode, workload.container.throughput.rus) == (
        "manual",
        400,
    )
    assert (workload.documents.count, workload.documents.categories) == (1000, 20)
    assert workload.keys.distribution == "uniform"
    replace = workload.operations["r"]
    assert (replace.weight, replace.changed_field, replace.retry_on_conflict) == (1, "price", 0)


@pytest.mark.parametrize(
    ("throughput", "rus"),
    [('{ mode = "autoscale" }', 1000), ('{ mode = "serverless" }', None)],
)
def test_unset_throughput_is_the_modes_minimum(tmp_path, throughput, rus):
    text = MINIMAL.replace('{ mode = "autoscale", rus = 4000 }', throughput)
    assert load_workload(write(tmp_path, text)).container.throughput.rus == rus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown kind, missing kind, an operation that is not a table
        (
            MINIMAL.replace('kind = "read"', 'kind = "scan"'),
            f"operations.read.kind: 'scan' is not one of {KINDS}",
        ),
        (
            MINIMAL.replace('kind = "read"', "kind = 5"),
            f"operations.read.kind: 5 is not one of {KINDS}",
        ),
        (
            MINIMAL.replace('kind = "read"\n', ""),
            f"operations.read.kind: missing, expected one of {KINDS}",
        ),
        (
            MINIMAL + "[operations]\nr2 = 5\n",
            "operations.r2: expected a table with kind and weight",
        ),
        # unknown keys, at every level, with what the table allows
        (
            "colour = 1\n" + MINIMAL,
            "colour: unknown key "
            "(allowed: client, container, documents, keys, name, operations, run)",
        ),
        (
            MINIMAL + "[run]\nindex_metrics_sample = -1\n",
            "run.index_metrics_sample: expected an integer between 0 and 10000",
        ),
        (
            MINIMAL.replace("count = 10", "count = 10\ncolour = 1"),
            "documents.colour: unknown key (allowed: categories, count, generator, "
            "size_bytes, template)",
        ),
        (
            MINIMAL.replace('kind = "read"', 'kind = "read"\nsql = "SELECT 1"'),
            "operations.read.sql: unknown key (allowed: kind, missing_share, weight)",
        ),
        (
            MINIMAL.replace('kind = "read"', 'kind = "patch"\nretry_on_conflict = 1'),
            "operations.read.retry_on_conflict: unknown key (allowed: field, kind, weight)",
        ),
        (
            MINIMAL.replace('kind = "read"', 'kind = "read"\nname = "x"'),
            "operations.read.name: unknown key (allowed: kind, missing_share, weight)",
        ),
        # out of bounds
        (
            MINIMAL.replace("weight = 3", "weight = -1"),
            "operations.read.weight: expected an integer between 0 and 10000",
        ),
        (
            MINIMAL.replace("weight = 3", "weight = 0"),
            "operations: expected at least one operation with weight > 0",
        ),
        (
            MINIMAL.replace("count = 10", "count = 0"),
            "documents.count: expected an integer between 1 and 10000000",
        ),
        (
            MINIMAL + '[keys]\ndistribution = "zipf"\nskew = inf\n',
            "keys.skew: expected a number between 0 and 10",
        ),
        (
            MINIMAL + "[keys]\nhot_fraction = 0.0\n",
            "keys.hot_fraction: expected a number above 0 and at most 1",
        ),
        (
            MINIMAL.replace('kind = "read"', 'kind = "batch"\nbatch_size = 101'),
            "operations.read.batch_size: expected an integer between 1 and 100",
        ),
        # wrong types: never coerced
        (
            MINIMAL.replace("weight = 3", 'weight = "3"'),
            "operations.read.weight: expected an integer between 0 and 10000",
        ),
        (
            MINIMAL.replace("weight = 3", "weight = true"),
            "operations.read.weight: expected an integer between 0 and 10000",
        ),
        (
            MINIMAL.replace("count = 10", "count = 10.0"),
            "documents.count: expected an integer between 1 and 10000000",
        ),
        (
            MINIMAL + QUERY + 'parameters = { "@a" = { value = 1 } }\ncross_partition = "no"\n',
            "operations.q.cross_partition: expected true or false",
        ),
        (MINIMAL + "[keys]\nskew = true\n", "keys.skew: expected a number between 0 and 10"),
        (MINIMAL.replace('name = "mini"', "name = 5"), f"name: expected {NAME}"),
        ("keys = 3\n" + MINIMAL, "keys: expected a [keys] table"),
        (
            MINIMAL.replace('kind = "read"', 'kind = "upsert"\nfield = "a b"'),
            f"operations.read.field: expected {NAME}",
        ),
        # names
        (
            MINIMAL.replace("[operations.read]", '[operations."point read"]'),
            f'operations."point read": expected {NAME}',
        ),
        # missing required keys
        (
            MINIMAL.replace('[operations.read]\nkind = "read"\nweight = 3', ""),
            "operations: missing, expected at least one [operations.<name>] table with kind "
            "and weight",
        ),
        (
            MINIMAL + '[operations.q]\nkind = "query"\n',
            "operations.q.sql: missing, expected a string with a SQL query starting with SELECT",
        ),
        (
            MINIMAL + '[operations.p]\nkind = "stored_procedure"\n',
            f"operations.p.procedure: missing, expected {NAME}",
        ),
        (
            MINIMAL.replace("count = 10", 'count = 10\ngenerator = "template"'),
            'documents.template: expected a JSON file name (required for generator "template")',
        ),
        # query parameters
        (
            MINIMAL + QUERY,
            "operations.q.parameters: expected a source for every parameter (missing @a)",
        ),
        (
            MINIMAL + QUERY + 'parameters = { "@a" = 5 }\n',
            f'operations.q.parameters."@a": expected {PARAMETER}',
        ),
        (
            MINIMAL + QUERY + 'parameters = { "@a" = { uniform = [3, 1] } }\n',
            f'operations.q.parameters."@a": expected {PARAMETER}',
        ),
        (
            MINIMAL + QUERY + 'parameters = { "@a" = { value = 1979-05-27 } }\n',
            'operations.q.parameters."@a".value: expected a JSON value (a string, finite number, '
            "boolean, array or table); TOML dates and times are not JSON: quote them, as in "
            '"2024-05-27T07:32:00Z"',
        ),
        (
            MINIMAL + QUERY + "parameters = 5\n",
            'operations.q.parameters: expected a table like {"@cat" = "field:categoryId", '
            '"@lo" = {uniform = [0, 50]}}',
        ),
        (
            MINIMAL + QUERY.replace("@a", "1") + 'parameters = { a = "field:id" }\n',
            "operations.q.parameters.a: expected parameter names that start with @",
        ),
        (
            MINIMAL + QUERY.replace("SELECT", "DELETE"),
            "operations.q.sql: expected a string with a SQL query starting with SELECT",
        ),
        # the container: partition key, indexing policy, throughput
        (
            MINIMAL.replace('["/tenantId", "/userId"]', '"tenantId"'),
            'container.partition_key: expected a path like "/categoryId" or a list of 1 to 3 '
            "paths (hierarchical keys)",
        ),
        (
            MINIMAL.replace('["/tenantId", "/userId"]', '["/a", "/b", "/c", "/d"]'),
            'container.partition_key: expected a path like "/categoryId" or a list of 1 to 3 '
            "paths (hierarchical keys)",
        ),
        (
            MINIMAL.replace('"/userId"', '"/tenantId"'),
            "container.partition_key: expected different paths (a path is listed twice)",
        ),
        (
            MINIMAL.replace("[container]", "[container]\nindexing_policy = 5"),
            "container.indexing_policy: expected a file name, relative to the workload file",
        ),
        (
            'client = "turbo"\n' + MINIMAL,
            "client: 'turbo' is not one of sdk, fast",
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
            MINIMAL.replace('mode = "autoscale", rus = 4000', 'mode = "manual", rus = 300'),
            "container.throughput.rus: expected an integer >= 400 for manual throughput",
        ),
        (
            MINIMAL.replace('mode = "autoscale"', 'mode = "serverless"'),
            "container.throughput.rus: expected no rus for serverless throughput",
        ),
        (
            MINIMAL.replace("rus = 4000", 'rus = "4000"'),
            "container.throughput.rus: expected an integer number of RU/s: manual: 400 or more "
            "in steps of 100, autoscale: 1000 or more in steps of 1000",
        ),
        (
            MINIMAL.replace("rus = 4000", "ru = 4000"),
            "container.throughput.ru: unknown key (allowed: mode, rus)",
        ),
        (
            MINIMAL.replace('{ mode = "autoscale", rus = 4000 }', "4000"),
            'container.throughput: expected a table like {mode = "manual", rus = 4000}',
        ),
    ],
)
def test_each_error_is_one_exact_line(tmp_path, text, expected):
    assert error_lines(write(tmp_path, text)) == [expected]


def test_every_error_of_a_file_is_reported_one_per_line(tmp_path, capsys):
    text = MINIMAL.replace("count = 10", "count = 0\ncolour = 1").replace(
        "weight = 3", "weight = -1"
    )
    path = write(tmp_path, text)
    expected = [
        "documents.count: expected an integer between 1 and 10000000",
        "documents.colour: unknown key (allowed: categories, count, generator, size_bytes, "
        "template)",
        "operations.read.weight: expected an integer between 0 and 10000",
    ]
    assert error_lines(path) == expected
    assert main(["run", "--workload", str(path)]) == 2
    printed = capsys.readouterr().err.splitlines()
    assert printed == [f"rubench: error: {path}: {line}" for line in expected]


def test_toml_errors_name_line_and_column(tmp_path):
    path = write(tmp_path, MINIMAL.replace("count = 10", "count = = 10"))
    assert error_lines(path) == [
        "not valid TOML: Invalid value (at line 7, column 9)",
    ]


def test_files_the_workload_names(tmp_path):
    with pytest.raises(WorkloadError, match="cannot read workload file"):
        load_workload(tmp_path / "nope.toml")
    template = MINIMAL.replace("count = 10", 'generator = "template"\ntemplate = "t.json"')
    path = write(tmp_path, template)
    assert error_lines(path) == [
        f"documents.template: cannot read {tmp_path / 't.json'} (No such file or directory)"
    ]
    (tmp_path / "t.json").write_text("{not json")
    assert error_lines(path) == [
        "documents.template: t.json is not valid JSON: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)"
    ]
    (tmp_path / "t.json").write_text("[1]")
    assert error_lines(path) == ["documents.template: expected a JSON object in t.json"]
    (tmp_path / "t.json").write_text('{"tenantId": "t{n%3}", "userId": "u{n}"}')
    assert load_workload(path).documents.template == {"tenantId": "t{n%3}", "userId": "u{n}"}
    catalog = write(tmp_path, MINIMAL.replace("count = 10", 'template = "t.json"'))
    assert error_lines(catalog) == [
        'documents.template: expected no template unless generator = "template"'
    ]


def test_overrides_change_the_key_design_and_are_kept():
    workload = load_workload(CATALOG).with_partition_key(("/id",), "products_by_id")
    assert workload.container.partition_key_paths == ("/id",)
    assert workload.container.container == "products_by_id"
    assert workload.operations["point_read"].name == "point_read"
    again = apply_overrides(load_workload(CATALOG), workload.overrides)
    assert again.container == workload.container
