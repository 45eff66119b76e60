"""Errors a user caused (bad input, unreachable target) that the CLI reports in one line."""


class RubenchError(Exception):
    """A problem the user can fix; its message says what, where and what is allowed."""

    exit_code = 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt: every orderly stop path (Locust
    stopped and waited for, the run directory finished, the local emulator stopped) then
    serves both, and nothing is left running."""
