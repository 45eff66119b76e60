"""The locustfile `rubench run` starts: one user class for the workload named by the
RUBENCH_WORKLOAD environment variable, plus rubench's recording plugin."""

from bench.harness import plugin  # noqa: F401  (registers rubench's listeners)
from bench.harness.user import workload_user
from bench.harness.workload import workload_from_environment

WorkloadUser = workload_user(workload_from_environment())
