"""Whether a workload query targets one logical partition, decided from its SQL and the
container's partition key, as the service decides which partitions a query must visit.

A query is single-partition only when its filter binds every partition key path by
equality (top-level `AND` terms like `c.categoryId = @cat`) to a parameter the harness
supplies; its partition key is then those parameters' values. Otherwise it fans out, so
the same workload compared under two key designs keeps its meaning under both. The SQL
is read by the emulator's parser (`partition_key_parameters`)::

    key_parameters("SELECT * FROM c WHERE c.categoryId = @cat", ("/categoryId",))  # ("@cat",)
    key_parameters("SELECT * FROM c WHERE c.categoryId = @cat", ("/id",))  # None: fans out
"""

from __future__ import annotations

import functools

from bench.emulator.errors import CosmosError
from bench.emulator.query import partition_key_parameters


@functools.cache
def key_parameters(sql: str, paths: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parameter bound to each partition key path, in path order; None when a path is not
    bound (or the SQL cannot be analysed): the query then fans out."""
    try:
        return partition_key_parameters(sql, paths)
    except CosmosError:
        return None  # the service will say what is wrong with it
