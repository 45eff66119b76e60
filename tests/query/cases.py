"""A fixed data set and a table of queries with their expected results, written by hand.

Shared by the engine-level tests and the SDK tests. The documents mix types
on purpose (`age` is a number or a string, `tags` an array or a string),
leave properties out, and nest arrays. Expected results follow the
service's documented rules; the comments name the rule each case checks
(docs: learn.microsoft.com/azure/cosmos-db/nosql/query/...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.cosmos.exceptions import CosmosHttpResponseError

PARTITION_KEY_PATH = "/pk"

DOCUMENTS: list[dict[str, Any]] = [
    {
        "id": "a1",
        "pk": "A",
        "name": "Alice",
        "age": 30,
        "score": 9.5,
        "active": True,
        "tags": ["red", "blue"],
        "address": {"city": "Paris", "zip": "75001"},
        "children": [{"name": "Ann", "grade": 5}, {"name": "Bob", "grade": 8}],
    },
    {
        "id": "a2",
        "pk": "A",
        "name": "bob",
        "age": 25,
        "score": 7,
        "active": False,
        "tags": ["green"],
        "address": {"city": "Lyon"},
        "children": [],
    },
    {
        "id": "b1",
        "pk": "B",
        "name": "Carol",
        "age": "40",
        "score": None,
        "tags": [],
        "address": {"city": "Paris", "zip": 75002},
    },
    {
        "id": "b2",
        "pk": "B",
        "name": None,
        "age": 35.5,
        "active": True,
        "tags": ["red"],
        "children": [{"name": "Cid", "grade": 3}],
    },
    {"id": "c1", "pk": "C", "age": 31, "score": 3, "tags": "red", "nested": {"arr": [[1, 2], [3]]}},
    {"id": "c2", "pk": "C", "name": "dave_x%", "active": None, "score": -2,
     "tags": ["blue", "red", "red"]},
]  # fmt: skip

# Multi-property ORDER BY needs a matching composite index (order-by docs, "Remarks").
INDEXING_POLICY: dict[str, Any] = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": "/*"}],
    "excludedPaths": [{"path": '/"_etag"/?'}, {"path": "/score/?"}],
    "compositeIndexes": [
        [{"path": "/pk", "order": "descending"}, {"path": "/id", "order": "ascending"}],
        [{"path": "/active", "order": "ascending"}, {"path": "/id", "order": "ascending"}],
    ],
}


@dataclass(frozen=True)
class Case:
    query: str
    expected: list[Any]
    ordered: bool = False  # compare in order (ORDER BY) or as a multiset
    parameters: list[dict[str, Any]] = field(default_factory=list)
    partition_key: str | None = None  # scope to one logical partition
    # Through the SDK without a partition key the service fans the query out and the SDK
    # merges the ranges' results; where that merge differs from the language's answer (as
    # it does against the service), what the SDK gives: a result, or the error it raises.
    sdk_fan_out: list[Any] | type[Exception] | None = None


CASES: list[Case] = [
    Case("SELECT VALUE c.id FROM c", ["a1", "a2", "b1", "b2", "c1", "c2"]),
    # Comparisons across types are undefined, so "40" never equals or exceeds a number.
    Case("SELECT VALUE c.id FROM c WHERE c.age = 30", ["a1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.age > 29", ["a1", "b2", "c1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.age >= '3'", ["b1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.address.zip = 75002", ["b1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.address.zip = '75001'", ["a1"]),
    # null is a value (equal to null); a missing property is undefined.
    Case("SELECT VALUE c.id FROM c WHERE c.name = null", ["b2"]),
    Case("SELECT VALUE c.id FROM c WHERE NOT IS_DEFINED(c.name)", ["c1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.active", ["a1", "b2"]),
    # `null != true` compares different types: undefined, so c2 is filtered out.
    Case("SELECT VALUE c.id FROM c WHERE c.active != true", ["a2"]),
    Case("SELECT VALUE c.id FROM c WHERE NOT c.active", ["a2"]),
    Case("SELECT VALUE c.id FROM c WHERE c.score < 5", ["c1", "c2"]),
    Case("SELECT VALUE c.id FROM c WHERE c.score = null", ["b1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.age IN (25, '40', 99)", ["a2", "b1"]),
    # IN is false (not undefined) for a defined value that matches no item of another type.
    Case("SELECT VALUE c.id FROM c WHERE c.age NOT IN (25, 30)", ["b1", "b2", "c1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.age BETWEEN 26 AND 35.5", ["a1", "b2", "c1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.name LIKE '%o%'", ["a2", "b1"]),
    Case("SELECT VALUE c.id FROM c WHERE c.name LIKE 'dave!_%' ESCAPE '!'", ["c2"]),
    Case("SELECT VALUE c.id FROM c WHERE c.name LIKE 'dave!%%' ESCAPE '!'", []),
    Case("SELECT VALUE c.id FROM c WHERE c.name = @name", ["a2"],
         parameters=[{"name": "@name", "value": "bob"}]),
    Case("SELECT VALUE c.id FROM c WHERE c.age > @min AND c.pk = @pk", ["b2"],
         parameters=[{"name": "@min", "value": 30}, {"name": "@pk", "value": "B"}]),
    Case("SELECT VALUE c.id FROM c WHERE c.pk = 'A' OR c.age = 31", ["a1", "a2", "c1"]),
    Case("SELECT VALUE c.id FROM c WHERE ARRAY_CONTAINS(@ids, c.id)", ["a2", "c1"],
         parameters=[{"name": "@ids", "value": ["a2", "c1", "zz", 7]}]),
    # ARRAY_CONTAINS: a non-array is undefined; the third argument allows partial object match.
    Case("SELECT VALUE c.id FROM c WHERE ARRAY_CONTAINS(c.tags, 'red')", ["a1", "b2", "c2"]),
    Case("SELECT VALUE c.id FROM c WHERE ARRAY_CONTAINS(c.children, {'name': 'Bob'}, true)",
         ["a1"]),
    Case("SELECT VALUE c.id FROM c WHERE ARRAY_CONTAINS(c.children, {'name': 'Bob'})", []),
    Case("SELECT VALUE c.id FROM c WHERE STARTSWITH(c.name, 'B', true)", ["a2"]),
    Case("SELECT VALUE c.id FROM c WHERE CONTAINS(c.name, 'AR', true)", ["b1"]),
    # Projections: undefined properties are left out of the object.
    Case("SELECT c.id, c.address.city FROM c WHERE c.pk = 'A'",
         [{"id": "a1", "city": "Paris"}, {"id": "a2", "city": "Lyon"}]),
    Case("SELECT c.id, c.address.zip AS z FROM c WHERE c.pk = 'B'",
         [{"id": "b1", "z": 75002}, {"id": "b2"}]),
    Case("SELECT VALUE c.tags[0] FROM c", ["red", "green", "red", "blue"]),
    Case("SELECT VALUE c['address']['city'] FROM c WHERE IS_DEFINED(c.address)",
         ["Paris", "Lyon", "Paris"]),
    Case("SELECT VALUE c.nested.arr[0][1] FROM c WHERE c.id = 'c1'", [2]),
    Case("SELECT {'n': c.name, 'kids': ARRAY_LENGTH(c.children)} AS o FROM c WHERE c.pk = 'A'",
         [{"o": {"n": "Alice", "kids": 2}}, {"o": {"n": "bob", "kids": 0}}]),
    Case("SELECT 1 AS one, 'x' FROM c WHERE c.id = 'a1'", [{"one": 1, "$1": "x"}]),
    Case("SELECT * FROM c.address a WHERE a.city = 'Paris'",
         [{"city": "Paris", "zip": "75001"}, {"city": "Paris", "zip": 75002}]),
    # JOIN iterates arrays; a non-array (c1.tags) yields no rows.
    Case("SELECT VALUE ch.name FROM c JOIN ch IN c.children", ["Ann", "Bob", "Cid"]),
    Case("SELECT c.id, ch.grade FROM c JOIN ch IN c.children WHERE ch.grade > 4",
         [{"id": "a1", "grade": 5}, {"id": "a1", "grade": 8}]),
    Case("SELECT VALUE t FROM c JOIN t IN c.tags WHERE c.pk = 'C'", ["blue", "red", "red"]),
    Case("SELECT VALUE t FROM t IN c.tags", ["red", "blue", "green", "red", "blue", "red", "red"]),
    Case("SELECT VALUE x FROM c JOIN a IN c.nested.arr JOIN x IN a", [1, 2, 3]),
    Case("SELECT DISTINCT VALUE t FROM c JOIN t IN c.tags", ["red", "blue", "green"]),
    Case("SELECT VALUE c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t = 'red') r",
         ["a1", "b2", "c2", "c2"]),
    # A FROM subquery reads the container once: counting distinct values.
    Case("SELECT VALUE COUNT(1) FROM (SELECT DISTINCT VALUE t FROM c JOIN t IN c.tags)", [3]),
    Case("SELECT VALUE s.id FROM (SELECT c.id, c.age FROM c WHERE c.pk = 'B') s"
         " WHERE IS_NUMBER(s.age)", ["b2"]),
    Case("SELECT DISTINCT c.pk FROM c", [{"pk": "A"}, {"pk": "B"}, {"pk": "C"}]),
    # Aggregates: SUM/AVG are undefined when a non-number (null here) is met; MIN/MAX order by
    # type (numbers < strings) and are undefined over arrays.
    Case("SELECT VALUE COUNT(1) FROM c", [6]),
    Case("SELECT VALUE COUNT(c.name) FROM c", [5]),
    # The SDK adds up the ranges' sums and skips the range whose sum is undefined.
    Case("SELECT VALUE SUM(c.score) FROM c", [], sdk_fan_out=[16.5]),
    Case("SELECT VALUE SUM(c.score) FROM c WHERE IS_NUMBER(c.score)", [17.5]),
    Case("SELECT VALUE AVG(c.score) FROM c WHERE IS_NUMBER(c.score)", [4.375]),
    Case("SELECT VALUE MIN(c.age) FROM c", [25]),
    Case("SELECT VALUE MAX(c.age) FROM c", ["40"]),
    Case("SELECT VALUE MAX(c.tags) FROM c", [], sdk_fan_out=[None]),
    # Without a partition key the SDK merges aggregates, and only `SELECT VALUE` ones.
    Case("SELECT COUNT(1) AS n, MAX(c.score) AS best FROM c WHERE c.pk = 'A'",
         [{"n": 2, "best": 9.5}], sdk_fan_out=CosmosHttpResponseError),
    Case("SELECT VALUE COUNT(1) FROM c WHERE c.pk = 'nobody'", [0]),
    # The Python SDK does not declare GROUP BY, so the service refuses it across partitions.
    Case("SELECT c.pk, COUNT(1) AS n FROM c GROUP BY c.pk",
         [{"pk": "A", "n": 2}, {"pk": "B", "n": 2}, {"pk": "C", "n": 2}],
         sdk_fan_out=CosmosHttpResponseError),
    Case("SELECT c.active, COUNT(1) AS n FROM c GROUP BY c.active",
         [{"active": True, "n": 2}, {"active": False, "n": 1}, {"active": None, "n": 1},
          {"n": 2}], sdk_fan_out=CosmosHttpResponseError),
    # ORDER BY: type order undefined < null < false < true < numbers < strings; items without
    # the property are included (first when ascending). Across partitions the SDK's merge
    # refuses ranges whose next items differ in type ("Expected Number, but got String").
    Case("SELECT VALUE c.id FROM c ORDER BY c.age",
         ["c2", "a2", "a1", "c1", "b2", "b1"], ordered=True, sdk_fan_out=ValueError),
    Case("SELECT VALUE c.id FROM c ORDER BY c.age DESC",
         ["b1", "b2", "c1", "a1", "a2", "c2"], ordered=True, sdk_fan_out=ValueError),
    Case("SELECT VALUE c.name FROM c ORDER BY c.name",
         [None, "Alice", "Carol", "bob", "dave_x%"], ordered=True, sdk_fan_out=ValueError),
    Case("SELECT VALUE c.id FROM c ORDER BY c.active, c.id",
         ["b1", "c1", "c2", "a2", "a1", "b2"], ordered=True, sdk_fan_out=ValueError),
    Case("SELECT TOP 2 VALUE c.id FROM c ORDER BY c.id DESC", ["c2", "c1"], ordered=True),
    Case("SELECT VALUE c.id FROM c ORDER BY c.id OFFSET 1 LIMIT 2", ["a2", "b1"], ordered=True),
    Case("SELECT VALUE c.id FROM c ORDER BY c.id OFFSET @skip LIMIT @take", ["b2", "c1"],
         ordered=True,
         parameters=[{"name": "@skip", "value": 3}, {"name": "@take", "value": 2}]),
    Case("SELECT VALUE c.id FROM c ORDER BY c.pk DESC, c.id ASC",
         ["c1", "c2", "b1", "b2", "a1", "a2"], ordered=True),
    Case("SELECT VALUE c.id FROM c WHERE c.age > 0 ORDER BY c.age DESC",
         ["b2", "c1", "a1", "a2"], ordered=True),
    # Operators and the service's number formatting (integral results print as integers).
    Case("SELECT VALUE c.age + 1 FROM c WHERE c.pk = 'B'", [36.5]),
    Case("SELECT VALUE [10 / 4, 10 / 5, 7 % 3, -7 % 3, 2 * 3.5, 'a' || 'b']",
         [[2.5, 2, 1, -1, 7, "ab"]]),
    Case("SELECT VALUE [5 & 3, 5 | 3, 5 ^ 3, 1 << 4, -16 >> 2, ~0]", [[1, 7, 6, 16, -4, -1]]),
    Case("SELECT VALUE [1 = 1.0, 'a' < 'b', false < true, null = null]",
         [[True, True, True, True]]),
    Case("SELECT VALUE c.name ?? 'none' FROM c WHERE c.pk = 'C'", ["none", "dave_x%"]),
    Case("SELECT VALUE (c.age >= 30 ? 'old' : 'young') FROM c WHERE c.pk = 'A'",
         ["old", "young"]),
    # Built-in functions.
    Case("SELECT VALUE [UPPER(c.name), LOWER(c.name), LENGTH(c.name)] FROM c WHERE c.id = 'a1'",
         [["ALICE", "alice", 5]]),
    Case("SELECT VALUE [SUBSTRING('hello', 1, 3), CONCAT('a', 'b', 'c'), INDEX_OF('hello', 'l'),"
         " REPLACE('aXbX', 'X', '-'), TRIM('  x  '), LTRIM('  x  '), RTRIM('  x  '),"
         " LEFT('hello', 2), RIGHT('hello', 2), REVERSE('abc')]",
         [["ell", "abc", 2, "a-b-", "x", "x  ", "  x", "he", "lo", "cba"]]),
    Case("SELECT VALUE [TOSTRING(1.5), TOSTRING(true), TOSTRING(null),"
         " STRINGEQUALS('a', 'A', true), REGEXMATCH('abc', '^a.c$'), STARTSWITH('abc', 'ab'),"
         " ENDSWITH('abc', 'bc')]",
         [["1.5", "true", "null", True, True, True, True]]),
    Case("SELECT VALUE [ARRAY_LENGTH([1, 2, 3]), ARRAY_SLICE([1, 2, 3, 4], 1, 2),"
         " ARRAY_SLICE([1, 2, 3, 4], -2), ARRAY_CONCAT([1], [2, 3])]",
         [[3, [2, 3], [3, 4], [1, 2, 3]]]),
    Case("SELECT VALUE [ABS(-2), CEILING(1.2), FLOOR(-1.2), ROUND(2.5), ROUND(-2.5),"
         " POWER(2, 10), SQRT(16)]",
         [[2, 2, -2, 3, -3, 1024, 4]]),
    Case("SELECT VALUE [IS_NUMBER(1), IS_STRING('a'), IS_BOOL(false), IS_NULL(null),"
         " IS_ARRAY([]), IS_OBJECT({}), IS_PRIMITIVE([]), IS_DEFINED(undefined)]",
         [[True, True, True, True, True, True, False, False]]),
    Case("SELECT VALUE UPPER(c.age) FROM c WHERE c.pk = 'A'", []),
    # DateTimeDiff counts boundaries crossed; DateTimeAdd of a month clamps to the month's end.
    Case("SELECT VALUE [DateTimeAdd('mm', 1, '2024-01-31T10:00:00.1234567Z'),"
         " DateTimeDiff('day', '2024-01-01T23:00:00Z', '2024-01-02T01:00:00Z'),"
         " DateTimePart('ms', '2024-01-01T00:00:00.1234567Z'),"
         " DateTimeToTimestamp('1970-01-01T00:00:01.5Z'), TimestampToDateTime(1500),"
         " DateTimeAdd('day', 1, 'not a date')]",
         [["2024-02-29T10:00:00.1234567Z", 1, 123, 1500, "1970-01-01T00:00:01.5000000Z"]]),
    # Subqueries.
    Case("SELECT VALUE c.id FROM c WHERE EXISTS(SELECT VALUE ch FROM ch IN c.children"
         " WHERE ch.grade > 6)", ["a1"]),
    Case("SELECT c.id, ARRAY(SELECT VALUE ch.name FROM ch IN c.children) AS kids FROM c"
         " WHERE c.pk = 'A'", [{"id": "a1", "kids": ["Ann", "Bob"]}, {"id": "a2", "kids": []}]),
    Case("SELECT VALUE (SELECT VALUE MAX(ch.grade) FROM ch IN c.children) FROM c"
         " WHERE c.id = 'a1'", [8]),
    # Scoped to one logical partition by the request's partition key.
    Case("SELECT VALUE c.id FROM c", ["b1", "b2"], partition_key="B"),
    Case("SELECT VALUE c.id FROM c ORDER BY c.age DESC", ["b1", "b2"], ordered=True,
         partition_key="B"),
    Case("SELECT VALUE COUNT(1) FROM c WHERE c.age > 0", [1], partition_key="C"),
]  # fmt: skip


@dataclass(frozen=True)
class ErrorCase:
    query: str
    code: str | None  # the service's error code inside the message, when it has one
    message: str  # a fragment of the message
    parameters: list[dict[str, Any]] = field(default_factory=list)


ERROR_CASES: list[ErrorCase] = [
    ErrorCase("SELECT * FRM c", "SC1001", "incorrect syntax near 'FRM'"),
    ErrorCase("SELECT c.id FROM c WHERE", "SC1001", "unexpected end-of-file"),
    ErrorCase("SELECT c.id FROM c WHERE c.name = 'open", "SC1001", "unterminated string"),
    ErrorCase("SELECT x.id FROM c", "SC2001", "Identifier 'x' could not be resolved"),
    ErrorCase("SELECT NOPE(c.id) FROM c", "SC2005", "'NOPE' is not a recognized built-in"),
    ErrorCase("SELECT LOWER(c.id, 1) FROM c", "SC2050", "LOWER function requires 1"),
    ErrorCase("SELECT * FROM c JOIN t IN c.tags", None, "only valid with a single input set"),
    ErrorCase("SELECT c.id, COUNT(1) FROM c", None, "not contained in either an aggregate"),
    ErrorCase("SELECT * FROM c WHERE COUNT(1) > 1", None, "not allowed in this context"),
    ErrorCase("SELECT VALUE c.id FROM c ORDER BY c.name, c.age", None,
              "does not have a corresponding composite index"),
    ErrorCase("SELECT VALUE c.id FROM c ORDER BY LOWER(c.name)", None,
              "could not be mapped to a document path"),
    ErrorCase("SELECT VALUE c.id FROM c ORDER BY c.score", None, "order-by item is excluded"),
    ErrorCase("SELECT * FROM c WHERE c.id = @missing", "SC2001", "'@missing'"),
    ErrorCase("SELECT * FROM c OFFSET @o LIMIT 2", None, "non-negative integer",
              parameters=[{"name": "@o", "value": "x"}]),
]  # fmt: skip
