"""Query errors in the service's shape: a 400 whose message carries a JSON list of errors.

The service answers, for example,
`Message: {"errors":[{"severity":"Error","location":{"start":7,"end":11},
"code":"SC1001","message":"Syntax error, incorrect syntax near 'FROM'."}]}`;
the location is a character range of the query text, which is what lets a
user find the mistake.
"""

from __future__ import annotations

import json

from bench.emulator.errors import CosmosError

SYNTAX_ERROR = "SC1001"
UNRESOLVED_IDENTIFIER = "SC2001"
UNKNOWN_FUNCTION = "SC2005"
WRONG_ARGUMENT_COUNT = "SC2050"
INVALID_QUERY = "SC2200"


def query_error(
    message: str, *, code: str | None = None, start: int | None = None, end: int | None = None
) -> CosmosError:
    """A CosmosError(400) with one error entry, optionally pointing at `query[start:end]`."""
    entry: dict[str, object] = {"severity": "Error"}
    if start is not None:
        entry["location"] = {"start": start, "end": end if end is not None else start}
    if code is not None:
        entry["code"] = code
    entry["message"] = message
    body = json.dumps({"errors": [entry]}, separators=(",", ":"), ensure_ascii=False)
    return CosmosError(400, f"Message: {body}")


def syntax_error(near: str | None, start: int, end: int) -> CosmosError:
    if near is None:
        return query_error(
            "Syntax error, unexpected end-of-file.", code=SYNTAX_ERROR, start=start, end=end
        )
    return query_error(
        f"Syntax error, incorrect syntax near '{near}'.", code=SYNTAX_ERROR, start=start, end=end
    )
