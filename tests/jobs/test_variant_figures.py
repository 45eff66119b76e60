"""Variant figures on synthetic runs: partition heat, skew and fan-out with known answers;
`--key` values as compare-keys reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import RubenchError
from bench.formatting import MISSING
from bench.rundata import load_run
from bench.variants.figures import best_variant, variant_figures
from bench.variants.policy import policy_changes
from bench.variants.render import findings, render_html, render_text
from bench.variants.spec import check_variants, key_variant
from bench.variants.tradeoffs import covers


def test_designs_parse_single_and_hierarchical_keys() -> None:
    assert key_variant("/categoryId").key == ("/categoryId",)
    hierarchical = key_variant("/tenantId, /userId")
    assert hierarchical.key == ("/tenantId", "/userId")
    assert hierarchical.label == "/tenantId,/userId"
    assert hierarchical.container_name("products") == "products-tenantId-userId"
    for bad in ("categoryId", "/a,/b,/c,/d", "/a b", ""):
        with pytest.raises(RubenchError, match="partition key path like /categoryId"):
            key_variant(bad)
    with pytest.raises(RubenchError, match="at least two"):
        check_variants([key_variant("/id")], "compare-keys")
    with pytest.raises(RubenchError, match="given twice: /id, id"):
        check_variants([key_variant("/id"), key_variant("/id")], "compare-keys")


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
    by_category = variant_figures(key_variant("/categoryId"), load_run(hot))
    by_id = variant_figures(key_variant("/id"), load_run(even))

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


def test_a_variant_whose_run_made_no_call_is_unknown_not_the_cheapest(
    tmp_path, rows, write_run
) -> None:
    """It showed 0.00 RU per request, 0% throttled, skew 1.00, and was picked as the best."""
    measured = write_run(tmp_path / "by-id", rows("point_read", "read", 100, 1.0, pk_range="0"))
    empty = write_run(tmp_path / "by-category", rows("metadata: query plan", "metadata", 5, 0.0))
    by_id = variant_figures(key_variant("/id"), load_run(measured))
    by_category = variant_figures(key_variant("/categoryId"), load_run(empty))

    assert by_category.ru_per_request is None
    assert by_category.throttle_rate is None
    assert by_category.skew is None
    assert best_variant([by_category, by_id]) is by_id
    assert best_variant([by_category]) is None
    text = " ".join(findings([by_category, by_id]))
    assert "/categoryId: the run made no call, so its figures are unknown." in text
    assert "Cheapest without heavy throttling: /id (1.00 RU per request)." in text
    row = next(line for line in render_text([by_category, by_id]).splitlines() if "/cat" in line)
    assert row.split()[-4:] == [MISSING, MISSING, "0", MISSING]
    page = render_html([by_category, by_id], "Key designs", {})
    assert "/categoryId: the run made no call, so its figures are unknown." in page


def test_policy_changes_in_words() -> None:
    default: dict = {}
    lean = {"excludedPaths": [{"path": "/description/?"}, {"path": '/"_etag"/?'}]}
    composite = {
        "compositeIndexes": [[{"path": "/name"}, {"path": "/price", "order": "descending"}]]
    }
    assert policy_changes(default, lean) == ["excluding /description/?"]
    assert policy_changes(lean, default) == ["indexing again /description/?"]
    assert policy_changes(default, composite) == [
        "adding the composite index (/name ASC, /price DESC)"
    ]
    two = {"compositeIndexes": [*composite["compositeIndexes"], [{"path": "/a"}, {"path": "/b"}]]}
    assert policy_changes(default, two) == [
        "adding the composite indexes (/a ASC, /b ASC), (/name ASC, /price DESC)"
    ]
    assert policy_changes(default, {"indexingMode": "none"}) == [
        "indexingMode none instead of consistent"
    ]
    only_price = {"includedPaths": [{"path": "/price/?"}], "excludedPaths": [{"path": "/*"}]}
    assert policy_changes(default, only_price) == [
        "excluding /*",
        "including /price/?",
        "no longer including /*",
    ]
    service_default = {  # what the service returns for a container created without one
        "indexingMode": "consistent",
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": '/"_etag"/?'}],
    }
    assert policy_changes(default, service_default) == []


def test_which_document_paths_an_excluded_path_covers() -> None:
    assert covers("/price/?", "/price") and not covers("/price/?", "/price/currency")
    assert covers("/address/*", "/address/city") and covers("/address/*", "/address")
    assert not covers("/addr/*", "/address") and covers("/*", "/anything")
    assert covers('/"name"/?', "/name")


def test_a_variant_whose_calls_partly_failed_is_not_priced(tmp_path) -> None:
    """10% of its queries failed at 1 RU: pricing it would name it cheapest for failing."""
    from bench.capacity.designs import plan_comparison
    from bench.capacity.prices import PriceTable
    from bench.perf.synthetic_run import make_run, requests_frame, spread
    from bench.variants.manifest import ComparisonManifest, VariantEntry, write_manifest

    def run(name: str, failed: int) -> None:
        ok = requests_frame(1000 - failed, operation="q", kind="query", ru=20.0,
                            timestamp=spread(1000 - failed))  # fmt: skip
        parts = [ok]
        if failed:
            parts.append(requests_frame(failed, operation="q", kind="query", status=400,
                                        outcome="error", timestamp=spread(failed)))  # fmt: skip
        make_run(tmp_path / name, parts)

    run("base", 0)
    run("broken", 100)
    entries = tuple(
        VariantEntry(name=n, label=n, settings=n, run_dir=n) for n in ("base", "broken")
    )
    write_manifest(tmp_path, ComparisonManifest(title="t", workload="w", variants=entries))
    plans, unpriced = plan_comparison(
        tmp_path, peak_rate=100, mix_file=None, headroom=0.2, prices=PriceTable()
    )
    assert [p.variant for p in plans] == ["base"]
    assert [u.variant for u in unpriced] == ["broken"]
    assert "over 1% of the calls of q failed" in unpriced[0].problem
