"""Provisioned throughput rules and per-partition budgets, on a simulated clock."""

from __future__ import annotations

import threading

import pytest

from bench.emulator.errors import CosmosError
from bench.emulator.throughput import (
    BURST_BANK_SECONDS,
    BURST_RATE_RUS,
    PartitionBudget,
    SharedThroughputPool,
    Throughput,
    partitions_at_creation,
    partitions_required,
    per_partition_rus,
)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"manual_rus": 300}, "at least 400"),
        ({"manual_rus": 450}, "steps of 100"),
        ({"autoscale_max_rus": 1500}, "steps of 1000"),
        ({"autoscale_max_rus": 500}, "at least 1000"),
        ({"manual_rus": 400, "autoscale_max_rus": 1000}, "not both"),
        ({"manual_rus": 400.5}, "whole number"),
    ],
)
def test_service_limits_rejected_with_400(kwargs: dict, words: str) -> None:
    with pytest.raises(CosmosError) as caught:
        Throughput(**kwargs)
    assert caught.value.status == 400
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("throughput", "partitions"),
    [
        (Throughput(manual_rus=400), 1),
        (Throughput(manual_rus=6000), 1),
        (Throughput(manual_rus=6100), 2),
        (Throughput(manual_rus=30000), 5),
        (Throughput(autoscale_max_rus=10000), 1),
        (Throughput(autoscale_max_rus=20000), 2),
        (Throughput(), 1),
    ],
)
def test_partitions_at_creation(throughput: Throughput, partitions: int) -> None:
    assert partitions_at_creation(throughput) == partitions


def test_raise_past_ten_thousand_per_partition_splits_and_never_merges() -> None:
    assert partitions_required(Throughput(manual_rus=10000), 1) == 1
    assert partitions_required(Throughput(manual_rus=10100), 1) == 2
    assert partitions_required(Throughput(autoscale_max_rus=40000), 2) == 4
    assert partitions_required(Throughput(manual_rus=400), 3) == 3


def test_partitions_share_the_rus_evenly_and_serverless_has_no_budget() -> None:
    assert per_partition_rus(Throughput(manual_rus=12000), 3) == 4000
    assert per_partition_rus(Throughput(autoscale_max_rus=4000), 1) == 4000  # scales up at once
    assert per_partition_rus(Throughput(), 1) is None
    assert Throughput().serverless and not Throughput(manual_rus=400).serverless


def drive(budget: PartitionBudget, charge: float, start: float, seconds: float) -> float:
    """Greedy client on a 10 ms simulated clock; returns the RU admitted."""
    admitted, now = 0.0, start
    while now < start + seconds:
        if budget.admit(now) is None:
            budget.debit(charge, now)
            admitted += charge
        else:
            now += 0.01
    return admitted


@pytest.mark.parametrize("charge", [1.0, 7.3, 150.0])
def test_long_run_rate_is_the_provisioned_rate(charge: float) -> None:
    budget = PartitionBudget(500)
    admitted = drive(budget, charge, start=100.0, seconds=10)
    # One extra request of overdraft at most: the debt it leaves is paid later.
    assert 500 * 10 <= admitted <= 500 * 10 + charge


def test_retry_after_points_at_the_second_that_has_budget_again() -> None:
    budget = PartitionBudget(400)
    budget.debit(400, now=50.2)
    assert budget.admit(50.7) == 300  # the budget refills at 51.0
    budget.debit(900, now=50.8)  # 900 RU over: 51 and 52 pay 800, 53 pays 100 and has 300 left
    assert budget.admit(50.9) == 2100
    assert budget.admit(52.5) == 500
    assert budget.admit(53.0) is None


def test_serverless_never_throttles() -> None:
    budget = PartitionBudget(None)
    budget.debit(1e9, now=1.0)
    assert budget.admit(1.0) is None


def test_burst_is_off_by_default() -> None:
    budget = PartitionBudget(400)
    budget.admit(0.0)
    assert drive(budget, 10, start=10.0, seconds=1) == 400


def test_burst_banks_idle_capacity_and_spends_it_up_to_3000_rus() -> None:
    budget = PartitionBudget(400, burst=True)
    budget.admit(0.0)  # created at 0, idle for 5 s: 5 x 400 RU banked
    assert drive(budget, 10, start=5.0, seconds=1) == pytest.approx(400 + 2000, abs=10)
    budget = PartitionBudget(400, burst=True)
    budget.admit(0.0)  # idle 100 s: the bank holds more than one second's burst
    assert drive(budget, 10, start=100.0, seconds=1) == pytest.approx(BURST_RATE_RUS, abs=10)


def test_burst_bank_holds_at_most_300_seconds() -> None:
    budget = PartitionBudget(400, burst=True)
    budget.admit(0.0)
    spent = drive(budget, 10, start=10_000.0, seconds=(BURST_BANK_SECONDS * 400) / 2600 + 5)
    # Bank of 300 s x 400 RU spent at 3000 RU/s, then back to the plain 400 RU/s.
    seconds = (BURST_BANK_SECONDS * 400) / 2600 + 5
    assert spent == pytest.approx(BURST_BANK_SECONDS * 400 + 400 * seconds, rel=0.02)


def test_partitions_at_or_above_3000_rus_do_not_burst() -> None:
    budget = PartitionBudget(3000, burst=True)
    budget.admit(0.0)
    assert drive(budget, 10, start=20.0, seconds=1) == 3000


def test_concurrent_debits_are_all_counted() -> None:
    budget = PartitionBudget(1000)
    budget.admit(0.0)

    def spend() -> None:
        for _ in range(1000):
            budget.debit(1.0, now=0.5)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 8000 RU spent in second 0 at 1000 RU/s: seconds 1..7 pay the debt, 8 is free.
    assert budget.admit(7.5) == 500
    assert budget.admit(8.0) is None


def test_shared_database_pool_lets_one_container_throttle_another() -> None:
    pool = SharedThroughputPool(Throughput(manual_rus=12000))
    assert len(pool.budgets) == 2
    assert all(b.rus_per_second == 6000 for b in pool.budgets)
    orders, carts = pool.budget_for(0), pool.budget_for(2)  # two containers' first ranges
    assert orders is carts
    orders.debit(6000, now=1.0)
    assert carts.admit(1.5) == 500
    assert pool.budget_for(1).admit(1.5) is None
