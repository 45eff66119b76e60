"""Partition-key designs as the user names them on the command line.

``--key /categoryId`` is one path; ``--key /tenantId,/userId`` is a
hierarchical key (up to three paths). Each design gets its own container,
named after the workload's container and the design, so designs never share
data or throughput.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bench.errors import RubenchError
from bench.harness.documents import value_at

PATH = re.compile(r"/[A-Za-z0-9_$-]+(/[A-Za-z0-9_$-]+)*")
MAX_HIERARCHY = 3


@dataclass(frozen=True)
class KeyDesign:
    paths: tuple[str, ...]

    @property
    def label(self) -> str:
        """How reports name the design: the paths as given."""
        return ",".join(self.paths)

    @property
    def slug(self) -> str:
        """A container-name-safe form: /tenantId,/userId -> tenantId-userId."""
        return "-".join(path.strip("/").replace("/", "_") for path in self.paths)

    def container_name(self, base: str) -> str:
        return f"{base}-by-{self.slug}"


def parse_design(text: str) -> KeyDesign:
    """One --key value; errors say what a valid value looks like."""
    paths = tuple(part.strip() for part in text.split(","))
    if not 1 <= len(paths) <= MAX_HIERARCHY or not all(PATH.fullmatch(p) for p in paths):
        raise RubenchError(
            f"--key {text!r}: give a partition key path like /categoryId, or up to "
            f"{MAX_HIERARCHY} comma-separated paths for a hierarchical key (/tenantId,/userId)"
        )
    return KeyDesign(paths)


def check_documents_have_keys(designs: list[KeyDesign], sample: dict[str, Any]) -> None:
    """Every design's paths must exist in the workload's documents, or every item of that
    design would land in one logical partition (the undefined key)."""
    for design in designs:
        missing = [path for path in design.paths if value_at(sample, path) is None]
        if missing:
            raise RubenchError(
                f"--key {design.label}: the workload's documents have no {', '.join(missing)}; "
                f"their fields: {', '.join(sorted(sample))}"
            )


def parse_designs(values: list[str]) -> list[KeyDesign]:
    designs = [parse_design(value) for value in values]
    if len(designs) < 2:
        raise RubenchError("compare-keys: give at least two --key designs to compare")
    labels = [design.label for design in designs]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise RubenchError(f"compare-keys: design(s) given twice: {', '.join(duplicates)}")
    return designs
