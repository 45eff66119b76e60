"""429s through the gateway client: retried with the SDK's limits, every attempt counted,
and the RU the calls report equal to what the emulator's ledger charged."""

from __future__ import annotations

import gevent
import pytest
from azure.cosmos import DatabaseProxy, PartitionKey

from bench.gateway_client import CallStats, GatewayClient, GatewayError, RetryLimits

from .conftest import gateway_container

BIG = "x" * 50_000  # about 20 RU a create: 60 of them need three seconds of 400 RU/s


def _hammer(items, count: int) -> list:
    """`count` creates, all at once from greenlets; each result or GatewayError."""

    def create(n: int):
        try:
            return items.create_item({"id": str(n), "pk": "one", "big": BIG})
        except GatewayError as error:
            return error

    jobs = [gevent.spawn(create, n) for n in range(count)]
    gevent.joinall(jobs)
    return [job.value for job in jobs]


def test_429s_are_retried_and_every_attempt_is_charged_as_the_ledger_says(
    database: DatabaseProxy, emulator, ledger_of
) -> None:
    proxy = database.create_container("hot", PartitionKey("/pk"), offer_throughput=400)
    with GatewayClient(emulator.endpoint, emulator.key) as client:
        results = _hammer(gateway_container(client, proxy), count=60)
    stats = [r.stats for r in results]
    assert all(s.status == 201 for s in stats)  # the retries got every create through
    throttled = sum(s.throttled for s in stats)
    assert throttled > 0
    assert sum(s.attempts for s in stats) == 60 + throttled
    assert all(s.throttle_wait_ms > 0 for s in stats if s.throttled)
    ledger = ledger_of(proxy)
    assert ledger["throttled"] == throttled
    assert ledger["requests"] == sum(s.attempts for s in stats)
    assert ledger["request_charge"] == pytest.approx(sum(s.ru for s in stats), abs=0.01)


def test_retry_limits_are_configurable(database: DatabaseProxy, emulator, ledger_of) -> None:
    proxy = database.create_container("hotter", PartitionKey("/pk"), offer_throughput=400)
    limits = RetryLimits(max_retries=0)
    with GatewayClient(emulator.endpoint, emulator.key, retry=limits) as client:
        results = _hammer(gateway_container(client, proxy), count=60)
    failed = [r for r in results if isinstance(r, GatewayError)]
    assert failed and all(f.status == 429 and f.stats.attempts == 1 for f in failed)
    assert all(f.stats.throttle_wait_ms == 0 for f in failed)  # no retry, no wait
    assert "429" in str(failed[0])
    ledger = ledger_of(proxy)
    assert ledger["throttled"] == len(failed)
    assert ledger["request_charge"] == pytest.approx(sum(r.stats.ru for r in results), abs=0.01)


def test_retry_limits_refuse_negative_values() -> None:
    with pytest.raises(ValueError, match="max_retries=-1"):
        RetryLimits(max_retries=-1)


def test_a_call_killed_while_waiting_out_a_429_has_its_attempts_in_the_callers_stats(
    database: DatabaseProxy, emulator, ledger_of
) -> None:
    """Locust stops a run by killing its users' greenlets, also mid-call: the attempts
    made so far were charged, and the caller's own `stats` must hold them."""
    proxy = database.create_container("drained", PartitionKey("/pk"), offer_throughput=400)
    proxy.create_item({"id": "drain", "pk": "one", "big": "x" * 1_500_000})  # budget: gone
    before = ledger_of(proxy)
    stats = CallStats()
    with GatewayClient(emulator.endpoint, emulator.key) as client:
        items = gateway_container(client, proxy)
        call = gevent.spawn(items.create_item, {"id": "1", "pk": "one"}, stats=stats)
        while ledger_of(proxy)["throttled"] == before["throttled"] and not call.dead:
            gevent.sleep(0.02)
        call.kill()
    assert isinstance(call.value, gevent.GreenletExit)  # killed while waiting to retry
    after = ledger_of(proxy)
    assert stats.throttled == after["throttled"] - before["throttled"] > 0
    assert stats.attempts == after["requests"] - before["requests"]
    assert stats.ru == pytest.approx(after["request_charge"] - before["request_charge"])
