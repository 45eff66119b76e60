"""Query pages' charges, as their headers show them, add up to the ledger to the cent."""

from __future__ import annotations

import random

from azure.cosmos import CosmosClient, PartitionKey

from bench.emulator import LocalEmulator, fetch_ledger


def test_page_headers_sum_to_the_ledger(emulator: LocalEmulator, new_name):
    client = CosmosClient(emulator.endpoint, emulator.key)
    database = client.create_database(new_name("cents"))
    try:
        container = database.create_container(new_name("pages"), PartitionKey("/pk"))
        generator = random.Random(7)
        for number in range(7):
            container.create_item(
                {"id": f"d{number}", "pk": "p", "text": "x" * generator.randint(1, 3000)}
            )
        charges: list[float] = []
        for size in (2, 3, 4, 5, 6):
            for query in ("SELECT * FROM c", "SELECT c.id, c.text FROM c WHERE c.pk = 'p'"):
                pages = container.query_items(
                    query,
                    partition_key="p",
                    max_item_count=size,
                    response_hook=lambda headers, _: charges.append(
                        float(headers["x-ms-request-charge"])
                    ),
                )
                assert len(list(pages)) == 7
        ledger = fetch_ledger(emulator.endpoint, emulator.key)
        link = f"dbs/{database.id}/colls/{container.id}"
        charged = ledger["containers"][link]["operations"]["Query"]["request_charge"]
        assert round(sum(charges), 2) == charged
    finally:
        client.delete_database(database)
