"""Runs one server-side script (stored procedure or trigger) in embedded V8 (mini-racer).

Scripts see the service's asynchronous API (runtime.js): every document
operation they call is queued; between rounds `Host.run` performs the
queued operations on the partition and the answers go back to their
callbacks, until no callback asks for more. One V8 context serves every
execution (a fresh one costs tens of milliseconds); each execution starts
from a reset `__state`, so only globals a script assigns on purpose survive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources as package_files
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

import bench.emulator.jsonin as jsonin
from bench.emulator.errors import CosmosError

# The service stops a stored procedure or trigger after 5 seconds [Doc] concepts-limits.md
# ("Maximum execution time for stored procedures and triggers: 5 seconds").
TIME_LIMIT_SECONDS = 5.0
# Operations asked for after this share of the limit are refused (`isAccepted` false), so a
# script following the continuation pattern returns before it is stopped.
ACCEPT_SHARE = 0.8
MEMORY_LIMIT_BYTES = 256 * 1024 * 1024

Operation = Callable[[dict[str, Any]], dict[str, Any]]  # a queued request -> {err|value}

_context: MiniRacer | None = None
_context_lock = threading.Lock()


def _shared_context() -> MiniRacer:
    global _context
    with _context_lock:
        if _context is None:
            _context = _created_off_the_event_loop()
            _context.set_hard_memory_limit(MEMORY_LIMIT_BYTES)
            _context.eval(package_files.files(__package__).joinpath("runtime.js").read_text())
        return _context


def _created_off_the_event_loop() -> MiniRacer:
    """A MiniRacer made on a plain thread: made on the server's asyncio loop, it would run its
    work on that loop, which is blocked while a request executes."""
    made: list[MiniRacer] = []
    maker = threading.Thread(target=lambda: made.append(MiniRacer()), name="mini-racer-init")
    maker.start()
    maker.join()
    return made[0]


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
    past `time_limit` (the caller rolls back) and 400 when it throws."""
    context = _shared_context()
    deadline = time.monotonic() + time_limit
    setup = {
        "source": script.source,
        "args": list(script.args),
        "selfLink": self_link,
        "altLink": alt_link,
        "acceptMs": int(time_limit * ACCEPT_SHARE * 1000),
        "requestBody": script.request_body,
        "responseBody": script.response_body,
        "operationType": script.operation_type,
    }
    outcome = _call(context, "__start", setup, deadline=deadline)
    while outcome["failure"] is None and outcome["requests"]:
        answers = [perform(request) for request in outcome["requests"]]
        if time.monotonic() >= deadline:
            raise _timeout()
        outcome = _call(context, "__resume", answers, deadline=deadline)
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


def _well_formed(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def call_udf(source: str, args: Sequence[Any]) -> dict[str, Any]:
    """One UDF call from a query: `{"value": ...}`, without "value" when it returned
    `undefined`."""
    context = _shared_context()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    try:
        answer = _call(context, "__udf", source, list(args), deadline=deadline)
        jsonin.check(answer.get("value"), "Its result")
        return answer
    except CosmosError as error:
        raise CosmosError(400, f"The user-defined function failed: {error.message}") from None


def _call(context: MiniRacer, function: str, *args: Any, deadline: float) -> dict[str, Any]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout()
    with _context_lock:
        try:
            return context.call(function, *args, timeout_sec=remaining)
        except JSTimeoutException:
            raise _timeout() from None
        except JSOOMException:
            _discard_context()
            raise CosmosError(
                400, f"The script used more than {MEMORY_LIMIT_BYTES // 2**20} MB of memory."
            ) from None
        except JSEvalException as error:
            raise CosmosError(
                400, _well_formed(f"Encountered exception while executing function: {error}")
            ) from None


def _discard_context() -> None:
    """A V8 isolate past its memory limit cannot run again: the next script gets a new one."""
    global _context
    if _context is not None:
        _context.close()
        _context = None


def _timeout() -> CosmosError:
    return CosmosError(
        408,
        f"The script did not complete within the allotted time ({TIME_LIMIT_SECONDS:g} s); "
        "none of its work was committed.",
    )


def _script_error(failure: dict[str, Any]) -> CosmosError:
    number = failure.get("number") or 0
    message = _well_formed(failure.get("message") or "")
    # A script may set any `number` on what it throws: only client errors pass through, so
    # a script cannot make the emulator answer a 5xx.
    status = number if 400 <= number < 500 else 400
    return CosmosError(
        status, f"Encountered exception while executing function. Exception = {message}"
    )
