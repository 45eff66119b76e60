"""The product-catalog mix (workloads/catalog.toml) as a plain locustfile.

    rubench seed --workload workloads/catalog.toml --target http://127.0.0.1:8081
    locust -f locustfiles/catalog.py --host http://127.0.0.1:8081

Set RUBENCH_WORKLOAD to run another workload file with the same user.
"""

from pathlib import Path

from bench.harness import plugin  # noqa: F401  (RU recording, run directory, RU web UI tab)
from bench.harness.user import workload_user
from bench.harness.workload import workload_from_environment

WORKLOAD = workload_from_environment(Path(__file__).parent.parent / "workloads" / "catalog.toml")
CatalogUser = workload_user(WORKLOAD, name="CatalogUser")
