"""`rubench compare-keys` on the local emulator: a hot category concentrates the load on one
physical partition under /categoryId, so that design throttles more and is more skewed
than /id under the same documents, mix and load."""

from __future__ import annotations

from pathlib import Path

from bench.rundata import load_run
from bench.variants.figures import variant_figures
from bench.variants.spec import key_variant

WORKLOADS = Path(__file__).with_name("workloads")


def test_skewed_design_throttles_more_and_is_hotter(tmp_path: Path, rubench, capsys) -> None:
    out = tmp_path / "keys"
    code = rubench(
        "compare-keys",
        "--workload",
        WORKLOADS / "skewed.toml",
        "--key",
        "/categoryId",
        "--key",
        "/id",
        "--users",
        "8",
        "--duration",
        "6s",
        "--out",
        out,
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert f"comparison report: {out / 'comparison.html'}" in printed

    by_category = variant_figures(key_variant("/categoryId"), load_run(out / "categoryId"))
    by_id = variant_figures(key_variant("/id"), load_run(out / "id"))
    assert len(by_category.partitions) == len(by_id.partitions) == 4
    assert by_category.skew > by_id.skew
    assert by_category.throttle_rate > by_id.throttle_rate
    assert by_category.throttled_requests > 0

    page = (out / "comparison.html").read_text()
    assert "/categoryId" in page and "/id" in page
    assert (out / "runs-comparison.html").exists()
