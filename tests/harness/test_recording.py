"""The recorder's Parquet parts and the mergeable RU statistics, without a target."""

import random

import pyarrow.parquet as pq
import pytest

from bench.harness.calls import (
    AttemptObserver,
    CallRecord,
    decode_index_metrics,
    parse_query_metrics,
    partition_key_ranges,
)
from bench.harness.recorder import SCHEMA, RequestRecorder
from bench.harness.rustats import RuStats
from bench.rundata import load_requests
from bench.rundata.outcome import Outcome


def record(operation: str, ru: float, *, throttled: int = 0) -> CallRecord:
    return CallRecord(
        timestamp=1.0,
        operation=operation,
        kind="read",
        latency_ms=2.0,
        ru=ru,
        status=200,
        substatus=0,
        outcome=Outcome.OK,
        bytes=10,
        item_count=1,
        pk_range="0",
        partitions=1,
        attempts=1 + throttled,
        throttled=throttled,
        throttle_wait_ms=0.0,
        retrieved_docs=None,
        output_docs=None,
        index_hit_ratio=None,
        worker="h:1",
        partition_key=["a", 1],
    )


def test_parts_are_complete_parquet_files_in_the_shared_schema(tmp_path):
    recorder = RequestRecorder(tmp_path, max_rows=3)
    for index in range(7):
        recorder.on_request(context={"rubench": record("r", float(index))})
    recorder.on_request(context={})  # not a rubench call: ignored
    recorder.close()
    parts = sorted((tmp_path / "requests").glob("part-*.parquet"))
    assert len(parts) == 3
    assert all(pq.read_schema(part).equals(SCHEMA) for part in parts)
    frame = load_requests(tmp_path)
    assert len(frame) == 7
    assert frame["ru"].sum() == sum(range(7))
    assert set(pq.read_table(parts[0])["partition_key"].to_pylist()) == {'["a", 1]'}


def test_ru_stats_merged_from_workers_equal_one_process():
    rng = random.Random(3)
    records = [
        record(rng.choice("abc"), round(rng.uniform(1, 50), 2), throttled=rng.randint(0, 2))
        for _ in range(3000)
    ]
    single, master = RuStats(), RuStats()
    workers = [RuStats(), RuStats(), RuStats()]
    for index, item in enumerate(records):
        single.add(item)
        workers[index % 3].add(item)
        if index % 500 == 0:  # periodic reports: only the change since the last one
            for worker in workers:
                master.merge(worker.drain())
    for worker in workers:
        master.merge(worker.drain())
    for name, entry in single.entries.items():
        merged = master.entries[name]
        assert merged.count == entry.count
        assert abs(merged.total - entry.total) < 1e-6
        assert merged.throttled == entry.throttled
        assert merged.percentile(95) == entry.percentile(95)
    total_row = master.rows()[-1]
    assert total_row["name"] == "Aggregated"
    assert total_row["count"] == 3000


def test_query_metrics_header_parses():
    metrics = parse_query_metrics(
        "totalExecutionTimeInMs=0.5;retrievedDocumentCount=12;outputDocumentCount=3;"
        "indexUtilizationRatio=0.25"
    )
    assert metrics["retrievedDocumentCount"] == 12
    assert metrics["indexUtilizationRatio"] == 0.25


def test_partition_key_ranges_of_an_attempt():
    # the SDK's own fan-out addresses one range per request
    assert partition_key_ranges({"x-ms-documentdb-partitionkeyrangeid": "3"}, {}) == ["3"]
    addressed = {"x-ms-documentdb-partitionkeyrangeid": "dbs1AAA==,7"}
    assert partition_key_ranges(addressed, {}) == ["7"]
    # a gateway that read several partitions answers with one session token per range
    served = {"x-ms-session-token": "0:-1#12,1:-1#7", "x-ms-documentdb-partitionkeyrangeid": ""}
    assert partition_key_ranges({}, served) == ["0", "1"]
    assert partition_key_ranges({}, {}) == []


def test_observer_waits_only_on_retried_throttles():
    observer = AttemptObserver(throttle_wait_ms=300.0, last_retry_after_ms=100.0, status=429)
    assert observer.settled_wait_ms() == 200.0
    observer.status = 200
    assert observer.settled_wait_ms() == 300.0


def test_observer_sees_a_fan_out_as_the_service_runs_it(database) -> None:
    """Through the real SDK: the 1004 and one request per range (the query plan request
    carries no per-call hook: it is a metadata row, see bench.harness.metadata)."""
    from azure.cosmos import PartitionKey

    container = database.create_container(
        "fanout", PartitionKey("/pk"), offer_throughput=18000
    )  # ceil(18000 / 6000) = 3 physical partitions
    for n in range(12):
        container.create_item({"id": str(n), "pk": f"p{n}", "n": n})
    charges: list[float] = []
    observer = AttemptObserver()

    def per_page(headers, _body) -> None:
        charges.append(float(headers["x-ms-request-charge"]))

    result = list(
        container.query_items(
            "SELECT VALUE SUM(c.n) FROM c",
            enable_cross_partition_query=True,
            raw_response_hook=observer,
            response_hook=per_page,
        )
    )
    assert result == [66]
    assert sorted(observer.pk_ranges) == ["0", "1", "2"]
    assert observer.attempts == 1 + 3  # the 1004, three ranges
    assert observer.ru == pytest.approx(sum(charges)) and len(charges) == 3


def test_index_metrics_of_a_fan_out_are_merged_once_per_index(database) -> None:
    """Through the real SDK: each range answers with its own index metrics; the call's
    record names each index once. A header that is not the service's document is none."""
    from azure.cosmos import PartitionKey

    container = database.create_container(
        "fanout_indexes", PartitionKey("/pk"), offer_throughput=18000
    )  # 3 physical partitions
    for n in range(12):
        container.create_item({"id": str(n), "pk": f"p{n}", "n": n, "m": n % 3})
    observer = AttemptObserver()
    items = list(
        container.query_items(
            "SELECT c.id FROM c WHERE c.n > 2 AND c.m = 1",
            enable_cross_partition_query=True,
            populate_index_metrics=True,
            raw_response_hook=observer,
        )
    )
    assert len(items) == 3 and len(observer.pk_ranges) == 3
    document = observer.index_metrics
    specs = [entry["IndexSpec"] for entry in document["UtilizedSingleIndexes"]]
    assert sorted(set(specs)) == ["/m/?", "/n/?"]
    entries = document["UtilizedSingleIndexes"]
    assert all(entries.count(entry) == 1 for entry in entries)  # 3 ranges named each once
    composites = [tuple(entry["IndexSpecs"]) for entry in document["PotentialCompositeIndexes"]]
    assert len(composites) == len(set(composites)) >= 1
    assert decode_index_metrics("not base64!") is None
    assert decode_index_metrics("WzEsMl0=") is None  # base64 of [1,2]: not the document
