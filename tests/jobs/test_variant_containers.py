"""A variant's container that already exists (a remote account keeps them between
comparisons) is read back before a comparison runs: another key or indexing policy there
would credit its figures to a design it does not have."""

from __future__ import annotations

import asyncio
from pathlib import Path

from azure.cosmos import PartitionKey

from bench.harness.workload import load_workload
from bench.variants.runs import design_difference
from bench.variants.spec import parse_variant

WORKLOADS = Path(__file__).with_name("workloads")


def test_an_existing_container_with_another_design_is_named(client, local_target, new_name):
    workload = load_workload(WORKLOADS / "variants.toml")
    database = new_name("variants")
    workload = workload.model_copy(
        update={"container": workload.container.model_copy(update={"database": database})}
    )
    lean = parse_variant(f"lean:index={WORKLOADS / 'lean-index.json'}").applied_to(workload)
    by_id = parse_variant("byid:key=/id").applied_to(workload)
    assert asyncio.run(design_difference(lean, local_target)) == ""  # not there yet

    proxy = client.create_database(database)
    try:
        proxy.create_container("products-lean", PartitionKey("/categoryId"))
        proxy.create_container(
            "products-byid", PartitionKey("/id"), indexing_policy=lean.container.indexing_policy
        )
        assert asyncio.run(design_difference(lean, local_target)) == (
            "indexing again /description/?, /name/?, /padding/?"
        )
        assert asyncio.run(design_difference(by_id, local_target)) == (
            "excluding /description/?, /name/?, /padding/?"
        )
        proxy.delete_container("products-lean")
        proxy.create_container(
            "products-lean", PartitionKey("/id"), indexing_policy=lean.container.indexing_policy
        )
        assert asyncio.run(design_difference(lean, local_target)) == "partition key /id"
    finally:
        client.delete_database(database)
