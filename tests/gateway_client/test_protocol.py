"""The client's wire details, checked without a server: signatures, partition key headers,
session token merging, retry budgets."""

from __future__ import annotations

import pytest
from azure.cosmos import PartitionKey as SdkPartitionKey

from bench.emulator import WELL_KNOWN_KEY
from bench.emulator.auth import master_key_header
from bench.epk import UNDEFINED
from bench.gateway_client.auth import MasterKey
from bench.gateway_client.retries import RetryBudget, RetryLimits
from bench.gateway_client.routing import PartitionKeyDefinition, RoutingMap
from bench.gateway_client.session import SessionTokens, newer

DATE = "Mon, 30 Nov 2026 01:52:10 GMT"


@pytest.mark.parametrize("link", ["", "dbs/d", "dbs/my db/colls/c/docs/é+/=?"])
def test_signature_is_the_one_the_service_checks(link: str) -> None:
    signed = MasterKey(WELL_KNOWN_KEY).header("GET", "docs", link, DATE)
    assert signed == master_key_header(WELL_KNOWN_KEY, "GET", "docs", link, DATE)
    assert WELL_KNOWN_KEY not in repr(MasterKey(WELL_KNOWN_KEY))


def test_partition_key_headers_as_the_sdk_writes_them() -> None:
    single = PartitionKeyDefinition(("/pk",))
    assert [single.header(v) for v in ("p1", 5, None, True, 1, "köln")] == [
        '["p1"]',
        "[5]",
        "[null]",
        "[true]",
        "[1]",  # not the cached "[true]": True == 1 in Python
        '["k\\u00f6ln"]',
    ]
    assert single.header(UNDEFINED) == "[{}]"
    hierarchical = PartitionKeyDefinition(("/a", "/b"), "MultiHash")
    assert hierarchical.header(["x", 2]) == '["x",2]'
    assert hierarchical.is_prefix(["x"]) and not hierarchical.is_prefix(["x", 2])


def test_effective_partition_keys_match_the_sdk() -> None:
    for kind, paths, value in [
        ("Hash", ["/pk"], "p1"),
        ("Hash", ["/pk"], 42),
        ("MultiHash", ["/a", "/b"], ["t1", "u1"]),
    ]:
        sdk = SdkPartitionKey(paths if kind == "MultiHash" else paths[0], kind=kind, version=2)
        ours = PartitionKeyDefinition(tuple(paths), kind, 2)
        components = value if isinstance(value, list) else [value]
        assert ours.epk(value) == sdk._get_effective_partition_key_string(components)


def test_routing_map_finds_ranges_by_epk() -> None:
    routing = RoutingMap(
        [
            {"id": "2", "minInclusive": "80", "maxExclusive": "FF", "parents": ["0"]},
            {"id": "1", "minInclusive": "", "maxExclusive": "80", "parents": ["0"]},
        ]
    )
    assert routing.range_of("").id == "1" and routing.range_of("7F").id == "1"
    assert routing.range_of("80").id == "2" and routing.range_of("A1").id == "2"
    assert [r.id for r in routing.overlapping("70", "90")] == ["1", "2"]


def test_session_tokens_keep_the_newest_per_range_and_fall_back_to_parents() -> None:
    assert newer("1#12", "1#9") == "1#12"
    assert newer("1#12#1=5", "1#10#1=7#2=3") == "1#12#1=7#2=3"
    assert newer("2#3", "1#99") == "2#3"  # a newer version wins whatever its LSN
    tokens = SessionTokens()
    tokens.update("0:1#5,1:1#7")
    tokens.update("0:1#4")
    assert tokens.for_range("0") == "0:1#5"
    assert tokens.for_range("2", parents=["0"]) == "2:1#5"  # a child after a split
    assert tokens.for_range("3") is None
    assert tokens.all() == "0:1#5,1:1#7"


def test_429_budget_as_the_sdk_counts_it() -> None:
    budget = RetryBudget(RetryLimits(max_retries=3, max_wait_seconds=1))
    waits = [budget.wait_before_retry(429, 400) for _ in range(4)]
    # the total is checked before a wait is added: 0, 400, 800 < 1000; then 1200 >= 1000
    assert waits == [400, 400, 400, None]
    assert RetryBudget(RetryLimits()).wait_before_retry(404, 0) is None


def test_449_backs_off_within_the_same_limits() -> None:
    budget = RetryBudget(RetryLimits(max_retries=9, max_wait_seconds=30))
    waits = [budget.wait_before_retry(449, 0) for _ in range(10)]
    assert waits == [10, 20, 40, 80, 160, 320, 640, 1000, 1000, None]
