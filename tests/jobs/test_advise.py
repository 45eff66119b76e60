"""The advised indexing policy from a run's figures and queries (`advise_policy`): what it
adds, what it excludes, and what it never touches. End to end: tests/report/
test_index_advice_e2e.py."""

from __future__ import annotations

from typing import Any

from bench.advise.policy import DEFAULT_POLICY, advise_policy
from bench.emulator.query import query_paths
from bench.rundata import OperationStats
from bench.rundata.figures import IndexUse, QueryIndexes

LATENCY = {"p50": 1, "p90": 1, "p95": 1, "p99": 1, "p99.9": 1, "max": 1, "mean": 1}
RU = {k: 3.0 for k in ("total", "mean", "min", "max", "p5", "p25", "p50", "p75", "p95")}
DOCUMENT = {"id": "1", "pk": "a", "price": 2.0, "name": "n", "notes": "x", "tags": ["t"]}


def stats(*, rejected: int = 0, **indexes: Any) -> OperationStats:
    """A query operation's figures: `rejected` calls answered 400; its index metrics."""
    return OperationStats(
        kind="query", count=10, duration_s=1.0, latency_ms=LATENCY, ru=RU,
        outcomes={"ok": 10 - rejected, "error": rejected} if rejected else {"ok": 10},
        failures_by_status={400: rejected} if rejected else {},
        requests_per_call=1.0, items_mean=1.0, bytes_mean=100.0,
        query={"indexes": QueryIndexes(**indexes) if indexes else None},
    )  # fmt: skip


def suggested(*paths: str, impact: str = "High") -> tuple[IndexUse, ...]:
    return (IndexUse(paths=paths, impact=impact, calls=2),)


def advise(policy: dict, queries: dict[str, str], operations: dict[str, OperationStats]):
    parsed = {name: query_paths(sql) for name, sql in queries.items()}
    return advise_policy(policy, parsed, operations, DOCUMENT, ["/pk"])


def test_unused_properties_are_excluded_never_the_key_or_a_used_path():
    advice = advise({}, {"q": "SELECT c.notes FROM c WHERE c.price > 1"}, {"q": stats()})
    excluded = [p["path"] for p in advice.policy["excludedPaths"]][1:]  # after /"_etag"/?
    assert excluded == ["/name/?", "/notes/?", "/tags/*"]  # a projection needs no index
    assert "/pk: keep: a partition key path" in advice.lines()
    assert "/price: keep: q filters on /price" in advice.lines()


def test_an_order_by_the_target_rejected_gets_its_composite_once():
    sql = {"q": "SELECT * FROM c ORDER BY c.price DESC, c.name"}
    advice = advise({}, sql, {"q": stats(rejected=4, sampled_calls=2, reported_calls=0)})
    wanted = [{"path": "/price", "order": "descending"}, {"path": "/name", "order": "ascending"}]
    assert advice.composites == [wanted]
    reverse = [{"path": "/price", "order": "ascending"}, {"path": "/name", "order": "descending"}]
    again = advise({"includedPaths": [{"path": "/*"}], "compositeIndexes": [reverse]}, sql,
                   {"q": stats(rejected=4)})  # fmt: skip
    assert again.composites == [reverse]  # the service serves the reverse order too
    assert again.lines()[0].startswith("q: has composite index (/price DESC, /name ASC)")
    accepted = advise({}, sql, {"q": stats()})  # answered: a composite serves it already
    assert accepted.composites == []


def test_only_high_impact_suggestions_are_added():
    operations = {
        "hi": stats(sampled_calls=2, reported_calls=2,
                    potential_composite=suggested("/pk ASC", "/price ASC")),
        "lo": stats(sampled_calls=2, reported_calls=2,
                    potential_composite=suggested("/name ASC", "/price DESC", impact="Low")),
    }  # fmt: skip
    sql = {"hi": "SELECT * FROM c WHERE c.pk = 'a' AND c.price > 1", "lo": "SELECT * FROM c"}
    advice = advise({}, sql, operations)
    assert advice.composites == [
        [{"path": "/pk", "order": "ascending"}, {"path": "/price", "order": "ascending"}]
    ]
    assert any(line.startswith("lo: not added (/name ASC, /price DESC)") for line in advice.lines())


def test_a_target_without_index_metrics_is_unknown_not_no_index_needed():
    advice = advise({}, {"q": "SELECT * FROM c"}, {"q": stats(sampled_calls=3, reported_calls=0)})
    assert "q: unknown: the target sent no index metrics on its 3 sampled calls" in advice.lines()
    unasked = advise({}, {"q": "SELECT * FROM c WHERE c.price > 1"}, {"q": stats()})
    assert unasked.lines()[0].startswith("q: unknown: no call asked the target for index metrics")
    not_run = advise({}, {"q": "SELECT * FROM c WHERE c.price > 1"}, {})
    assert not_run.lines()[0] == "q: unknown: the run made no call of it"
    assert "/price: keep: q filters on /price" in not_run.lines()  # still read from its SQL


def test_a_property_name_with_other_characters_is_quoted_in_the_policy():
    document = {"id": "1", "pk": "a", "list-price": 2.0, "sale price": 1.0, "x": 1}
    sql = 'SELECT * FROM c ORDER BY c["list-price"] DESC, c.x'
    parsed = {"q": query_paths(sql)}
    advice = advise_policy({}, parsed, {"q": stats(rejected=3)}, document, ["/pk"])
    assert advice.composites == [
        [{"path": '/"list-price"', "order": "descending"}, {"path": "/x", "order": "ascending"}]
    ]
    assert advice.policy["excludedPaths"][1:] == [{"path": '/"sale price"/?'}]
    assert "/list-price: keep: a composite index uses it; q sorts on /list-price" in advice.lines()


def test_nothing_is_excluded_when_a_query_reads_any_property_or_the_policy_opts_in():
    dynamic = advise({}, {"q": "SELECT * FROM c WHERE c[@f] = 1"}, {"q": stats()})
    assert dynamic.policy["excludedPaths"] == DEFAULT_POLICY["excludedPaths"]
    opt_in = {"includedPaths": [{"path": "/price/?"}], "excludedPaths": [{"path": "/*"}]}
    assert advise(opt_in, {"q": "SELECT * FROM c"}, {"q": stats()}).policy == opt_in


def test_advise_names_a_directory_that_is_no_run(tmp_path, capsys):
    from bench.cli import main

    assert main(["advise", str(tmp_path / "missing")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"rubench: error: {tmp_path / 'missing'}: not a run directory " + (
        "(it does not exist or is not a folder)"
    )
