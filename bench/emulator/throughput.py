"""Provisioned throughput: per-physical-partition RU budgets and 429 throttling.

The service splits a container's (or shared-throughput database's) RU/s
evenly over its physical partitions and gives each a budget that refills
every second; a request that finds its partition's budget spent gets 429
(sub-status 3200) with `x-ms-retry-after-ms`. The storage keeps one
`PartitionBudget` per physical partition; the HTTP layer calls `admit`
before running a request on a partition and `debit` after it with the
request's charge (a partition may go into debt and pays it off from the
following seconds, so the long-run rate is exactly the provisioned one).

    >>> throughput = Throughput(manual_rus=400)
    >>> budget = PartitionBudget(per_partition_rus(throughput, partitions_at_creation(throughput)))
    >>> budget.admit(now=10.0) is None
    True
    >>> budget.debit(500, now=10.0)  # 100 RU of debt into the next second
    >>> budget.admit(now=10.25)  # second 11's budget pays the debt and has 300 RU left
    750
    >>> budget.admit(now=11.0) is None
    True
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from bench.emulator.errors import CosmosError

PARTITION_MAX_RUS = 10_000  # a physical partition serves at most 10,000 RU/s
MANUAL_RUS_PER_PARTITION_AT_CREATION = 6_000  # manual: ceil(RU/s / 6000) partitions at creation
MANUAL_MIN_RUS, MANUAL_STEP_RUS = 400, 100
AUTOSCALE_MIN_MAX_RUS, AUTOSCALE_STEP_RUS = 1_000, 1_000
# Burst capacity (opt-in): a partition under 3000 RU/s banks up to 300 s of
# unused RU/s and spends the bank at up to 3000 RU/s.
BURST_RATE_RUS = 3_000
BURST_BANK_SECONDS = 300


@dataclass(frozen=True)
class Throughput:
    """How a container (or shared-throughput database) is provisioned; the service's limits
    are checked on construction (CosmosError 400, as the service answers)."""

    manual_rus: int | None = None  # manual RU/s
    autoscale_max_rus: int | None = None  # autoscale Tmax (scales 10%..100%)
    # The autoscale auto-upgrade policy's increment percent: stored and returned on the
    # offer as sent; the emulator never raises Tmax by itself.
    autoscale_increment_percent: int | None = None

    def __post_init__(self) -> None:
        if self.manual_rus is not None and self.autoscale_max_rus is not None:
            raise CosmosError(400, "Specify either manual throughput or autoscale, not both.")
        increment = self.autoscale_increment_percent
        if increment is not None:
            if self.autoscale_max_rus is None:
                raise CosmosError(
                    400, "An autoscale increment percent needs an autoscale max throughput."
                )
            if type(increment) is not int or increment < 0:
                raise CosmosError(
                    400,
                    f"The autoscale increment percent {increment!r} is invalid: use a whole "
                    "number >= 0.",
                )
        if self.manual_rus is not None:
            _check_steps("manual throughput", self.manual_rus, MANUAL_MIN_RUS, MANUAL_STEP_RUS)
        if self.autoscale_max_rus is not None:
            _check_steps(
                "autoscale max throughput",
                self.autoscale_max_rus,
                AUTOSCALE_MIN_MAX_RUS,
                AUTOSCALE_STEP_RUS,
            )

    @property
    def serverless(self) -> bool:
        return self.manual_rus is None and self.autoscale_max_rus is None

    @property
    def max_rus(self) -> int | None:
        """The RU/s the partitions can spend: autoscale scales between 10% and 100% of Tmax
        at once, so only Tmax limits requests (the floor matters for billing alone)."""
        return self.manual_rus if self.manual_rus is not None else self.autoscale_max_rus


def _check_steps(what: str, value: int, minimum: int, step: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CosmosError(400, f"The {what} must be a whole number of RU/s, got {value!r}.")
    if value < minimum:
        raise CosmosError(
            400,
            f"Requested throughput {value} is less than required minimum throughput {minimum} "
            f"(the {what} is at least {minimum} RU/s, in steps of {step}).",
        )
    if value % step:
        raise CosmosError(
            400,
            f"The {what} {value} RU/s is not allowed: it must be at least {minimum} RU/s "
            f"in steps of {step}.",
        )


def partitions_at_creation(throughput: Throughput) -> int:
    """Physical partitions a new container starts with (manual ceil(RU/s / 6000),
    autoscale ceil(max / 10000), serverless 1)."""
    if throughput.manual_rus is not None:
        return max(1, -(-throughput.manual_rus // MANUAL_RUS_PER_PARTITION_AT_CREATION))
    if throughput.autoscale_max_rus is not None:
        return max(1, -(-throughput.autoscale_max_rus // PARTITION_MAX_RUS))
    return 1


def partitions_required(throughput: Throughput, current: int) -> int:
    """Partitions needed after a throughput change: at most 10,000 RU/s per partition;
    partitions are never merged away."""
    top = throughput.max_rus or 0
    return max(current, -(-top // PARTITION_MAX_RUS))


def per_partition_rus(throughput: Throughput, partitions: int) -> float | None:
    """Each physical partition's share of the RU/s (None: serverless, never throttled)."""
    top = throughput.max_rus
    return None if top is None else top / max(1, partitions)


class PartitionBudget:
    """One physical partition's per-second RU budget; thread-safe.

    Seconds are whole seconds of the caller's clock (`now`, e.g.
    `time.monotonic()`). Spending past the budget is allowed (a request is
    only refused when it *starts* with nothing left) and becomes debt that
    the next seconds' budgets pay off first.
    """

    def __init__(self, rus_per_second: float | None, *, burst: bool = False) -> None:
        self.rus_per_second = rus_per_second
        # Burst room: how much faster than its rate a partition may spend from its bank.
        bursting = burst and rus_per_second is not None and rus_per_second < BURST_RATE_RUS
        self._burst_room = BURST_RATE_RUS - rus_per_second if bursting else 0.0
        self._lock = threading.Lock()
        self._second: int | None = None
        self._spent = 0.0  # charged against this second's budget (may exceed it: debt)
        self._bank = 0.0  # burst capacity banked from idle seconds
        self._burst_spent = 0.0  # taken from the bank this second

    def _roll(self, now: float) -> None:
        """Move to the second `now` is in: refill, pay debt, bank what went unused."""
        second = math.floor(now)
        if self._second is None:
            self._second = second
            return
        elapsed = second - self._second
        if elapsed <= 0 or self.rus_per_second is None:
            return
        refill = self.rus_per_second * elapsed
        if self._burst_room:
            unused = max(0.0, refill - self._spent)
            self._bank = min(self._bank + unused, self.rus_per_second * BURST_BANK_SECONDS)
        self._spent = max(0.0, self._spent - refill)
        self._burst_spent = 0.0
        self._second = second

    def admit(self, now: float) -> int | None:
        """None when the request may run, else the retry-after in milliseconds (-> 429/3200):
        the time until the second whose budget is not already spent by debt."""
        if self.rus_per_second is None:
            return None
        with self._lock:
            self._roll(now)
            rate = self.rus_per_second
            if self._spent < rate or self._can_burst():
                return None
            seconds_of_debt = math.floor((self._spent - rate) / rate) + 1
            wait = math.floor(now) + seconds_of_debt - now
            return max(1, math.ceil(round(wait * 1000, 6)))

    def _can_burst(self) -> bool:
        return self._bank > 0 and self._burst_spent < self._burst_room

    def debit(self, request_units: float, now: float) -> None:
        """Spend `request_units` that a request on this partition was charged."""
        if self.rus_per_second is None:
            return
        with self._lock:
            self._roll(now)
            self._spent += request_units
            over = self._spent - self.rus_per_second
            if over > 0 and self._burst_room:
                room = max(0.0, self._burst_room - self._burst_spent)
                from_bank = min(over, self._bank, room)
                self._bank -= from_bank
                self._burst_spent += from_bank
                self._spent -= from_bank


class SharedThroughputPool:
    """A shared-throughput database's RU/s: the database's physical partitions each have
    a budget, and every container in the database draws on them (container range i on
    budget i mod n), so one busy container throttles its neighbours as on the service."""

    def __init__(self, throughput: Throughput, *, burst: bool = False) -> None:
        count = partitions_at_creation(throughput)
        rate = per_partition_rus(throughput, count)
        self.throughput = throughput
        self.budgets = [PartitionBudget(rate, burst=burst) for _ in range(count)]

    def budget_for(self, range_index: int) -> PartitionBudget:
        return self.budgets[range_index % len(self.budgets)]
