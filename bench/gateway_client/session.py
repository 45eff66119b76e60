"""Session tokens, tracked per partition key range as the SDK tracks them.

Under Session consistency a read must carry the token of the last write the client saw
on that partition (`<range id>:<version>#<global lsn>[#<region>=<lsn>...]`), or it may
read an older replica. Responses bring tokens for the ranges they touched; the newest
per range is kept. After a split a child range has no token of its own yet: its
parents' newest stands in (what the SDK's `_resolve_partition_local_session_token` does).
"""

from __future__ import annotations

from collections.abc import Iterable


def _parse(token: str) -> tuple[int, int, dict[str, int]]:
    """(version, global lsn, region lsns) of `1#12#3=11`; a bare `12` is version 0."""
    parts = token.split("#")
    if len(parts) == 1:
        return 0, int(parts[0]), {}
    regions = {}
    for part in parts[2:]:
        region, _, lsn = part.partition("=")
        regions[region] = int(lsn)
    return int(parts[0]), int(parts[1]), regions


def newer(first: str, second: str) -> str:
    """The merge of two vector tokens of one range: the higher version wins; at the same
    version, every LSN is the larger of the two."""
    (v1, g1, r1), (v2, g2, r2) = _parse(first), _parse(second)
    if v1 != v2:
        return first if v1 > v2 else second
    regions = {k: max(r1.get(k, 0), r2.get(k, 0)) for k in {*r1, *r2}}
    merged = [str(v1), str(max(g1, g2)), *(f"{k}={v}" for k, v in sorted(regions.items()))]
    return "#".join(merged)


class SessionTokens:
    """The newest token per range of one container. Shared by a process's greenlets, which
    cannot interleave inside these methods (they do no I/O), so no lock is needed."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def update(self, header: str | None) -> None:
        """Take the `x-ms-session-token` of a response (`0:1#12,1:1#7`)."""
        if not header:
            return
        for entry in header.split(","):
            range_id, separator, token = entry.strip().partition(":")
            if not separator:
                continue
            known = self._tokens.get(range_id)
            if known != token:
                self._tokens[range_id] = token if known is None else newer(known, token)

    def for_range(self, range_id: str, parents: Iterable[str] = ()) -> str | None:
        """The header value for a request to one range, or None when none is known."""
        token = self._tokens.get(range_id)
        if token is None:
            for parent in parents:
                known = self._tokens.get(parent)
                if known is not None:
                    token = known if token is None else newer(token, known)
        return None if token is None else f"{range_id}:{token}"

    def all(self) -> str | None:
        """Every range's token: what the SDK sends on a query the gateway fans out."""
        entries = [f"{range_id}:{token}" for range_id, token in self._tokens.items()]
        return ",".join(entries) or None
