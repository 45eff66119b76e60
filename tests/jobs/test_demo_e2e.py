"""`rubench demo` end to end: emulator, two designs, the comparison report and the plan."""

from __future__ import annotations

import time
from pathlib import Path


def test_demo_writes_comparison_and_plan(tmp_path: Path, rubench, capsys) -> None:
    out = tmp_path / "demo"
    started = time.monotonic()
    assert rubench("demo", "--out", out, "--duration", "5s") == 0
    assert time.monotonic() - started < 120

    printed = capsys.readouterr().out
    assert f"comparison report: {out / 'comparison.html'}" in printed
    assert f"capacity plan:     {out / 'plan.html'}" in printed
    assert "Manual throughput:" in printed
    assert "Cheapest without heavy throttling:" in printed
    assert "Partition-key designs: demo-catalog" in (out / "comparison.html").read_text()
    assert "Capacity plan: 5,000 requests/s" in (out / "plan.html").read_text()
