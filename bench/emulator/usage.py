"""What a container stores, as the service reports it on a container read when asked.

- `populate_quota_info=True` (`x-ms-documentdb-populatequotainfo`): the
  headers `x-ms-resource-quota` and `x-ms-resource-usage`, `name=value;` lists
  with sizes in KB.
- `populate_partition_key_range_statistics=True`
  (`x-ms-documentdb-populatepartitionstatistics`): a `statistics` list in the
  body, one entry per physical partition, with its largest logical partitions.

Sizes are the stored JSON of the documents. The service's `collectionSize`
also counts index storage, which the emulator does not model, so usage
leaves it out rather than report a wrong figure.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.emulator.partitions import PhysicalPartition
    from bench.emulator.storage import Container

RESOURCE_QUOTA = "x-ms-resource-quota"
RESOURCE_USAGE = "x-ms-resource-usage"
PARTITION_STORAGE_KB = 50 * 1024 * 1024  # a physical partition holds at most 50 GB
LARGEST_KEYS_LISTED = 3  # logical partitions listed per physical partition


def quota_headers(container: Container) -> dict[str, str]:
    """The storage quota (50 GB per physical partition, any number of documents) and usage."""
    quota_kb = PARTITION_STORAGE_KB * len(container.partitions)
    stored_bytes = sum(_stored_bytes(p) for p in container.partitions)
    count = sum(len(p.documents) for p in container.partitions)
    return {
        RESOURCE_QUOTA: f"documentsSize={quota_kb};documentsCount=-1;collectionSize={quota_kb};",
        RESOURCE_USAGE: f"documentsSize={_kb(stored_bytes)};documentsCount={count};",
    }


def partition_statistics(container: Container) -> list[dict[str, Any]]:
    """Per physical partition: size, documents, distinct partition keys, largest keys."""
    return [_statistics(partition) for partition in container.partitions]


def _statistics(partition: PhysicalPartition) -> dict[str, Any]:
    by_key: Counter[str] = Counter()
    for (canonical_key, _), encoded in partition.encoded.items():
        by_key[canonical_key] += len(encoded)
    return {
        "id": partition.id,
        "sizeInKB": _kb(_stored_bytes(partition)),
        "documentCount": len(partition.documents),
        "sampledDistinctPartitionKeyCount": len(by_key),
        "partitionKeys": [
            {"partitionKey": json.loads(key), "sizeInKB": _kb(size)}
            for key, size in by_key.most_common(LARGEST_KEYS_LISTED)
        ],
    }


def _stored_bytes(partition: PhysicalPartition) -> int:
    return sum(len(encoded) for encoded in partition.encoded.values())


def _kb(size: int) -> int:
    return -(-size // 1024)
