"""`rubench plan` on synthetic runs whose RU per operation and partition shares are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.rundata.ledger import PartitionTally


@pytest.fixture
def catalog_run(tmp_path: Path, rows, write_run) -> Path:
    """70% point reads at 1 RU, 20% queries at 10 RU, 10% replaces at 20 RU, spread evenly
    over four partitions."""
    requests = (
        rows("point_read", "read", 700, 1.0, pk_range=["0", "1", "2", "3"])
        + rows("query_by_category", "query", 200, 10.0, pk_range=["0", "1", "2", "3"])
        + rows("update_price", "replace", 100, 20.0, pk_range=["0", "1", "2", "3"])
    )
    return write_run(tmp_path / "run", requests, physical_partitions=4)


@pytest.fixture
def plan_json(rubench, capsys):
    """`plan_json(*argv)`: `rubench plan ... --json`, parsed."""

    def run(*argv: str | Path) -> dict:
        assert rubench("plan", *argv, "--json") == 0
        return json.loads(capsys.readouterr().out)

    return run


def test_same_mix_gives_rus_partitions_and_costs(catalog_run: Path, plan_json):
    plan = plan_json(catalog_run, "--peak-rate", "12000", "--headroom", "20%")

    by_op = {op["name"]: op for op in plan["operations"]}
    assert by_op["point_read"]["rus"] == pytest.approx(8400)  # 12000 x 70% x 1 RU
    assert by_op["query_by_category"]["rus"] == pytest.approx(24000)  # 12000 x 20% x 10 RU
    assert by_op["update_price"]["rus"] == pytest.approx(24000)  # 12000 x 10% x 20 RU
    assert plan["required_rus"] == pytest.approx(56400)
    assert plan["manual_rus"] == 67700  # 56400 x 1.2 = 67680, up to the next 100
    assert plan["autoscale_max_rus"] == 68000  # up to the next 1000
    assert plan["partitions"] == 7  # ceil(67700 / 10000)
    assert plan["partitions_at_creation"] == 12  # ceil(67700 / 6000)
    assert plan["autoscale_partitions"] == 7
    costs = plan["costs"]
    assert costs["manual_monthly"] == pytest.approx(677 * 0.008 * 730)
    assert costs["autoscale_monthly_at_max"] == pytest.approx(680 * 0.012 * 730)
    assert costs["autoscale_monthly_at_floor"] == pytest.approx(68 * 0.012 * 730)
    hot = plan["hot_partition"]
    assert hot["share"] == pytest.approx(0.25)
    # an even spread over 4 partitions stays even over the 12 a new container starts with
    assert hot["rus_at_peak"] == pytest.approx(56400 / 12)
    assert hot["even_split_rus"] == pytest.approx(67700 / 12)
    assert not hot["over_partition_max"]
    assert not hot["over_even_split"]
    assert plan["partition_key"] == "/categoryId"


def test_small_plans_respect_the_minimums(catalog_run: Path, plan_json):
    plan = plan_json(catalog_run, "--peak-rate", "10", "--headroom", "0")
    assert plan["required_rus"] == pytest.approx(47)  # 10 x (0.7 x 1 + 0.2 x 10 + 0.1 x 20)
    assert plan["manual_rus"] == 400
    assert plan["autoscale_max_rus"] == 1000
    assert plan["partitions"] == 1
    assert plan["partitions_at_creation"] == 1


def test_mix_file_and_price_file(catalog_run: Path, tmp_path: Path, plan_json):
    mix = tmp_path / "mix.toml"
    mix.write_text("point_read = 1\nquery_by_category = 1\n")
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps({"currency": "EUR", "manual_per_100_rus_hour": 0.01, "regions": 2})
    )
    plan = plan_json(
        catalog_run,
        "--peak-rate",
        "1000",
        "--mix",
        mix,
        "--price-file",
        prices,
        "--headroom",
        "0",
    )
    assert [op["name"] for op in plan["operations"]] == ["point_read", "query_by_category"]
    assert plan["required_rus"] == pytest.approx(500 * 1 + 500 * 10)
    assert plan["manual_rus"] == 5500
    assert plan["costs"]["currency"] == "EUR"
    assert plan["costs"]["manual_monthly"] == pytest.approx(55 * 0.01 * 730 * 2)


def test_skewed_run_flags_its_hot_partition(
    tmp_path: Path, capsys, rubench, plan_json, rows, write_run
):
    """Partition 2 takes 70% of the RU: at 20,000 RU/s that is 14,000 RU/s on one partition."""
    requests = rows("point_read", "read", 700, 1.0, pk_range="2") + rows(
        "point_read", "read", 300, 1.0, pk_range=["0", "1", "3"]
    )
    run = write_run(tmp_path / "skewed", requests, physical_partitions=4)

    plan = plan_json(run, "--peak-rate", "20000", "--headroom", "0")
    hot = plan["hot_partition"]
    assert hot["partition"] == "2"
    assert hot["share"] == pytest.approx(0.7)
    assert hot["rus_at_peak"] == pytest.approx(14000)
    assert hot["over_partition_max"]
    assert "OVER the 10,000 RU/s" in plan["hot_partition_verdict"]

    assert rubench("plan", run, "--peak-rate", "20000") == 0
    out = capsys.readouterr().out
    assert "Partition 2 took 70.0%" in out
    assert "Capacity plan from run 'synthetic' (partition key /categoryId)" in out
    assert (
        "24,000 RU/s -> at least 3 physical partition(s) (10,000 RU/s each at most); "
        "a new container created at this throughput starts with 4"
    ) in out


def test_ledger_is_preferred_for_partition_heat(tmp_path: Path, plan_json, rows, write_run):
    requests = rows("point_read", "read", 100, 1.0, pk_range="")
    ledger = {
        "0": PartitionTally(request_charge=900.0, requests=90),
        "1": PartitionTally(request_charge=100.0, requests=10),
    }
    run = write_run(tmp_path / "ledger", requests, physical_partitions=2, ledger=ledger)
    plan = plan_json(run, "--peak-rate", "9000", "--headroom", "0")
    assert plan["hot_partition"]["partition"] == "0"
    assert plan["hot_partition"]["share"] == pytest.approx(0.9)
    # 9,000 RU/s needs 1 partition, but a new container at 9,000 RU/s starts with 2 of
    # 4,500 RU/s each, and the hot key's 8,100 RU/s stays on one of them: it throttles
    assert plan["hot_partition"]["planned_partitions"] == 2
    assert plan["hot_partition"]["rus_at_peak"] == pytest.approx(8100)
    assert plan["hot_partition"]["even_split_rus"] == pytest.approx(4500)
    assert plan["hot_partition"]["over_even_split"]


def test_traffic_profile_compares_manual_and_autoscale(catalog_run: Path, tmp_path, plan_json):
    """RU per request of the run's mix is 0.7 + 2 + 2 = 4.7. A day at 100 req/s with one
    hour at 10,000 req/s: manual pays for the peak all day, autoscale mostly for 10%."""
    profile = tmp_path / "day.csv"
    profile.write_text(
        "hour,rate\n" + "".join(f"{h:02d}:00,100\n" for h in range(23)) + "peak,10000\n"
    )
    plan = plan_json(catalog_run, "--profile", profile, "--headroom", "0")
    replay = plan["profile"]
    assert plan["peak_rate"] == 10000
    assert replay["manual_rus"] == 47000
    assert replay["autoscale_max_rus"] == 47000
    assert replay["manual_total"] == pytest.approx(24 * 470 * 0.008)
    quiet_hour = replay["hours"][0]
    assert quiet_hour["required_rus"] == pytest.approx(470)
    assert quiet_hour["autoscale_billed_rus"] == 4700  # floor: 10% of the max
    assert replay["hours"][-1]["autoscale_billed_rus"] == 47000
    assert replay["autoscale_total"] == pytest.approx((23 * 47 + 470) * 0.012)
    assert replay["cheaper"] == "autoscale"


def test_html_page_escapes_names(tmp_path: Path, rubench, rows, write_run):
    requests = rows("<script>alert(1)</script>", "query", 10, 3.0)
    run = write_run(tmp_path / "run", requests)
    out = tmp_path / "plan.html"
    assert rubench("plan", run, "--peak-rate", "100", "-o", out) == 0
    page = out.read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "1,000 RU/s" in page  # autoscale max at its minimum


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d.joinpath("p.toml").write_text("currency = 3\n"), "'currency' must be"),
        (lambda d: d.joinpath("p.toml").write_text("dollars = 3\n"), "unknown price entry"),
        (lambda d: d.joinpath("p.toml").write_text("x = [\n"), "not valid TOML"),
        (lambda d: d.joinpath("p.yaml").write_text("a: 1\n"), "use a .json or .toml"),
    ],
)
def test_bad_price_files_are_named(catalog_run, tmp_path, capsys, setup, message, rubench):
    setup(tmp_path)
    price_file = next(tmp_path.glob("p.*"))
    assert rubench("plan", catalog_run, "--peak-rate", "10", "--price-file", price_file) == 2
    error = capsys.readouterr().err
    assert message in error
    assert str(price_file) in error


def test_bad_mix_and_profile_are_named(catalog_run, tmp_path, capsys, rubench):
    mix = tmp_path / "mix.json"
    mix.write_text(json.dumps({"point_read": 1, "nope": 2}))
    assert rubench("plan", catalog_run, "--peak-rate", "10", "--mix", mix) == 2
    assert "operation 'nope' was not measured" in capsys.readouterr().err

    profile = tmp_path / "day.csv"
    profile.write_text("hour,rate\n00:00,lots\n")
    assert rubench("plan", catalog_run, "--profile", profile) == 2
    assert "line 2: 'rate' must be a number" in capsys.readouterr().err

    assert rubench("plan", tmp_path / "missing", "--peak-rate", "10") == 2
    assert "not a run directory" in capsys.readouterr().err
