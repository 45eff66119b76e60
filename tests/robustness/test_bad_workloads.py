"""A corpus of broken workload files: each gives one line naming the file, the field and
what is allowed, and a non-zero exit, before anything is sent or allocated.

The run targets a closed loopback port, so a file that slips through validation ends in
"cannot reach", which names no field and fails the test (without memory blow-ups)."""

from pathlib import Path

import pytest

from bench.cli import main

GOOD = """
name = "broken"
[container]
partition_key = "/categoryId"
[documents]
count = 10
[operations.read]
kind = "read"
"""
QUERY = GOOD + '[operations.q]\nkind = "query"\nsql = "SELECT * FROM c WHERE c.price > @p"\n'
TEMPLATE = GOOD.replace("count = 10", 'count = 10\ngenerator = "template"\ntemplate = "t.json"')

# (workload text, template file content or None, the field named, what is allowed)
CORPUS = {
    "count-beyond-memory": (
        GOOD.replace("count = 10", "count = 9223372036854775807"),
        None,
        "documents.count",
        "an integer between 1 and 10000000",
    ),
    "size-beyond-the-item-limit": (
        GOOD.replace("count = 10", "count = 10\nsize_bytes = 10000000000000"),
        None,
        "documents.size_bytes",
        "an integer between 1 and 2000000",
    ),
    "query-that-does-not-parse": (
        GOOD + '[operations.q]\nkind = "query"\nsql = "SELECT * FORM c WHERE"\n',
        None,
        "operations.q.sql",
        "a query that parses: Syntax error, incorrect syntax near 'FORM' (at character 9)",
    ),
    "query-nested-beyond-the-parser": (
        GOOD + '[operations.q]\nkind = "query"\nsql = "SELECT ' + "(" * 5000 + '1"\n',
        None,
        "operations.q.sql",
        "a query that parses: The query is too deeply nested",
    ),
    "sql-that-is-not-text": (
        GOOD + '[operations.q]\nkind = "query"\nsql = 5\n',
        None,
        "operations.q.sql",
        "a string",
    ),
    "toml-datetime-parameter": (
        QUERY + 'parameters = { "@p" = { value = 1979-05-27T07:32:00Z } }\n',
        None,
        'operations.q.parameters."@p".value',
        "TOML dates and times are not JSON",
    ),
    "infinite-uniform-bound": (
        QUERY + 'parameters = { "@p" = { uniform = [0, inf] } }\n',
        None,
        'operations.q.parameters."@p"',
        "with finite numbers and low <= high",
    ),
    "field-the-documents-lack": (
        QUERY + 'parameters = { "@p" = "field:no.such.path" }\n',
        None,
        'operations.q.parameters."@p"',
        '"field:<path>" naming a field the documents have (categoryId, categoryName',
    ),
    "hot-fraction-zero": (
        GOOD + '[keys]\ndistribution = "hotspot"\nhot_fraction = 0\n',
        None,
        "keys.hot_fraction",
        "expected a number above 0 and at most 1",
    ),
    "duplicate-partition-key-paths": (
        GOOD.replace('"/categoryId"', '["/tenantId", "/tenantId"]'),
        None,
        "container.partition_key",
        "different paths",
    ),
    "weight-beyond-locusts-task-list": (
        GOOD.replace('kind = "read"', 'kind = "read"\nweight = 1000000000'),
        None,
        "operations.read.weight",
        "an integer between 0 and 10000",
    ),
    "template-without-the-partition-key": (
        TEMPLATE,
        '{"name": "item {n}", "price": 5}',
        "documents.template",
        "a string, number or boolean at the partition key path /categoryId",
    ),
    "template-not-utf8": (
        TEMPLATE,
        b'{"categoryId": "caf\xe9"}',
        "documents.template",
        "is not UTF-8 text (byte 0xe9 at offset 19)",
    ),
    "template-with-nan": (
        TEMPLATE,
        '{"categoryId": "c", "price": NaN}',
        "documents.template",
        "NaN is not a JSON number",
    ),
    "template-modulo-zero": (
        TEMPLATE,
        '{"categoryId": "c{n%0}"}',
        "documents.template",
        "placeholders {n} or {n%K} with K of 1 or more",
    ),
    "template-beyond-the-item-limit": (
        TEMPLATE,
        '{"categoryId": "c", "blob": "' + "x" * 2_000_100 + '"}',
        "documents.template",
        "a document under 2000000 bytes",
    ),
    "workload-not-utf8": (
        GOOD.replace('"broken"', '"caf\udce9"'),
        None,
        "",
        "expected UTF-8 text, found byte 0xe9",
    ),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_workload_gives_one_clean_line(case, tmp_path, capsys, monkeypatch, closed_endpoint):
    text, template, field, allowed = CORPUS[case]
    workload = tmp_path / f"{case}.toml"
    workload.write_bytes(text.encode("utf-8", "surrogateescape"))
    if template is not None:
        raw = template if isinstance(template, bytes) else template.encode()
        (tmp_path / "t.json").write_bytes(raw)
    monkeypatch.delenv("COSMOS_KEY", raising=False)
    code = main(["run", "--workload", str(workload), "--target", closed_endpoint])
    err = capsys.readouterr().err
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"rubench: error: {workload}: {field}"), lines[0]
    assert allowed in lines[0], lines[0]


def test_the_good_file_of_the_corpus_loads(tmp_path):
    """The corpus breaks one thing at a time: its base files are valid."""
    from bench.harness.workload import load_workload

    for text in (GOOD, QUERY.replace("@p", "5")):
        path = tmp_path / "good.toml"
        path.write_text(text)
        assert load_workload(Path(path)).operations["read"].kind == "read"
