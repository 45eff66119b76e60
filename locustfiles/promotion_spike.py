"""A promotion spike on the product catalog: baseline load, a ramp to N times the
baseline, a hold at the peak, then back to baseline (a Locust LoadTestShape).

    locust -f locustfiles/promotion_spike.py --host http://127.0.0.1:8081 --headless

Tune with SPIKE_BASELINE (users, default 10), SPIKE_FACTOR (default 5) and
SPIKE_STAGE_S (seconds per stage, default 30).
"""

import os
from pathlib import Path

from locust import LoadTestShape

from bench.harness import plugin  # noqa: F401  (RU recording, run directory, RU web UI tab)
from bench.harness.user import workload_user
from bench.harness.workload import workload_from_environment

WORKLOAD = workload_from_environment(Path(__file__).parent.parent / "workloads" / "catalog.toml")
ShopperUser = workload_user(WORKLOAD, name="ShopperUser")


class PromotionSpike(LoadTestShape):
    """baseline -> ramp -> peak hold -> back to baseline -> stop."""

    baseline = int(os.environ.get("SPIKE_BASELINE", "10"))
    factor = float(os.environ.get("SPIKE_FACTOR", "5"))
    stage_s = float(os.environ.get("SPIKE_STAGE_S", "30"))

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        peak = round(self.baseline * self.factor)
        # a stage must outlast its spawn time, or Locust skips it: spawn fast enough
        ramp_rate = max(1.0, (peak - self.baseline) / max(1.0, self.stage_s / 2))
        stages = [
            (self.stage_s, self.baseline, self.baseline),  # baseline
            (2 * self.stage_s, peak, ramp_rate),  # ramp to the peak
            (3 * self.stage_s, peak, ramp_rate),  # hold
            (4 * self.stage_s, self.baseline, ramp_rate),  # back
        ]
        for end, users, rate in stages:
            if elapsed < end:
                return users, rate
        return None
