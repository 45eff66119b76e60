"""`rubench compare` and `rubench plan` over its output, end to end: Locust and the real SDK
against the local emulator, one comparison of five variants (two indexing policies, a key,
a throughput with Strong consistency) shared by the tests of this module."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.cli import main
from bench.rundata import Run, load_run
from bench.variants.figures import variant_figures
from bench.variants.spec import parse_variant

WORKLOADS = Path(__file__).with_name("workloads")
WORKLOAD = WORKLOADS / "variants.toml"
LEAN = WORKLOADS / "lean-index.json"  # excludes /description, /name, /padding
NO_PRICE = WORKLOADS / "no-price-index.json"  # the same, and /price
VARIANTS = (
    "base",
    f"lean:index={LEAN}",
    f"noprice:index={NO_PRICE}",
    "byid:key=/id",
    "strong:throughput=autoscale:4000;consistency=Strong",
)


@dataclass(frozen=True)
class Compared:
    out: Path
    printed: str

    def run(self, name: str) -> Run:
        return load_run(self.out / name)

    def ru(self, name: str, operation: str) -> float:
        return self.run(name).summary.operations[operation].ru.mean


def _rubench(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    out = tmp_path_factory.mktemp("compare") / "variants"
    argv = ["compare", "--workload", WORKLOAD, "--users", "2", "--duration", "3s", "--out", out]
    for variant in VARIANTS:
        argv += ["--variant", variant]
    code, printed, errors = _rubench(*argv)
    assert code == 0, errors
    return Compared(out, printed)


def test_excluding_paths_makes_creates_cheaper(compared: Compared) -> None:
    lean = compared.run("lean")
    excluded = [entry["path"] for entry in lean.info.container.indexing_policy["excludedPaths"]]
    assert "/description/?" in excluded
    assert lean.info.container.container == "products-lean"
    assert compared.ru("lean", "new_product") < compared.ru("base", "new_product")
    assert compared.ru("lean", "point_read") == compared.ru("base", "point_read")
    assert (
        "lean vs base: excluding /description/?, /name/?, /padding/? saves "
        f"{compared.ru('base', 'new_product') - compared.ru('lean', 'new_product'):.2f} RU "
        "per new_product (create)"
    ) in compared.printed
    assert "no query of the workload pays for it" in compared.printed


def test_a_query_on_an_excluded_path_says_keep_it(compared: Compared) -> None:
    base, no_price = compared.ru("base", "query_by_price"), compared.ru("noprice", "query_by_price")
    assert no_price > base
    assert compared.ru("noprice", "price_update") < compared.ru("base", "price_update")
    assert (
        f"query_by_price rises from {base:.2f} to {no_price:.2f} RU: it needs /price: keep it"
    ) in compared.printed


def test_key_variant_spreads_the_load(compared: Compared) -> None:
    by_id = compared.run("byid")
    assert by_id.info.container.partition_key.paths == ("/id",)
    base = variant_figures(parse_variant("base"), compared.run("base"))
    spread = variant_figures(parse_variant("byid:key=/id"), by_id)
    assert spread.skew < base.skew  # four categories on four partitions collide; ids do not


def test_throughput_and_consistency_variant(compared: Compared) -> None:
    strong = compared.run("strong")
    throughput = strong.info.container.throughput
    assert (throughput.mode, throughput.rus, throughput.source) == ("autoscale", 4000, "target")
    assert strong.info.target.consistency == "Strong"
    assert compared.run("base").info.target.consistency == "Session"
    assert compared.ru("strong", "point_read") == 2 * compared.ru("base", "point_read")


def test_console_ends_with_every_variant_ru_side_by_side(compared: Compared) -> None:
    lines = compared.printed.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("RU mean per operation"))
    table = lines[start:]
    assert table[0].split() == ["RU", "mean", "per", "operation", *map(_name, VARIANTS)]
    rows = {line.split()[0]: line.split()[1:] for line in table[2:-2] if line.strip()}
    assert rows["new_product"][0] == f"{compared.ru('base', 'new_product'):.2f}"
    assert rows["point_read"][4] == f"{compared.ru('strong', 'point_read'):.2f}"
    assert lines[-1] == f"comparison report: {compared.out / 'comparison.html'}"
    manifest = json.loads((compared.out / "comparison.json").read_text())
    assert [entry["name"] for entry in manifest["variants"]] == list(map(_name, VARIANTS))


def _name(spec: str) -> str:
    return spec.partition(":")[0]


def test_comparison_report_in_chromium(compared: Compared, open_page) -> None:
    html = compared.out / "comparison.html"
    page, errors, requests = open_page(html)
    assert errors == []
    assert requests == [html.as_uri()]
    operations = len(compared.run("base").summary.operations)
    assert page.locator("#verdicts tbody tr").count() == operations * len(VARIANTS)
    assert "baseline" in page.locator("#verdicts .verdict").first.inner_text()
    assert "needs /price: keep it" in page.locator("#tradeoffs").inner_text()
    page.close()


def test_plan_prices_every_variant(compared: Compared, open_page) -> None:
    code, printed, _ = _rubench("plan", compared.out, "--peak-rate", "500")
    assert code == 0
    assert "Cheapest design that does not throttle at 500 requests/s:" in printed
    # the index variants differ by a few % per request: said to be a close call
    assert "measured within 10% of its RU per request: run longer" in printed
    code, printed, _ = _rubench("plan", compared.out, "--peak-rate", "5000", "--json")
    document = json.loads(printed)
    by_name = {entry["variant"]: entry for entry in document["variants"]}
    assert list(by_name) == list(map(_name, VARIANTS))
    # under /categoryId half the RU lands on one partition: over 10,000 RU/s at this peak
    assert by_name["base"]["throttles"] is True
    fitting = [e for e in document["variants"] if not e["throttles"]]
    cheapest = min(fitting, key=lambda e: e["plan"]["costs"]["manual_monthly"], default=None)
    assert document["cheapest"] == (cheapest["variant"] if cheapest else None)
    page, errors, _ = open_page(Path(document["html"]))
    assert errors == []
    assert page.locator("#designs tbody tr").count() == len(VARIANTS)
    page.close()
