"""Key-design figures on synthetic runs: partition heat, skew and fan-out with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import RubenchError
from bench.formatting import MISSING
from bench.keydesign.designs import parse_design, parse_designs
from bench.keydesign.figures import best_design, design_figures
from bench.keydesign.render import findings, render_html, render_text
from bench.rundata import load_run


def test_designs_parse_single_and_hierarchical_keys() -> None:
    assert parse_design("/categoryId").paths == ("/categoryId",)
    hierarchical = parse_design("/tenantId, /userId")
    assert hierarchical.paths == ("/tenantId", "/userId")
    assert hierarchical.container_name("products") == "products-by-tenantId-userId"
    for bad in ("categoryId", "/a,/b,/c,/d", "/a b", ""):
        with pytest.raises(RubenchError, match="partition key path like /categoryId"):
            parse_design(bad)
    with pytest.raises(RubenchError, match="at least two"):
        parse_designs(["/id"])
    with pytest.raises(RubenchError, match="given twice: /id"):
        parse_designs(["/id", "/id"])


def test_designs_must_name_fields_of_the_documents(tmp_path, rubench, capsys) -> None:
    workload = Path(__file__).with_name("workloads") / "skewed.toml"
    code = rubench(
        "compare-keys",
        "--workload",
        workload,
        "--key",
        "/id",
        "--key",
        "/tenantId,/userId",
        "--out",
        tmp_path / "keys",
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "--key /tenantId,/userId: the workload's documents have no /tenantId, /userId" in error
    assert "categoryId" in error  # lists the fields there are
    assert not (tmp_path / "keys").exists()


def test_skew_and_fan_out(tmp_path, rows, write_run) -> None:
    """By category: most reads hit partition 0 of 4; by id: even -> skew 1.0.
    The category query fans out to all 4 partitions when categoryId is not the key."""
    hot = write_run(
        tmp_path / "by-category",
        rows("point_read", "read", 300, 1.0, pk_range="0", throttled=[1, 0])
        + rows("point_read", "read", 100, 1.0, pk_range=["1", "2", "3"])
        + rows("query_by_category", "query", 40, 3.0, pk_range="0", partitions=1),
        physical_partitions=4,
    )
    even = write_run(
        tmp_path / "by-id",
        rows("point_read", "read", 400, 1.0, pk_range=["0", "1", "2", "3"])
        + rows("query_by_category", "query", 40, 12.0, pk_range="0,1,2,3", partitions=4),
        physical_partitions=4,
    )
    by_category = design_figures(parse_design("/categoryId"), load_run(hot))
    by_id = design_figures(parse_design("/id"), load_run(even))

    # partition 0 took 300 reads x 1 RU + 40 queries x 3 RU = 420 of 520 RU
    assert by_category.skew == pytest.approx(4 * 420 / 520)
    assert by_id.skew == pytest.approx(1.0)
    assert by_category.throttled_requests == 150
    assert by_id.throttled_requests == 0
    assert by_id.operations["query_by_category"].partitions_touched_mean == 4
    text = " ".join(findings([by_category, by_id]))
    assert "/categoryId: 1.18 RU per request, 34.1% of requests throttled" in text
    assert "query_by_category stays in one partition" in text
    assert "query_by_category fans out to 4.0 of 4 partitions on average" in text
    page = render_html([by_category, by_id], "Key designs <b>", {"/id": "by-id/report.html"})
    assert "Key designs &lt;b&gt;" in page
    assert page.count('class="hot"') == 1
    assert '<a href="by-id/report.html">run report</a>' in page


def test_a_design_whose_run_made_no_call_is_unknown_not_the_cheapest(
    tmp_path, rows, write_run
) -> None:
    """It showed 0.00 RU per request, 0% throttled, skew 1.00, and was picked as the best."""
    measured = write_run(tmp_path / "by-id", rows("point_read", "read", 100, 1.0, pk_range="0"))
    empty = write_run(tmp_path / "by-category", rows("metadata: query plan", "metadata", 5, 0.0))
    by_id = design_figures(parse_design("/id"), load_run(measured))
    by_category = design_figures(parse_design("/categoryId"), load_run(empty))

    assert by_category.ru_per_request is None
    assert by_category.throttle_rate is None
    assert by_category.skew is None
    assert best_design([by_category, by_id]) is by_id
    assert best_design([by_category]) is None
    text = findings([by_category, by_id])
    assert "/categoryId: the run made no call, so its figures are unknown." in text
    assert "Cheapest without heavy throttling: /id (1.00 RU per request)." in text
    row = next(line for line in render_text([by_category, by_id]).splitlines() if "/cat" in line)
    assert row.split()[1:] == ["0", MISSING, MISSING, "0", MISSING]
    render_html([by_category, by_id], "Key designs", {})  # renders without a figure
