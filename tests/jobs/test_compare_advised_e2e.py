"""`rubench compare` of a workload's policy against one with the composite index its
ORDER BY needs (the "Which index?" recipe): under the original every call of that query
fails (the service answers 400 without the index), so its RU is an error's and is never
compared; `rubench plan` prices only the design that works."""

from __future__ import annotations

import json
from pathlib import Path

from bench.rundata import load_run

WORKLOAD = Path(__file__).parents[2] / "workloads" / "index-advice.toml"
COMPOSITE = {
    "indexingMode": "consistent",
    "includedPaths": [{"path": "/*"}],
    "compositeIndexes": [
        [{"path": "/price", "order": "descending"}, {"path": "/name", "order": "ascending"}]
    ],
}


def test_the_index_an_order_by_needs(tmp_path: Path, rubench, capsys) -> None:
    policy = tmp_path / "sorted.json"
    policy.write_text(json.dumps(COMPOSITE))
    out = tmp_path / "designs"
    code = rubench(
        "compare", "--workload", WORKLOAD, "--users", "2", "--duration", "3s", "--out", out,
        "--variant", "base", "--variant", f"sorted:index={policy}",
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    base = load_run(out / "base").summary.operations["by_price_then_name"]
    fixed = load_run(out / "sorted").summary.operations["by_price_then_name"]
    assert base.error_rate == 1 and fixed.error_rate == 0
    assert ("sorted vs base: adding the composite index (/price DESC, /name ASC) ") in printed
    assert (
        "by_price_then_name failed 100% of its calls under base and none under sorted, "
        f"where it costs {fixed.ru.mean:.2f} RU."
    ) in printed
    # base looks cheaper per request only because its failed calls cost an error's RU
    assert "Cheapest without heavy throttling: sorted (" in printed
    assert "not named, as failed calls cost an error's RU: base (by_price_then_name" in printed
    # an error's RU is never compared with a result's (other queries may move with noise)
    assert "by_price_then_name rises from" not in printed
    assert "by_price_then_name drops from" not in printed
    side_by_side = printed[printed.index("RU mean per operation") :]
    assert f"{base.ru.mean:.2f}*" in side_by_side
    assert "* over 1% of calls failed" in side_by_side

    code = rubench("plan", out, "--peak-rate", "200", "--json")
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [entry["variant"] for entry in document["variants"]] == ["sorted"]
    assert document["unpriced"][0]["variant"] == "base"
    assert "every call of by_price_then_name failed" in document["unpriced"][0]["problem"]
    assert document["cheapest"] == ("sorted" if not document["variants"][0]["throttles"] else None)
