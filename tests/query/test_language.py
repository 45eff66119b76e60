"""The query language over in-memory partitions: the shared table, errors, and garbage input."""

from __future__ import annotations

import json
import random

import pytest

from bench.emulator.errors import CosmosError
from bench.emulator.query import partition_key_parameters

from .cases import CASES, DOCUMENTS, ERROR_CASES, INDEXING_POLICY, Case, ErrorCase
from .engine import partitions_of, run


def canonical(values: list) -> list[str]:
    return sorted(json.dumps(v, sort_keys=True) for v in values)


def assert_matches(case: Case, documents: list) -> None:
    if case.ordered:
        assert documents == case.expected
    else:
        assert canonical(documents) == canonical(case.expected)


@pytest.fixture(scope="module")
def partitions():
    return partitions_of(DOCUMENTS, INDEXING_POLICY, count=2)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.query[:70])
def test_query_returns_documented_result(case: Case, partitions) -> None:
    prefix = None if case.partition_key is None else [case.partition_key]
    result = run(case.query, partitions, case.parameters, prefix)
    assert_matches(case, result.documents)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.query[:70])
def test_query_result_is_the_same_on_one_partition_and_without_indexes(case: Case) -> None:
    """Index lookups only narrow what is loaded: the answer must equal a plain scan's."""
    no_index = {**INDEXING_POLICY, "indexingMode": "none"}
    prefix = None if case.partition_key is None else [case.partition_key]
    indexed = run(case.query, partitions_of(DOCUMENTS, INDEXING_POLICY, count=1),
                  case.parameters, prefix)  # fmt: skip
    assert_matches(case, indexed.documents)
    if "ORDER BY" not in case.query:  # the service refuses ORDER BY without an index
        scanned = run(case.query, partitions_of(DOCUMENTS, no_index, count=3),
                      case.parameters, prefix)  # fmt: skip
        assert_matches(case, scanned.documents)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.query[:70])
def test_bad_query_answers_400_in_the_service_shape(case: ErrorCase, partitions) -> None:
    with pytest.raises(CosmosError) as raised:
        run(case.query, partitions, case.parameters)
    error = raised.value
    assert error.status == 400
    assert error.message.startswith("Message: ")
    body = json.loads(error.message.removeprefix("Message: "))
    (entry,) = body["errors"]
    assert entry["severity"] == "Error"
    assert case.message in entry["message"]
    if case.code is not None:
        assert entry["code"] == case.code


def test_syntax_error_location_points_at_the_offending_token(partitions) -> None:
    query = "SELECT c.id FROM c WHERE c.a = = 1"
    with pytest.raises(CosmosError) as raised:
        run(query, partitions)
    entry = json.loads(raised.value.message.removeprefix("Message: "))["errors"][0]
    start, end = entry["location"]["start"], entry["location"]["end"]
    assert query[start:end] == "="
    assert start == query.rindex("=")


def test_unknown_identifier_location_points_at_it(partitions) -> None:
    query = "SELECT c.id FROM c WHERE d.x = 1"
    with pytest.raises(CosmosError) as raised:
        run(query, partitions)
    entry = json.loads(raised.value.message.removeprefix("Message: "))["errors"][0]
    assert query[entry["location"]["start"] : entry["location"]["end"]] == "d"


def test_select_star_returns_stored_documents_with_system_properties() -> None:
    document = {"id": "x", "pk": "p", "v": 1, "_rid": "AAA=", "_self": "dbs/a/colls/b/docs/AAA=/",
                "_etag": '"0000"', "_ts": 1700000000}  # fmt: skip
    result = run("SELECT * FROM c", partitions_of([document]))
    assert result.documents == [document]


def test_clock_functions_are_fixed_for_one_execution(partitions) -> None:
    result = run("SELECT VALUE [GetCurrentDateTime(), GetCurrentTimestamp()] FROM c", partitions)
    assert len({json.dumps(d) for d in result.documents}) == 1
    stamp, millis = result.documents[0]
    assert stamp.endswith("Z") and len(stamp) == len("2024-01-01T00:00:00.0000000Z")
    assert isinstance(millis, int) and millis > 1_600_000_000_000


_GRAMMAR = [
    "SELECT", "VALUE", "*", "c", "c.a", "FROM", "WHERE", "JOIN", "IN", "(", ")", "[", "]", "{",
    "}", ",", ".", "=", "<", "AND", "OR", "NOT", "ORDER BY", "GROUP BY", "TOP", "1", "'s'",
    "@p", "?", ":", "??", "COUNT(", "ARRAY_CONTAINS(", "EXISTS(", "LIKE", "BETWEEN", "DESC",
    "OFFSET", "LIMIT", "-", "||", "udf.f(", "\"", "\\", "0x1F", "1e400", "null", "undefined",
]  # fmt: skip


def test_garbage_queries_never_escape_as_anything_but_400(partitions) -> None:
    """Random token soup and random characters: every failure must be a CosmosError(400)."""
    generator = random.Random(20240601)
    queries = ["", " ", "SELECT", "SELECT 1 FROM", "((((((((((1))))))))))", "SELECT " + "(" * 400]
    for _ in range(1500):
        words = generator.choices(_GRAMMAR, k=generator.randint(1, 14))
        queries.append(
            " ".join(["SELECT", *words]) if generator.random() < 0.8 else " ".join(words)
        )
    for _ in range(300):
        queries.append("".join(chr(generator.randint(1, 0x2FF)) for _ in range(20)))
    for query in queries:
        try:
            run(query, partitions, [{"name": "@p", "value": 1}])
        except CosmosError as error:
            assert error.status == 400, query


_POOL = [0, 1, -1, 2.5, -0.5, 1e308, -1e308, 2**63, 31, "", "abc", "a%_[^", "\U0001f600", True,
         False, None, [], [1, "a", [2]], {}, {"a": 1, "b": [None]}]  # fmt: skip


def _arguments(generator: random.Random, count: int) -> list[object]:
    return [generator.choice(_POOL) for _ in range(count)]


def test_every_built_in_function_accepts_any_argument_types(partitions) -> None:
    """Wrong types give undefined (the row drops out), never an error or a crash."""
    from bench.emulator.query.functions import FUNCTIONS

    generator = random.Random(7)
    for name, function in sorted(FUNCTIONS.items()):
        for count in range(function.min_args, min(function.max_args, 4) + 1):
            for _ in range(40):
                values = _arguments(generator, count)
                names = [f"@a{i}" for i in range(count)]
                query = f"SELECT VALUE {name}({', '.join(names)}) FROM c WHERE c.id = 'a1'"
                parameters = [{"name": n, "value": v} for n, v in zip(names, values, strict=True)]
                result = run(query, partitions, parameters)
                assert len(result.documents) <= 1, (query, values)
                json.dumps(result.documents, allow_nan=False)


def test_every_operator_accepts_any_operand_types(partitions) -> None:
    operators = ["=", "!=", "<", "<=", ">", ">=", "AND", "OR", "+", "-", "*", "/", "%", "||",
                 "??", "&", "|", "^", "<<", ">>", ">>>"]  # fmt: skip
    for op in operators:
        for left in _POOL:
            for right in _POOL:
                parameters = [{"name": "@l", "value": left}, {"name": "@r", "value": right}]
                result = run(f"SELECT VALUE @l {op} @r", partitions, parameters)
                json.dumps(result.documents, allow_nan=False)
    for op in ["-", "+", "~", "NOT "]:
        for value in _POOL:
            run(f"SELECT VALUE {op}@v", partitions, [{"name": "@v", "value": value}])


def test_aggregates_accept_any_value_types(partitions) -> None:
    for name in ["COUNT", "SUM", "AVG", "MIN", "MAX"]:
        for value in _POOL:
            result = run(
                f"SELECT VALUE {name}(@v) FROM c", partitions, [{"name": "@v", "value": value}]
            )
            json.dumps(result.documents, allow_nan=False)


def test_partition_key_parameters_name_what_pins_each_key_path_and_refuse_bad_sql():
    sql = "SELECT * FROM c WHERE c.t = @t AND c['u'] = @u AND c.v > @v"
    assert partition_key_parameters(sql, ["/u", "/t"]) == ("@u", "@t")
    assert partition_key_parameters(sql, ["/v"]) is None  # bound, but not by equality
    with pytest.raises(CosmosError) as caught:
        partition_key_parameters("SELECT * FROM c WHERE", ["/t"])
    assert caught.value.status == 400
