"""The emulator hashes partition keys exactly as the SDK does, so both route alike."""

from __future__ import annotations

import itertools

import pytest
from azure.cosmos.partition_key import NonePartitionKeyValue, PartitionKey

from bench.emulator.partitions import even_boundaries
from bench.epk import UNDEFINED, effective_partition_key

VALUES = [
    "",
    "a",
    "x" * 15,
    "y" * 16,
    "z" * 17,
    "é☃日本",
    "p" * 150,
    0,
    1,
    -1,
    5,
    2**31,
    2**53 + 1,
    3.5,
    -0.0,
    1e300,
    True,
    False,
    None,
]


@pytest.mark.parametrize(
    ("kind", "version", "paths"),
    [("Hash", 2, "/p"), ("Hash", 1, "/p"), ("MultiHash", 2, ["/a", "/b", "/c"])],
)
def test_effective_partition_keys_match_the_sdk(kind: str, version: int, paths) -> None:
    """As the SDK routes them: its ranges (feed ranges too) upper-case the hash string, which
    version 1 writes in lower case."""
    definition = PartitionKey(path=paths, kind=kind, version=version)
    for value in VALUES:
        components = [value, "b", 7] if kind == "MultiHash" else [value]
        expected = definition._get_epk_range_for_partition_key(components).min
        assert effective_partition_key(components, kind, version) == expected, value
    missing = definition._get_epk_range_for_partition_key(NonePartitionKeyValue).min
    assert effective_partition_key([UNDEFINED], kind, version) == missing


def test_hierarchical_prefix_is_the_start_of_the_full_key() -> None:
    prefix = effective_partition_key(["tenant"], "MultiHash")
    full = effective_partition_key(["tenant", "user", 1], "MultiHash")
    assert full.startswith(prefix) and len(full) == 3 * len(prefix)


def test_ranges_cover_the_whole_space_and_spread_hashes() -> None:
    ranges = even_boundaries(4)
    assert ranges[0][0] == "" and ranges[-1][1] == "FF"
    assert all(high == next_low for (_, high), (next_low, _) in itertools.pairwise(ranges))
    hits = [0] * 4
    for number in range(400):
        epk = effective_partition_key([f"key-{number}"], "Hash", 2)
        hits[next(i for i, (low, high) in enumerate(ranges) if low <= epk < high)] += 1
    assert min(hits) > 60
