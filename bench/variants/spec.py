"""Design variants as the user names them: `--variant NAME[:SETTING=VALUE[;...]]`.

A bare NAME is the workload as written; settings change one thing each about the
container the variant runs against (or, for `consistency`, the local emulator's
account). Every variant gets its own container, `<container>-<NAME>`, so variants
never share data, indexes or throughput::

    parse_variant("advised:index=policy.json;throughput=autoscale:10000")
    parse_variant("by-tenant:key=/tenantId,/userId")

Errors are one line naming the variant, the setting and what is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.errors import RubenchError
from bench.harness.documents import value_at
from bench.harness.workload import ThroughputSpec, Workload, WorkloadError, apply_overrides

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
KEY_PATH = re.compile(r"/[A-Za-z0-9_$-]+(/[A-Za-z0-9_$-]+)*")
MAX_HIERARCHY = 3
THROUGHPUT_MODES = ("manual", "autoscale")
SETTINGS_ALLOWED = (
    "key=/path or key=/a,/b; index=FILE.json; throughput=manual:RUS or autoscale:MAX_RUS; "
    "consistency=LEVEL (local target)"
)


@dataclass(frozen=True)
class Variant:
    """One design: what it changes about the workload's container (None: as written)."""

    name: str  # names its run directory and container suffix
    label: str = ""  # how reports name it (default: the name)
    key: tuple[str, ...] | None = None
    index_file: str | None = None
    index_policy: dict[str, Any] | None = field(default=None, compare=False)
    throughput: ThroughputSpec | None = None
    consistency: str | None = None
    given_as: str = ""  # how the command line named it, for errors: --variant x, --key /a

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)
        if not self.given_as:
            object.__setattr__(self, "given_as", f"--variant {self.name}")

    @property
    def settings(self) -> str:
        """The settings as the command line writes them; "as written" for a bare variant."""
        parts = []
        if self.key:
            parts.append(f"key={','.join(self.key)}")
        if self.index_file:
            parts.append(f"index={self.index_file}")
        if self.throughput:
            parts.append(f"throughput={self.throughput.mode}:{self.throughput.rus}")
        if self.consistency:
            parts.append(f"consistency={self.consistency}")
        return "; ".join(parts) or "as written"

    def container_name(self, base: str) -> str:
        return f"{base}-{self.name}"

    def applied_to(self, workload: Workload) -> Workload:
        """The workload against this variant's own container, with its settings."""
        overrides: dict[str, Any] = {"container": self.container_name(workload.container.container)}
        if self.key:
            overrides["partition_key"] = list(self.key)
        if self.index_policy is not None:
            overrides["indexing_policy"] = self.index_policy
        if self.throughput:
            overrides["throughput"] = self.throughput.model_dump()
        try:
            return apply_overrides(workload, overrides)
        except WorkloadError as error:
            raise RubenchError(f"{self.given_as}: {error}") from None


def _fail(text: str, setting: str, problem: str) -> RubenchError:
    return RubenchError(f"--variant {text!r}: {setting}: {problem}")


def key_paths(value: str) -> tuple[str, ...] | None:
    """`/a` or `/a,/b` (up to MAX_HIERARCHY paths); None when it is not one."""
    paths = tuple(part.strip() for part in value.split(","))
    if 1 <= len(paths) <= MAX_HIERARCHY and all(KEY_PATH.fullmatch(p) for p in paths):
        return paths
    return None


KEY_ALLOWED = (
    f"a partition key path like /categoryId, or up to {MAX_HIERARCHY} comma-separated paths "
    "for a hierarchical key (/tenantId,/userId)"
)


def key_variant(text: str) -> Variant:
    """A `compare-keys --key` value: the variant with that key, named after its paths
    (/tenantId,/userId -> tenantId-userId)."""
    paths = key_paths(text)
    if paths is None:
        raise RubenchError(f"--key {text!r}: expected {KEY_ALLOWED}")
    slug = "-".join(path.strip("/").replace("/", "_") for path in paths)
    label = ",".join(paths)
    return Variant(slug, label=label, key=paths, given_as=f"--key {label}")


def _key(text: str, value: str) -> dict[str, Any]:
    paths = key_paths(value)
    if paths is None:
        raise _fail(text, f"key={value}", f"expected {KEY_ALLOWED}")
    return {"key": paths}


POLICY_FIELDS = frozenset(
    {
        "indexingMode",
        "automatic",
        "includedPaths",
        "excludedPaths",
        "compositeIndexes",
        "spatialIndexes",
        "vectorIndexes",
        "fullTextIndexes",
    }
)


def _index(text: str, value: str) -> dict[str, Any]:
    setting = f"index={value}"
    try:
        policy = json.loads(Path(value).read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(text, setting, f"cannot read it ({error.strerror})") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _fail(text, setting, f"not a JSON indexing policy ({error})") from None
    if not isinstance(policy, dict):
        raise _fail(text, setting, "expected a JSON object (the service's indexing policy)")
    unknown = sorted(set(policy) - POLICY_FIELDS)
    if unknown or not policy:
        # a misspelt field would be dropped and the variant would measure another policy
        raise _fail(
            text,
            setting,
            f"not an indexing policy field: {', '.join(unknown) or '(none given)'}; "
            f"allowed: {', '.join(sorted(POLICY_FIELDS))}",
        )
    return {"index_file": value, "index_policy": policy}


def _throughput(text: str, value: str) -> dict[str, Any]:
    setting = f"throughput={value}"
    allowed = "manual:RUS (400 or more, steps of 100) or autoscale:MAX_RUS (steps of 1000)"
    mode, _, rus = value.partition(":")
    if mode not in THROUGHPUT_MODES or not rus.isdigit():
        raise _fail(text, setting, f"expected {allowed}")
    try:
        return {"throughput": ThroughputSpec(mode=mode, rus=int(rus))}  # type: ignore[arg-type]
    except ValidationError as error:
        problem = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise _fail(text, setting, problem) from None


def _consistency(text: str, value: str) -> dict[str, Any]:
    from bench.emulator.consistency import parse_level

    try:
        return {"consistency": parse_level(value).value}
    except ValueError as error:
        raise _fail(text, f"consistency={value}", str(error)) from None


SETTINGS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "key": _key,
    "index": _index,
    "throughput": _throughput,
    "consistency": _consistency,
}


def parse_variant(text: str) -> Variant:
    """One --variant value."""
    name, _, rest = text.partition(":")
    if not NAME.fullmatch(name):
        raise RubenchError(
            f"--variant {text!r}: expected NAME[:SETTING=VALUE[;...]] with a NAME of letters, "
            "digits, '_', '.', '-' (at most 32 characters)"
        )
    fields: dict[str, Any] = {}
    seen: set[str] = set()
    for part in filter(None, (p.strip() for p in rest.split(";"))):
        setting, equals, value = (s.strip() for s in part.partition("="))
        if setting not in SETTINGS or not equals or not value:
            raise _fail(text, part, f"expected SETTING=VALUE, one of: {SETTINGS_ALLOWED}")
        if setting in seen:
            raise _fail(text, setting, "given twice; give each setting once")
        seen.add(setting)
        fields.update(SETTINGS[setting](text, value))
    return Variant(name, **fields)


def parse_variants(values: list[str], command: str = "compare") -> list[Variant]:
    """The variants of a comparison: at least two, names unique (they name directories)."""
    variants = [parse_variant(value) for value in values]
    return check_variants(variants, command)


def check_variants(variants: list[Variant], command: str) -> list[Variant]:
    if len(variants) < 2:
        raise RubenchError(f"{command}: give at least two variants to compare")
    twice: set[str] = set()
    for naming in ([v.name for v in variants], [v.label for v in variants]):
        twice |= {x for x in naming if naming.count(x) > 1}
    if twice:
        raise RubenchError(f"{command}: variant(s) given twice: {', '.join(sorted(twice))}")
    return variants


def check_documents_have_keys(variants: list[Variant], sample: dict[str, Any]) -> None:
    """Every key variant's paths must exist in the workload's documents, or every item of
    that variant would land in one logical partition (the undefined key)."""
    for variant in variants:
        missing = [path for path in variant.key or () if value_at(sample, path) is None]
        if missing:
            raise RubenchError(
                f"{variant.given_as}: the workload's documents have no "
                f"{', '.join(missing)}; their fields: {', '.join(sorted(sample))}"
            )


def check_target(variants: list[Variant], target: str) -> None:
    """An account's default consistency is set on the account: only the local emulator,
    which rubench starts, can be started at another level per variant."""
    for variant in variants:
        if variant.consistency and target != "local":
            raise RubenchError(
                f"{variant.given_as}: consistency={variant.consistency} needs --target "
                "local: the default consistency of an account is set on the account itself"
            )
