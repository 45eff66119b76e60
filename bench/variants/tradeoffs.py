"""What an indexing policy trades, in words, from measured RU: writes pay for every path
they index, queries pay for every path they filter or sort on that is not indexed.

Only variants that differ from the baseline in their indexing policy alone are read
(else a key or throughput change would be credited to the index). The policy each run
really had is the one run.json records. Per operation, the difference of the mean RU
between the variant and the baseline is the effect; differences under `NOISE` are
none::

    index_tradeoffs(runs, workload)
    # ["lean vs base: excluding /description/? saves 3.10 RU per create_item (create)
    #   and 3.10 RU per price_update (replace); query_by_price needs /price: keep it."]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.harness.workload import QueryOperation, Workload
from bench.rundata import Run
from bench.variants.figures import FAILING
from bench.variants.policy import excluded, policy_changes
from bench.variants.spec import Variant

WRITE_KINDS = frozenset({"create", "replace", "upsert", "patch", "delete", "batch", "bulk_create"})
NOISE_RU = 0.05  # and 2% of the baseline's mean: below both, no effect
NOISE_SHARE = 0.02


@dataclass(frozen=True)
class Effect:
    operation: str
    kind: str
    baseline_ru: float
    variant_ru: float
    baseline_failed: float = 0.0  # share of calls
    variant_failed: float = 0.0

    @property
    def failing(self) -> bool:
        """Either side failed calls: RU means are not comparable."""
        return max(self.baseline_failed, self.variant_failed) > FAILING

    @property
    def delta(self) -> float:
        return self.variant_ru - self.baseline_ru

    @property
    def matters(self) -> bool:
        return not self.failing and abs(self.delta) >= max(NOISE_RU, NOISE_SHARE * self.baseline_ru)


def index_tradeoffs(runs: Sequence[tuple[Variant, Run]], workload: Workload) -> list[str]:
    """One sentence per variant that changes only the indexing policy of the baseline."""
    if len(runs) < 2:
        return []
    (base, base_run), *others = runs
    sentences = []
    for variant, run in others:
        if not _only_index_differs(base, variant):
            continue
        before = base_run.info.container.indexing_policy
        after = run.info.container.indexing_policy
        effects = [
            Effect(
                name,
                stats.kind,
                stats.ru.mean,
                other.ru.mean,
                stats.error_rate,
                other.error_rate,
            )
            for name, stats in base_run.summary.operations.items()
            if (other := run.summary.operations.get(name)) is not None
        ]
        newly_excluded = excluded(after) - excluded(before)
        sentence = _sentence(policy_changes(before, after), effects, newly_excluded, workload)
        failures = [_failure(e, base.label, variant.label) for e in effects if e.failing]
        sentences.append(f"{variant.label} vs {base.label}: {sentence}" + "".join(failures))
    return sentences


def _only_index_differs(base: Variant, variant: Variant) -> bool:
    same = (base.key, base.throughput, base.consistency) == (
        variant.key,
        variant.throughput,
        variant.consistency,
    )
    return same and base.index_file != variant.index_file


def _sentence(
    changes: list[str], effects: list[Effect], newly_excluded: set[str], workload: Workload
) -> str:
    what = " and ".join(changes) or "the same indexing policy in another file"
    writes = [e for e in effects if e.kind in WRITE_KINDS and e.matters]
    queries = [e for e in effects if e.kind == "query" and e.matters]
    parts = []
    cheaper = [e for e in writes if e.delta < 0]
    dearer = [e for e in writes if e.delta > 0]
    if cheaper:
        parts.append(f"{what} saves " + _per(cheaper))
    if dearer:
        parts.append(f"{what} costs " + _per(dearer, "more "))
    if not writes:
        parts.append(f"{what} changes no {'write' if queries else 'operation'}'s RU")
    slower = [e for e in queries if e.delta > 0]
    faster = [e for e in queries if e.delta < 0]
    for effect in faster:
        parts.append(
            f"{effect.operation} drops from {effect.baseline_ru:.2f} to {effect.variant_ru:.2f} RU"
        )
    for effect in slower:
        needed = _paths_read(workload, effect.operation, newly_excluded)
        rise = (
            f"{effect.operation} rises from {effect.baseline_ru:.2f} to {effect.variant_ru:.2f} RU"
        )
        parts.append(f"{rise}: it needs {', '.join(needed)}: keep it" if needed else rise)
    failing_queries = any(e.failing for e in effects if e.kind == "query")
    if cheaper and not queries and not failing_queries:
        parts.append("no query of the workload pays for it")
    return "; ".join(parts) + "."


def _failure(effect: Effect, base: str, variant: str) -> str:
    """An operation whose calls failed on either side: what failed, no RU comparison."""
    if effect.variant_failed <= FAILING:
        return (
            f" {effect.operation} failed {effect.baseline_failed:.0%} of its calls under {base} "
            f"and none under {variant}, where it costs {effect.variant_ru:.2f} RU."
        )
    return (
        f" {effect.operation} failed {effect.variant_failed:.0%} of its calls under {variant} "
        f"({effect.baseline_failed:.0%} under {base}): its RU is partly that of errors."
    )


def _per(effects: list[Effect], more: str = "") -> str:
    return " and ".join(
        f"{abs(e.delta):.2f} RU {more}per {e.operation} ({e.kind})" for e in effects
    )


def _paths_read(workload: Workload, operation: str, excluded_paths: set[str]) -> list[str]:
    """The paths a query filters, sorts or aggregates on (the query engine's
    `query_paths`) that one of `excluded_paths` (`/price/?`, `/address/*`) covers."""
    from bench.emulator.errors import CosmosError
    from bench.emulator.query import query_paths

    spec = workload.operations.get(operation)
    if not isinstance(spec, QueryOperation):
        return []
    try:
        read = query_paths(spec.sql).indexed()
    except CosmosError:
        return []
    return sorted(path for path in read if any(covers(p, path) for p in excluded_paths))


def covers(pattern: str, path: str) -> bool:
    """Whether an indexing-policy path covers a document path: `/price/?` the value at
    /price, `/address/*` everything under /address, `/*` everything."""
    pattern = pattern.replace('"', "")
    if pattern.endswith("/?"):
        return path == pattern[:-2]
    if pattern.endswith("/*"):
        base = pattern[:-2]
        return not base or path == base or path.startswith(base + "/")
    return path == pattern
