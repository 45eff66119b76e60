"""Fresh V8 contexts for script executions, prepared ahead of time.

Every stored procedure or trigger execution, and every query's UDF calls,
get a V8 context of their own, closed afterwards: whatever a script changes
(`getContext`, `JSON.stringify`, `Array.prototype.push`, a polluted
`Object.prototype`, the runtime's `__` helpers) dies with its context, so it
cannot change what a later script computes. Starting a context and loading
the runtime takes milliseconds (see `python -m bench.perf.scripts`), so a
helper thread keeps a few ready and closes used ones off the request path.
It alone makes and closes contexts: mini-racer 0.14 crashes the process when
contexts are made on several threads (one made on a thread that has ended,
then another on a second thread).
"""

from __future__ import annotations

import queue
import threading
from importlib import resources as package_files

from py_mini_racer import JSEvalException, JSTimeoutException, MiniRacer

MEMORY_LIMIT_BYTES = 256 * 1024 * 1024
# Contexts kept ready: one for the execution in hand and one for the next.
READY_CONTEXTS = 2
START_TIMEOUT_SECONDS = 60.0  # far above a context's start, even on a loaded machine
SETTLE_TIMEOUT_SECONDS = 10.0  # for V8 to wind down a call stopped at its time limit


def _runtime_source() -> str:
    return package_files.files(__package__).joinpath("runtime.js").read_text()


def _prepared() -> MiniRacer:
    """A new context with the runtime loaded and the memory limit set."""
    context = MiniRacer()
    context.set_hard_memory_limit(MEMORY_LIMIT_BYTES)
    context.eval(_runtime_source())
    return context


class ContextPool:
    """Ready contexts, each handed out once; `give_back` closes it (on the helper thread)."""

    def __init__(self, ready: int = READY_CONTEXTS) -> None:
        self._wanted = ready
        self._ready: queue.SimpleQueue[MiniRacer] = queue.SimpleQueue()
        self._chores: queue.SimpleQueue[MiniRacer | None] = queue.SimpleQueue()
        self._helper: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def take(self) -> MiniRacer:
        """A context no script has run in (waiting for the helper when none is ready)."""
        self._start_helper()
        self._chores.put(None)  # prepare a replacement
        try:
            return self._ready.get(timeout=START_TIMEOUT_SECONDS)
        except queue.Empty:
            raise RuntimeError("The JavaScript engine (mini-racer) did not start.") from None

    def give_back(self, context: MiniRacer) -> None:
        """`context` is done with: it is closed, never handed out again."""
        self._chores.put(context)

    def _start_helper(self) -> None:
        with self._start_lock:
            if self._helper is None:
                self._helper = threading.Thread(
                    target=self._help, name="mini-racer-pool", daemon=True
                )
                self._helper.start()

    def _help(self) -> None:
        while True:
            used = self._chores.get()
            if used is not None:
                _retire(used)
            while self._ready.qsize() < self._wanted:
                self._ready.put(_prepared())


def _retire(context: MiniRacer) -> None:
    """Close `context` once V8 is done with it. A call stopped at its time limit winds down
    asynchronously, and closing a context under it crashes mini-racer: a trivial call queued
    behind it returns once it has. A context that never settles is left open, not closed."""
    try:
        context.eval("0", timeout_sec=SETTLE_TIMEOUT_SECONDS)
    except JSTimeoutException:
        return
    except JSEvalException:
        pass  # past its memory limit: it cannot run again, but it is settled
    context.close()


pool = ContextPool()
