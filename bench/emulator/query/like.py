"""LIKE patterns matched without backtracking, in O(len(text) x len(pattern)).

A regex translation (`%` -> `.*`) backtracks: `'%a%a%a%a%a%b'` over 200
characters took minutes and froze the emulator. Here a pattern is split at
`%` into segments of one-character tokens (a literal, `_`, or a `[set]`).
Segments have fixed lengths, so placing each at its leftmost fit is optimal:
the first is anchored at the start, the last at the end, the others are
found in order in between. `[z-a]` (an empty range) matches nothing, as in
SQL Server, instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

CharTest = Callable[[str], bool]


class LikePattern:
    """A compiled LIKE pattern: `LikePattern("a%[0-9]_", escape=None).matches("ab7x")`."""

    def __init__(self, pattern: str, escape: str | None) -> None:
        self.segments: list[list[CharTest]] = [[]]
        i = 0
        while i < len(pattern):
            char = pattern[i]
            if escape and char == escape and i + 1 < len(pattern):
                self.segments[-1].append(_literal(pattern[i + 1]))
                i += 2
                continue
            if char == "%":
                self.segments.append([])
            elif char == "_":
                self.segments[-1].append(_any)
            elif char == "[" and pattern.find("]", i + 1) != -1:
                close = pattern.find("]", i + 1)
                self.segments[-1].append(_char_set(pattern[i + 1 : close]))
                i = close
            else:
                self.segments[-1].append(_literal(char))
            i += 1

    def matches(self, text: str) -> bool:
        segments = self.segments
        if len(segments) == 1:
            return len(text) == len(segments[0]) and _fits(segments[0], text, 0)
        first, last = segments[0], segments[-1]
        end = len(text) - len(last)
        if end < len(first) or not _fits(first, text, 0) or not _fits(last, text, end):
            return False
        position = len(first)
        for segment in segments[1:-1]:
            found = _find(segment, text, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True


def _fits(segment: Sequence[CharTest], text: str, start: int) -> bool:
    return all(test(text[start + offset]) for offset, test in enumerate(segment))


def _find(segment: Sequence[CharTest], text: str, start: int, end: int) -> int:
    """Leftmost position >= start where `segment` fits entirely before `end`; -1 if none."""
    for position in range(start, end - len(segment) + 1):
        if _fits(segment, text, position):
            return position
    return -1


def _any(char: str) -> bool:
    return True


def _literal(wanted: str) -> CharTest:
    return lambda char: char == wanted


def _char_set(body: str) -> CharTest:
    """`[abc]`, `[a-f]`, `[^0-9]`: single characters and inclusive ranges."""
    negated = body.startswith("^")
    body = body[1:] if negated else body
    singles: set[str] = set()
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            ranges.append((body[i], body[i + 2]))
            i += 3
        else:
            singles.add(body[i])
            i += 1

    def test(char: str) -> bool:
        inside = char in singles or any(low <= char <= high for low, high in ranges)
        return inside != negated

    return test
