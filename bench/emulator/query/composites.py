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
    """A composite index for part of a filter: its paths (equalities first, the range path
    last) and the filter's lookups it serves (both bounds of `a > 1 AND a < 9`)."""

    paths: tuple[Path, ...]
    ranged: bool  # the last path has a range filter
    lookups: tuple[Lookup, ...]

    def specs(self) -> list[str]:
        """`/name ASC`, ...: the IndexSpecs the service suggests (all ascending)."""
        return [composite_spec(path, False) for path in self.paths]

    def served_by(self, composite: CompositeIndex) -> bool:
        """Whether `composite` serves these filters: the same paths, equalities in any
        order, the range path last; directions do not matter for filters."""
        paths = [path for path, _ in composite.paths]
        if len(paths) != len(self.paths) or set(paths) != set(self.paths):
            return False
        return not self.ranged or paths[-1] == self.paths[-1]


def filter_composites(lookups: Sequence[Lookup | AnyOf]) -> list[FilterComposite]:
    """The composite indexes the service suggests for a filter's top-level conjuncts."""
    equalities: dict[Path, list[Lookup]] = {}
    ranges: dict[Path, list[Lookup]] = {}
    for lookup in lookups:
        if not isinstance(lookup, Lookup) or ARRAY_ITEM in lookup.path:
            continue
        if lookup.kind == "eq" and lookup.op == "=":
            equalities.setdefault(lookup.path, []).append(lookup)
        elif lookup.kind in _RANGE_KINDS:
            ranges.setdefault(lookup.path, []).append(lookup)
    served_equal = tuple(lookup for group in equalities.values() for lookup in group)
    ranges = {path: group for path, group in ranges.items() if path not in equalities}
    if not equalities:
        return []
    if not ranges:
        if len(equalities) < 2:
            return []
        return [FilterComposite(tuple(equalities), False, served_equal)]
    return [
        FilterComposite((*equalities, path), True, (*served_equal, *group))
        for path, group in ranges.items()
    ]


def composite_spec(path: Path, descending: bool) -> str:
    """One entry of IndexSpecs: the composite path and its order (`/tags/name ASC`)."""
    return f"/{'/'.join(path)} {'DESC' if descending else 'ASC'}"
