"""Start your own scenario from this file: copy it, point it at your workload file, and
add Python tasks where a workload file is not enough.

    cp locustfiles/my_workload.py locustfiles/orders.py
    locust -f locustfiles/orders.py --host https://myaccount.documents.azure.com:443/

With an account endpoint, the key comes from COSMOS_KEY, else Microsoft Entra ID
(DefaultAzureCredential). Every call made through `self.operations.calls` is timed,
charged in RU and recorded like the built-in operations.
"""

from pathlib import Path

from locust import between, task

from bench.harness import plugin  # noqa: F401  (RU recording, run directory, RU web UI tab)
from bench.harness.user import CosmosUser
from bench.harness.workload import workload_from_environment

WORKLOAD = workload_from_environment(Path(__file__).parent.parent / "workloads" / "catalog.toml")


class MyUser(CosmosUser):
    workload = WORKLOAD
    wait_time = between(0.01, 0.05)

    @task(10)
    def point_read(self) -> None:
        self.operations.run(WORKLOAD.operations["point_read"])

    @task(1)
    def cheapest_in_category(self) -> None:
        """A hand-written query: any SDK call works inside `calls.call`."""
        document, pk = self.operations.existing()
        sql = "SELECT TOP 5 c.id, c.price FROM c WHERE c.categoryId = @cat ORDER BY c.price"
        parameters = [{"name": "@cat", "value": document["categoryId"]}]
        self.operations.calls.call(
            "cheapest_in_category",
            "query",
            lambda **hook: list(
                self.operations.container.query_items(
                    sql, parameters=parameters, partition_key=pk, **hook
                )
            ),
            items=len,
            partition_key=pk,
        )
