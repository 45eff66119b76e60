"""The emulator's ledger: totals by container, partition and operation, thread-safe."""

from __future__ import annotations

import json
import threading

from bench.emulator.ledger import Ledger

ORDERS = "dbs/shop/colls/orders"


def test_snapshot_breaks_totals_down_by_partition_and_operation() -> None:
    ledger = Ledger()
    ledger.record(
        container=ORDERS, partition="0", operation="Create", request_charge=5.71, status=201
    )
    ledger.record(container=ORDERS, partition="0", operation="Read", request_charge=1.0, status=200)
    ledger.record(container=ORDERS, partition="1", operation="Read", request_charge=0.0, status=429)
    ledger.record(
        container="", partition="", operation="ReadDatabase", request_charge=1.0, status=200
    )

    snapshot = json.loads(json.dumps(ledger.snapshot()))  # JSON-ready

    assert snapshot["total"] == {"request_charge": 7.71, "requests": 4, "throttled": 1}
    orders = snapshot["containers"][ORDERS]
    assert orders["request_charge"] == 6.71 and orders["requests"] == 3
    assert orders["operations"]["Read"] == {"request_charge": 1.0, "requests": 2, "throttled": 1}
    assert orders["partitions"]["0"]["request_charge"] == 6.71
    assert orders["partitions"]["1"] == {
        "request_charge": 0.0,
        "requests": 1,
        "throttled": 1,
        "operations": {"Read": {"request_charge": 0.0, "requests": 1, "throttled": 1}},
    }
    assert snapshot["containers"][""]["operations"]["ReadDatabase"]["requests"] == 1


def test_concurrent_records_sum_exactly_to_two_decimals() -> None:
    ledger = Ledger()

    def record(partition: str) -> None:
        for _ in range(2000):
            ledger.record(
                container=ORDERS,
                partition=partition,
                operation="Upsert",
                request_charge=10.29,
                status=200,
            )

    threads = [threading.Thread(target=record, args=(str(i % 3),)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = ledger.snapshot()["total"]
    assert total["requests"] == 12000
    assert total["request_charge"] == 123480.0


def test_empty_ledger_snapshot() -> None:
    assert Ledger().snapshot() == {
        "total": {"request_charge": 0.0, "requests": 0, "throttled": 0},
        "containers": {},
    }
