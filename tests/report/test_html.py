"""The generated pages in headless Chromium: no errors, every chart drawn, nothing from
the workload executes, and the page prints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.perf.synthetic_run import write_synthetic_run
from bench.report import write_comparison_report, write_run_report

from .run_dirs import make_run, requests_frame, spread

RUN_CHARTS = 7  # latency, RU, throughput, RU/s, 429s and errors, RU and 429s per partition


def assert_charts_drawn(page: Any, expected: int) -> None:
    charts = page.locator("figure.chart svg.chart-svg")
    assert charts.count() == expected
    for index in range(expected):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 60, chart.get_attribute("aria-label")
        marks = chart.locator("polyline, rect, circle, line").count()
        assert marks > 5, f"{chart.get_attribute('aria-label')} draws nothing"


def test_run_report_in_chromium(open_page, synthetic_pair, tmp_path):
    html = write_run_report(synthetic_pair[0], tmp_path / "run.html")
    page, errors, requests = open_page(html)

    assert_charts_drawn(page, RUN_CHARTS)
    assert errors == []
    assert requests == [html.as_uri()]  # nothing fetched: no CDN, no fonts, no images
    assert page.locator("table.operations tbody tr").count() == 5  # 4 operations + total
    assert "hot key 'cat-7'" in page.locator("#findings").inner_text()
    page.screenshot(path=tmp_path / "run.png", full_page=True)
    assert (tmp_path / "run.png").stat().st_size > 50_000
    page.pdf(path=tmp_path / "run.pdf")  # prints
    assert (tmp_path / "run.pdf").stat().st_size > 20_000
    page.close()


def test_comparison_report_in_chromium(open_page, synthetic_pair, tmp_path):
    html = write_comparison_report(list(synthetic_pair), tmp_path / "comparison.html")
    page, errors, requests = open_page(html)

    assert_charts_drawn(page, RUN_CHARTS)
    assert errors == []
    assert requests == [html.as_uri()]
    verdicts = page.locator("#verdicts .verdict").all_inner_texts()
    assert len(verdicts) == 4
    assert all(v in ("worse", "mixed") for v in verdicts)  # 30% slower: p50 worse everywhere
    assert "gone:" in page.locator("#changed-findings").inner_text()  # the hot partition
    page.screenshot(path=tmp_path / "comparison.png", full_page=True)
    assert (tmp_path / "comparison.png").stat().st_size > 50_000
    page.close()


HOSTILE_OPERATION = "<script>window.__pwned = 1</script>"
HOSTILE_QUERY = 'SELECT * FROM c WHERE c.name = "</code><script>window.__pwned = 2</script>"'
HOSTILE_NAME = '<img src=x onerror="window.__pwned = 3">'
HOSTILE_INDEX = '/<svg onload="window.__pwned = 4">/?'  # what a target said about an index


def test_text_from_the_workload_stays_inert(open_page, tmp_path):
    frame = requests_frame(
        300, operation=HOSTILE_OPERATION, kind="query", timestamp=spread(300), ru=2.0
    )
    frame["index_metrics"] = json.dumps({"PotentialSingleIndexes": [{"IndexSpec": HOSTILE_INDEX}]})
    run_dir = make_run(
        tmp_path / "run",
        [frame, requests_frame(300, timestamp=spread(300))],
        name=HOSTILE_NAME,
        operations={HOSTILE_OPERATION: {"kind": "query", "weight": 1}},
    )
    (run_dir / "workload.toml").write_text(f"query = '{HOSTILE_QUERY}'\n")
    other = make_run(tmp_path / "other", [frame], name=HOSTILE_NAME)
    for html in (
        write_run_report(run_dir),
        write_comparison_report([run_dir, other], tmp_path / "comparison.html"),
    ):
        page, errors, requests = open_page(html)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("script, img").count() == 0
        assert errors == [] and requests == [html.as_uri()]
        text = page.locator("body").inner_text()
        assert HOSTILE_OPERATION in text and HOSTILE_NAME in text
        indexes = page.locator("#indexes").inner_text()
        assert f"single ({HOSTILE_INDEX}): 300 calls\n" in indexes  # no impact score: none said
        if html.name == "report.html":  # workload.toml, folded away
            assert HOSTILE_QUERY in page.locator("details pre").text_content()
        labels = page.locator("svg text").all_text_contents()
        assert any(label.startswith("<script>") for label in labels)  # shown, as text
        page.close()


@pytest.mark.parametrize("samples", [0, 1])
def test_tiny_runs_still_render(open_page, tmp_path, samples):
    run_dir = write_synthetic_run(tmp_path / "tiny", samples=samples, part_rows=10)
    page, errors, _ = open_page(write_run_report(run_dir))
    assert errors == []
    assert page.locator("svg.chart-svg").count() == RUN_CHARTS
    assert "Read these figures with care" in page.locator("body").inner_text()
    page.close()


def test_expected_non_2xx_answers_show_next_to_the_errors(tmp_path):
    """A 412 on If-Match is the workload working as designed: not an error, but visible."""
    frame = requests_frame(
        100,
        operation="price_update",
        kind="replace",
        status=[200] * 90 + [412] * 10,
        outcome=["ok"] * 90 + ["conflict"] * 10,
        timestamp=spread(100),
    )
    page = write_run_report(make_run(tmp_path / "run", [frame])).read_text()
    assert "10 If-Match conflicts (412)" in page
    assert "412: " not in page  # not counted among the errors


def test_runs_of_one_workload_are_told_apart_by_their_directories(tmp_path):
    frame = requests_frame(50, timestamp=spread(50))
    runs = [make_run(tmp_path / name, [frame]) for name in ("by-category", "by-id")]
    page = write_comparison_report(runs, tmp_path / "comparison.html").read_text()
    assert "<h1>Comparison: by-category (baseline) against by-id</h1>" in page
