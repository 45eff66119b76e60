"""Index metrics per query operation: what the target said on the sampled calls.

Only the calls that asked carry an `index_metrics` value (docs/run-directory.md), a
few per operation and process, so this groups their (few distinct) JSON answers in
DuckDB and tallies the entries here. Warm-up rows count: the sample is the first calls,
and what a query's indexes are does not depend on when it ran.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from bench.rundata.engine import Rows
from bench.rundata.figures import IndexUse, QueryIndexes
from bench.rundata.schema import INDEX_METRICS_COLUMN, NOT_REPORTED

_SAMPLED = (
    f"SELECT operation, {INDEX_METRICS_COLUMN}, count(*) FROM requests "
    f"WHERE {INDEX_METRICS_COLUMN} <> '' AND kind = 'query' GROUP BY ALL"
)
# The service's lists (index-metrics.md), with the key of an entry's index spec(s)
_LISTS = {
    "utilized_single": ("UtilizedSingleIndexes", "IndexSpec"),
    "utilized_composite": ("UtilizedCompositeIndexes", "IndexSpecs"),
    "potential_single": ("PotentialSingleIndexes", "IndexSpec"),
    "potential_composite": ("PotentialCompositeIndexes", "IndexSpecs"),
}


def query_indexes(rows: Rows) -> dict[str, QueryIndexes]:
    """Per query operation that asked at least once."""
    tallies: dict[str, _Tally] = {}
    for operation, answer, calls in rows.query(_SAMPLED):
        tallies.setdefault(str(operation), _Tally()).add(answer, int(calls))
    return {operation: tally.figures() for operation, tally in sorted(tallies.items())}


class _Tally:
    def __init__(self) -> None:
        self.sampled = 0
        self.reported = 0
        self.entries: dict[str, Counter[tuple[tuple[str, ...], str | None]]] = {
            name: Counter() for name in _LISTS
        }

    def add(self, answer: str, calls: int) -> None:
        self.sampled += calls
        document = _document(answer)
        if document is None:
            return
        self.reported += calls
        for name, (key, spec_key) in _LISTS.items():
            named = {_index(entry, spec_key, name) for entry in _entries(document.get(key))}
            for index in named:  # an index serving two filters of one call counts once
                self.entries[name][index] += calls

    def figures(self) -> QueryIndexes:
        return QueryIndexes(
            sampled_calls=self.sampled,
            reported_calls=self.reported,
            **{
                name: tuple(
                    IndexUse(paths=paths, impact=impact, calls=calls)
                    for (paths, impact), calls in sorted(counter.items(), key=_most_calls)
                )
                for name, counter in self.entries.items()
            },
        )


def _most_calls(item: tuple[tuple[tuple[str, ...], str | None], int]) -> tuple[int, str]:
    (paths, _), calls = item
    return -calls, ",".join(paths)


def _index(entry: dict[str, Any], spec_key: str, name: str) -> tuple[tuple[str, ...], str | None]:
    """(paths, impact): the impact score only for the indexes the target suggests."""
    specs = entry.get(spec_key)
    paths = tuple(map(str, specs)) if isinstance(specs, list) else (str(specs),)
    return paths, entry.get("IndexImpactScore") if name.startswith("potential") else None


def _document(answer: str) -> dict[str, Any] | None:
    """The decoded answer, or None when the call asked and the target sent none."""
    if answer == NOT_REPORTED:
        return None
    try:
        document = json.loads(answer)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _entries(entries: Any) -> list[dict[str, Any]]:
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
