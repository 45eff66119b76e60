"""Which composite indexes could serve a query's filter, as the service's index metrics name them.

The service's rules (index-policy.md, "Queries with filters on multiple
properties", in MicrosoftDocs/azure-databases-docs): equality filters come
first in a composite index, then at most one range filter (`>`, `<`, `>=`,
`<=`, BETWEEN) or system function (STARTSWITH), which must be last; a query
with several range filters needs one composite index per range filter; the
order (ASC/DESC) of a composite index used for filters does not matter. Its
index metrics then suggest one composite index per range filter, equality
paths first in query order, all ascending (index-metrics.md: `c.name = 'Tim'
AND c.age > 15 AND c.town = 'Redmond' AND c.timestamp > ...` gives
`/name ASC, /town ASC, /age ASC` and `/name ASC, /town ASC, /timestamp
ASC`). Range filters without an equality filter get none (Learn module
"measure-index": `p.price > 500 AND STARTSWITH(p.name, ...)` suggests none).
Once the policy has the composite index, the query uses it instead of the
single indexes of its paths (same module: Utilized Single Indexes turns empty).

Not modeled: a composite index covering only part of a filter's paths, and
composite indexes whose paths the policy excludes from its range indexes
(the emulator serves composites from the paths' range indexes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.emulator.query.indexing import ARRAY_ITEM, CompositeIndex, Path
from bench.emulator.query.planner import AnyOf, Lookup

_RANGE_KINDS = frozenset({"range", "between", "prefix"})


@dataclass(frozen=True)
class FilterComposite:
    """A composite index for part of a filter: its lookups, equalities first, range last."""

    lookups: tuple[Lookup, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(lookup.path for lookup in self.lookups)

    def specs(self, descending: Sequence[bool] | None = None) -> list[str]:
        """`/name ASC`, ...: the service's IndexSpecs (all ASC for a suggestion)."""
        orders = descending or [False] * len(self.lookups)
        return [composite_spec(p, d) for p, d in zip(self.paths, orders, strict=True)]

    def served_by(self, composite: CompositeIndex) -> bool:
        """Whether `composite` serves these filters: the same paths, equalities in any
        order, the range path last; directions do not matter for filters."""
        paths = [path for path, _ in composite.paths]
        if len(paths) != len(self.lookups) or set(paths) != set(self.paths):
            return False
        last = self.lookups[-1]
        return last.kind not in _RANGE_KINDS or paths[-1] == last.path


def filter_composites(lookups: Sequence[Lookup | AnyOf]) -> list[FilterComposite]:
    """The composite indexes the service suggests for a filter's top-level conjuncts."""
    equalities: list[Lookup] = []
    ranges: list[Lookup] = []
    for lookup in lookups:
        if not isinstance(lookup, Lookup) or ARRAY_ITEM in lookup.path:
            continue
        if lookup.kind == "eq" and lookup.op == "=":
            if all(e.path != lookup.path for e in equalities):
                equalities.append(lookup)
        elif lookup.kind in _RANGE_KINDS and all(r.path != lookup.path for r in ranges):
            ranges.append(lookup)
    ranges = [r for r in ranges if all(e.path != r.path for e in equalities)]
    if not equalities:
        return []
    if not ranges:
        return [FilterComposite(tuple(equalities))] if len(equalities) > 1 else []
    return [FilterComposite((*equalities, r)) for r in ranges]


def composite_spec(path: Path, descending: bool) -> str:
    """One entry of IndexSpecs: the composite path and its order (`/tags/name ASC`)."""
    return f"/{'/'.join(path)} {'DESC' if descending else 'ASC'}"
