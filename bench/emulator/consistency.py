"""The account's default consistency level and what a request may ask for.

The account read advertises the default (`userConsistencyPolicy`); the SDK
sends `x-ms-consistency-level` when its client was given a level (or the
account is Session). A request may relax the account's level, never
strengthen it: the service answers 400. Strong and Bounded Staleness reads
and queries read two replicas and cost 2x (`costs.py`); writes cost the same.

    >>> effective_level(ConsistencyLevel.STRONG, "Eventual")
    <ConsistencyLevel.EVENTUAL: 'Eventual'>
"""

from __future__ import annotations

from enum import StrEnum

from bench.emulator.errors import CosmosError

HEADER = "x-ms-consistency-level"


class ConsistencyLevel(StrEnum):
    """The five levels, strongest first (the order `stronger_than` compares by)."""

    STRONG = "Strong"
    BOUNDED_STALENESS = "BoundedStaleness"
    SESSION = "Session"
    CONSISTENT_PREFIX = "ConsistentPrefix"
    EVENTUAL = "Eventual"

    @property
    def reads_two_replicas(self) -> bool:
        return self in (ConsistencyLevel.STRONG, ConsistencyLevel.BOUNDED_STALENESS)

    def stronger_than(self, other: ConsistencyLevel) -> bool:
        levels = list(ConsistencyLevel)
        return levels.index(self) < levels.index(other)


LEVEL_NAMES = tuple(level.value for level in ConsistencyLevel)


def parse_level(text: str) -> ConsistencyLevel:
    """A level by name, case-insensitively; ValueError naming the allowed ones."""
    for level in ConsistencyLevel:
        if level.value.lower() == text.strip().lower():
            return level
    raise ValueError(f"unknown consistency level {text!r}: use one of {', '.join(LEVEL_NAMES)}")


def effective_level(account: ConsistencyLevel, requested: str | None) -> ConsistencyLevel:
    """The level a request runs at: the account's unless it asks for a weaker one.

    Raises CosmosError(400) in the service's words when it asks for a stronger one,
    and for a value that is not a level.
    """
    if requested is None:
        return account
    try:
        level = parse_level(requested)
    except ValueError:
        raise CosmosError(
            400,
            f"Invalid value '{requested}' for header {HEADER}: "
            f"expected one of {', '.join(LEVEL_NAMES)}.",
        ) from None
    if level.stronger_than(account):
        raise CosmosError(
            400,
            f"ConsistencyLevel {level.value} specified in the request is invalid when service "
            f"is configured with consistency level {account.value}. Ensure the request "
            "consistency level is not stronger than the service consistency level.",
        )
    return level
