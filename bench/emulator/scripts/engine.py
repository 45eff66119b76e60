"""Runs one server-side script (stored procedure or trigger) in embedded V8 (mini-racer).

Scripts see the service's asynchronous API (runtime.js): every document
operation they call is queued; between rounds the caller performs the
queued operations on the partition and the answers go back to their
callbacks, until no callback asks for more. Each execution runs in a fresh
V8 context (`contexts.pool`), so nothing one script changes reaches the next.
`run` keeps the calling thread for the whole execution (triggers, inside a
write); `run_off_loop` lets the event loop serve other requests while V8
works (stored procedures).
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

import bench.emulator.jsonin as jsonin
from bench.emulator.errors import CosmosError
from bench.emulator.scripts.contexts import MEMORY_LIMIT_BYTES, pool

# The service stops a stored procedure or trigger after 5 seconds [Doc] concepts-limits.md
# ("Maximum execution time for stored procedures and triggers: 5 seconds").
TIME_LIMIT_SECONDS = 5.0
# Operations asked for after this share of the limit are refused (`isAccepted` false), so a
# script following the continuation pattern returns before it is stopped.
ACCEPT_SHARE = 0.8
# What `setBody`/`appendBody` may hold: the service's request and response size limit (2 MB,
# [Doc] concepts-limits.md), counted as the service's script runtime counts it (runtime.js).
MAX_BODY_SIZE = 2 * 1024 * 1024
# The service runtime's message for a body past that limit (a 413).
BODY_TOO_LARGE = (
    "Cannot set/appendBody because the resulting message would be too large. Return from "
    "script with current message and use continuation token to call the script again."
)

Operation = Callable[[dict[str, Any]], dict[str, Any]]  # a queued request -> {err|value}


@dataclass
class Execution:
    """What a script did: its request/response bodies and its `console.log` lines."""

    request_body: Any = None
    response_body: Any = None
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Script:
    source: str
    args: Sequence[Any] = ()
    request_body: Any = None
    response_body: Any = None
    operation_type: str = ""


class _Session:
    """One execution in a context of its own: `start`, then `resume` with the answers to
    each round of `requests`, then `finish`. `start` and `resume` may run on any thread."""

    def __init__(self, script: Script, self_link: str, alt_link: str, time_limit: float) -> None:
        self.deadline = time.monotonic() + time_limit
        self.setup = {
            "source": script.source,
            "args": list(script.args),
            "selfLink": self_link,
            "altLink": alt_link,
            "acceptMs": int(time_limit * ACCEPT_SHARE * 1000),
            "maxBodySize": MAX_BODY_SIZE,
            "bodyTooLarge": BODY_TOO_LARGE,
            "requestBody": script.request_body,
            "responseBody": script.response_body,
            "operationType": script.operation_type,
        }
        self.context: MiniRacer | None = None

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *_: object) -> None:
        if self.context is not None:
            pool.give_back(self.context)

    def start(self) -> dict[str, Any]:
        self.context = pool.take()
        return _call(self.context, "start", self.setup, deadline=self.deadline)

    def resume(self, answers: list[dict[str, Any]]) -> dict[str, Any]:
        assert self.context is not None
        return _call(self.context, "resume", answers, deadline=self.deadline)

    def requests(self, outcome: dict[str, Any]) -> list[dict[str, Any]]:
        """The operations the script queued in this round (none once it failed)."""
        if outcome["failure"] is not None or not outcome["requests"]:
            return []
        if time.monotonic() >= self.deadline:
            raise _timeout()
        return outcome["requests"]

    def finish(self, outcome: dict[str, Any]) -> Execution:
        """What the execution left; raises what it threw."""
        failure = outcome["failure"]
        if failure is not None:
            raise _script_error(failure)
        # JavaScript strings may hold lone surrogates, which JSON cannot carry: a body is then
        # a 400 (as the same body from a client), a log line gets U+FFFD in their place.
        request_body, response_body = outcome.get("requestBody"), outcome.get("responseBody")
        jsonin.check(request_body, "The request body the trigger set")
        jsonin.check(response_body, "The script's response body")
        log = [_well_formed(line) for line in outcome["log"]]
        return Execution(request_body, response_body, log)


def run(
    script: Script,
    perform: Operation,
    *,
    self_link: str,
    alt_link: str,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> Execution:
    """Run `script`, performing each queued operation with `perform` (which raises nothing:
    failures come back as `{"err": {...}}`). Raises CosmosError 408 when the script runs
    past `time_limit` (the caller rolls back) and 400 (or the 4xx it threw) when it throws."""
    with _Session(script, self_link, alt_link, time_limit) as session:
        outcome = session.start()
        while requests := session.requests(outcome):
            outcome = session.resume([perform(request) for request in requests])
        return session.finish(outcome)


async def run_off_loop(
    script: Script,
    perform: Operation,
    *,
    self_link: str,
    alt_link: str,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> Execution:
    """`run` for the event loop: V8 works on a worker thread (mini-racer waits for it without
    the GIL) while the loop serves other requests; `perform` runs on the loop between rounds,
    so the script's writes are made where every other write is."""
    with _Session(script, self_link, alt_link, time_limit) as session:
        outcome = await asyncio.to_thread(session.start)
        while requests := session.requests(outcome):
            answers = [perform(request) for request in requests]
            outcome = await asyncio.to_thread(session.resume, answers)
        return session.finish(outcome)


def _well_formed(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class UdfScope:
    """The context the UDF calls of one query execution share (taken at the first call,
    closed when the query is done with it): UDFs are compiled once per query, and a UDF
    that changes globals changes nothing for another query."""

    def __init__(self) -> None:
        self._context: MiniRacer | None = None

    def call(self, source: str, args: Sequence[Any]) -> dict[str, Any]:
        """One UDF call: `{"value": ...}`, without "value" when it returned `undefined`."""
        if self._context is None:
            self._context = pool.take()
            weakref.finalize(self, pool.give_back, self._context)
        deadline = time.monotonic() + TIME_LIMIT_SECONDS
        try:
            answer = _call(self._context, "udf", source, list(args), deadline=deadline)
            jsonin.check(answer.get("value"), "Its result")
            return answer
        except CosmosError as error:
            raise CosmosError(400, f"The user-defined function failed: {error.message}") from None


def _call(context: MiniRacer, function: str, *args: Any, deadline: float) -> dict[str, Any]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout()
    call = f"__transport({json.dumps(function)}, {json.dumps(list(args), separators=(',', ':'))})"
    try:
        text = context.eval(call, timeout_sec=remaining)
    except JSTimeoutException:
        raise _timeout() from None
    except JSOOMException:
        raise CosmosError(
            400, f"The script used more than {MEMORY_LIMIT_BYTES // 2**20} MB of memory."
        ) from None
    except JSEvalException as error:
        raise CosmosError(
            400, _well_formed(f"Encountered exception while executing function: {error}")
        ) from None
    answer = json.loads(text) if isinstance(text, str) else None
    if not _readable(function, answer):
        # A script that replaced what the runtime uses (its `__state`, `Array.prototype`...)
        # broke its own execution, not the emulator.
        raise CosmosError(
            400, "The script replaced a built-in its execution needs; its outcome is unreadable."
        )
    return answer


def _readable(function: str, answer: Any) -> bool:
    """Whether `answer` has the shape runtime.js gives the answer of `function`."""
    if not isinstance(answer, dict):
        return False
    if function == "udf":
        return True
    requests, failure, log = answer.get("requests"), answer.get("failure"), answer.get("log")
    return (
        isinstance(requests, list)
        and all(
            isinstance(r, dict)
            and isinstance(r.get("operation"), str)
            and isinstance(r.get("args"), list)
            and isinstance(r.get("options"), dict)
            for r in requests
        )
        and (failure is None or isinstance(failure, dict))
        and isinstance(log, list)
        and all(isinstance(line, str) for line in log)
    )


def _timeout() -> CosmosError:
    return CosmosError(
        408,
        f"The script did not complete within the allotted time ({TIME_LIMIT_SECONDS:g} s); "
        "none of its work was committed.",
    )


def _script_error(failure: dict[str, Any]) -> CosmosError:
    number = failure.get("number")
    number = number if type(number) is int else 0
    message = failure.get("message")
    message = _well_formed(message if isinstance(message, str) else "")
    # A script may set any `number` on what it throws: only client errors pass through, so
    # a script cannot make the emulator answer a 5xx.
    status = number if 400 <= number < 500 else 400
    return CosmosError(
        status, f"Encountered exception while executing function. Exception = {message}"
    )
