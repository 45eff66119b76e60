"""The RU cost model: what each request charges, in `x-ms-request-charge`.

Every coefficient lives in `COEFFICIENTS` below, each with the published
figure it was fitted to (sources and figures: shared notes
`ru-cost-model.md`; `tests/ru/test_calibration.py` prints the model next to
each figure). Charges are rounded to 2 decimals like the service's, so the
sum of the headers a client saw equals the sum the ledger recorded.

    >>> read_charge(1024), read_charge(100 * 1024)
    (1.0, 10.0)
    >>> write_charge(WriteKind.CREATE, 1024, index_terms=0)
    5.5
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bench.emulator.query import QueryMetrics

_KB = 1024
_MB = 1024 * 1024


class WriteKind(StrEnum):
    CREATE = "create"
    REPLACE = "replace"
    UPSERT_CREATE = "upsert_create"
    UPSERT_REPLACE = "upsert_replace"
    PATCH = "patch"
    DELETE = "delete"


@dataclass(frozen=True)
class CostCoefficients:
    """The model's only tunable numbers. [Doc] Microsoft docs, [Emp] a published
    measurement, [Est] fitted here; file names are under articles/cosmos-db/ in
    MicrosoftDocs/azure-databases-docs."""

    # --- point reads: max(READ_MIN, READ_BASE + READ_PER_KB * KB) ---
    # 1 KB -> 1 RU and 100 KB -> 10 RU [Doc] optimize-cost-reads-writes.md: the line through both.
    read_base: float = 0.909
    read_per_kb: float = 0.0909
    # No read costs less than 1 RU [Doc] same page ("1 KB | 1 RU" is the smallest figure).
    read_min: float = 1.0
    # Strong and Bounded Staleness reads (point reads and queries) read two replicas: 2x [Doc]
    # request-units.md, consistency-levels.md; writes cost the same at every level.
    two_replica_factor: float = 2.0

    # --- writes: factor * (WRITE_BASE + WRITE_PER_KB * KB) + WRITE_PER_INDEXED_PATH * terms,
    # terms = index terms written or removed: all of them for a create or delete, only those
    # that change (removed + added) for a replace, upsert of an existing item or patch ---
    # Insert of 1 KB without indexing ~5.5 RU [Doc] optimize-cost-reads-writes.md, and
    # ~6.5 KB without indexing 7.05 RU [Emp] dp-420-cosmos-db-dev issue 29: the line through both.
    write_base: float = 5.22
    write_per_kb: float = 0.28
    # ~6.5 KB item: ~150 indexed leaf paths 48.38 RU vs none 7.05 [Emp] dp-420 issue 29
    # -> (48.38 - 7.05) / 150; also fits nosql/model-partition-example.md creates (5.71 / 7.05).
    # A composite index's entry for the item (one per composite index, index-policy.md) is
    # charged as one more term; no published figure prices it separately. [Est]
    write_per_indexed_path: float = 0.27
    # Replace pays the base and size terms again: ~2x insert [Doc] optimize-cost-reads-writes.md,
    # measured 1.6-1.9x [Emp] (create 6.29 vs upsert-existing 10.29; create 5.71 vs update
    # 10.67), all on small items where few terms exist; index work only for the terms that
    # change (shared notes, corrected). 1.9 holds those figures within 15%.
    replace_factor: float = 1.9
    # Patch: "no significant reduction" vs replace [Doc] partial-document-update FAQ.
    patch_factor: float = 1.9
    # Delete = create of the same item: 5.71 / 5.71 [Emp] capacity-planner walk-through.
    delete_factor: float = 1.0

    # --- queries: everything below, times TWO_REPLICA_FACTOR at Strong/Bounded Staleness ---
    # "at least 2.3 RU" [Doc] devblog "point reads versus queries".
    query_base: float = 2.3
    # One index seek/range scan (filters a composite index serves together: one seek, no
    # published figure for the difference [Est]); with query_base and one loaded 4.5 KB
    # document this makes the
    # indexed equality of nosql/troubleshoot-query-performance.md 2.98 RU (2.86) [Doc], and a
    # fan-out's range request with no match 2.8 RU, near "about 2.5 RU per physical partition
    # checked" [Doc] nosql/how-to-query-container.md. [Est]
    query_per_index_lookup: float = 0.5
    # A request the gateway serves from several partitions at once (read feeds, hierarchical
    # key prefixes): ~2.5 RU per further partition, 2.0 + its own index lookup (0.5). [Doc]
    query_per_extra_partition: float = 2.0
    # Loading documents: full scan of 60,951 docs / 399,998,938 bytes = 4,059.95 RU [Doc]
    # troubleshoot-query-performance.md -> ~10 RU per MB, a little per document. [Est split]
    query_per_mb_loaded: float = 10.0
    query_per_document_loaded: float = 0.005
    # Serializing results: a few hundredths per document; with the two terms above it makes the
    # composite-index ORDER BY page (100 docs) 8.86 RU [Doc] troubleshoot-query-performance.md.
    query_per_output_document: float = 0.01
    # ORDER BY not served by a composite index sorts in memory: the same page costs 44.28 RU
    # instead of 8.86 [Doc] troubleshoot-query-performance.md -> (44.28 - 8.86) / 100 documents.
    query_per_sorted_document: float = 0.355

    # --- change feed (latest version): CHANGE_FEED_BASE + a point read of each item returned ---
    # Not in Microsoft's docs (MicrosoftDocs/azure-docs issue 99609 asks for it). A Cosmos DB
    # PM in MicrosoftDocs/azure-docs issue 50040: "The initial call to read the change feed is
    # about 2 RU ... Then each read out of change feed is a 1 RU point read" [Emp]: a page with
    # one 1 KB item is 1 + 1 = 2 RU, each further item a point read (read_base/read_per_kb).
    # A poll that finds nothing (304) is charged the base alone, the minimum read charge [Est].
    change_feed_base: float = 1.0

    # --- server-side scripts (stored procedures, triggers) ---
    # Operations a script performs run in the database engine like a client's (atomic, one
    # transaction [Doc] nosql/stored-procedures-triggers-udfs.md) and are charged here as the
    # same client requests; the JavaScript execution's own charge is not published: the
    # minimum read charge per execution. [Est]
    script_execution: float = 1.0

    # --- failures ---
    # 400, 412 and 449 are still charged [Doc] nosql/troubleshoot-request-rate-too-large.md;
    # the amount is not published: the minimum read charge. A 404 is charged that too:
    # the service's store diagnostics show "StatusCode: 404 ... RequestCharge: 1"
    # (Azure/azure-cosmos-dotnet-v2 issue 973) [Emp]. 429 costs nothing. [Est]
    failed_request: float = 1.0


COEFFICIENTS = CostCoefficients()
CHARGED_FAILURES = frozenset({400, 404, 412, 449})
# Database, container, offer, user and resource-feed operations: the model prices item
# and query work only, so these carry a fixed placeholder. [Est]
METADATA_CHARGE = 1.0


def _rounded(request_units: float) -> float:
    return round(request_units, 2)


def read_charge(size_bytes: int, *, strong: bool = False) -> float:
    """A point read of a document of `size_bytes`; `strong` for Strong/Bounded Staleness."""
    c = COEFFICIENTS
    one_replica = max(c.read_min, c.read_base + c.read_per_kb * size_bytes / _KB)
    return _rounded(one_replica * (c.two_replica_factor if strong else 1.0))


def _write_factor(kind: WriteKind) -> float:
    c = COEFFICIENTS
    if kind in (WriteKind.REPLACE, WriteKind.UPSERT_REPLACE):
        return c.replace_factor
    if kind is WriteKind.PATCH:
        return c.patch_factor
    if kind is WriteKind.DELETE:
        return c.delete_factor
    return 1.0


def write_charge(kind: WriteKind, size_bytes: int, index_terms: int) -> float:
    """A write of a document of `size_bytes` that writes or removes `index_terms` index terms.

    A create passes every term of the new document, a delete every term of the
    removed one; replace, upsert of an existing item and patch pass only the
    terms that changed (removed + added) with the new document's size: they pay
    the base and size terms again, but not for the index entries they keep.
    The consistency level does not change write charges.
    """
    c = COEFFICIENTS
    document = c.write_base + c.write_per_kb * size_bytes / _KB
    return _rounded(_write_factor(kind) * document + c.write_per_indexed_path * index_terms)


def query_charge(metrics: QueryMetrics, *, strong: bool = False) -> float:
    """A query execution's charge from what the engine did (`QueryMetrics`).

    Documents a full scan visited count as loaded even when the engine reports
    them only as scanned; bytes come from `retrieved_document_size`.
    """
    c = COEFFICIENTS
    loaded = max(metrics.retrieved_document_count, metrics.scanned_document_count)
    one_replica = (
        c.query_base
        + c.query_per_extra_partition * max(0, metrics.partitions_touched - 1)
        + c.query_per_index_lookup * metrics.index_lookup_count
        + c.query_per_document_loaded * loaded
        + c.query_per_mb_loaded * metrics.retrieved_document_size / _MB
        + c.query_per_output_document * metrics.output_document_count
        + (c.query_per_sorted_document * loaded if metrics.in_memory_sort else 0.0)
    )
    return _rounded(one_replica * (c.two_replica_factor if strong else 1.0))


def change_feed_charge(item_sizes: Iterable[int]) -> float:
    """A change feed page returning items of `item_sizes` bytes (none: a 304 poll). Not
    doubled at Strong: no published figure says change feed reads cost more there [Est]."""
    c = COEFFICIENTS
    return _rounded(c.change_feed_base + sum(read_charge(size) for size in item_sizes))


def failed_request_charge(status: int) -> float:
    """What a failed request costs: the service charges 400, 404, 412 and 449; 429 is free."""
    return COEFFICIENTS.failed_request if status in CHARGED_FAILURES else 0.0


def script_charge(operations_charge: float, executions: int = 1) -> float:
    """Script work: the charges of the operations it performed plus each script execution."""
    return _rounded(operations_charge + executions * COEFFICIENTS.script_execution)


def batch_charge(operation_charges: Iterable[float]) -> float:
    """A transactional batch's header charge: the sum of its operations' charges."""
    return _rounded(sum(operation_charges))
