"""What the target says the container has: its throughput offer and physical partitions.

The workload file says what a container *should* get when rubench creates it; a container
that already existed (seeded at another RU/s, scaled since, shared database throughput)
can have anything. Reports compare consumption with what the container really has, so it
is read from the target at the start of a run (and again at the end), and marked as the
workload file's figure, unverified, when the target does not tell::

    state = container_state(database_proxy, container_proxy, workload.container.throughput)
    state.throughput  # {"mode": "manual", "rus": 10000, "source": "target"}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bench.harness.workload import ThroughputSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContainerState:
    """`throughput`: {"mode", "rus", "source": "target" | "workload"}; `physical_partitions`
    is None when the target did not say."""

    throughput: dict[str, Any]
    physical_partitions: int | None

    @classmethod
    def from_workload(cls, workload_throughput: ThroughputSpec) -> ContainerState:
        """Nothing from the target: the workload file's throughput, unverified."""
        throughput = {"mode": workload_throughput.mode, "rus": workload_throughput.rus}
        return cls({**throughput, "source": "workload"}, None)


def container_state(
    database: Any, container: Any, workload_throughput: ThroughputSpec
) -> ContainerState:
    """Read the container's offer and partition key ranges through the sync SDK."""
    throughput = _offer(database, container)
    if throughput is None:
        throughput = ContainerState.from_workload(workload_throughput).throughput
    try:
        partitions: int | None = len(list(container.read_feed_ranges())) or None
    except Exception as error:
        log.info("rubench: the target did not list the container's partitions: %s", error)
        partitions = None
    return ContainerState(throughput, partitions)


def _offer(database: Any, container: Any) -> dict[str, Any] | None:
    """The container's own offer; else its database's (shared throughput); else None."""
    from azure.cosmos.exceptions import CosmosHttpResponseError

    for owner, proxy in (("container", container), ("database", database)):
        try:
            properties = proxy.get_throughput()
        except CosmosHttpResponseError as error:
            log.info("rubench: no %s offer from the target: %s", owner, error.status_code)
            continue
        except Exception as error:  # a target without offers may answer anything
            log.info("rubench: reading the %s offer failed: %s", owner, error)
            return None
        maximum = properties.auto_scale_max_throughput
        rus = maximum or properties.offer_throughput
        if not rus:
            return None
        mode = "autoscale" if maximum else "manual"
        if owner == "database":
            mode = f"shared {mode}"  # the database's RU/s, shared by its containers
        return {"mode": mode, "rus": rus, "source": "target"}
    return None
