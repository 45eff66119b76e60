"""Running one workload against one container per variant, then comparing.

Every variant gets the same documents (the generator is deterministic), the same
operation mix, the same seeded key choices per user and the same load settings; only
what the variant changes and the container name differ. Operations take partition key
values from the documents, so they adapt to each key design. Against the local target,
a variant with its own consistency level gets its own emulator, started at that level::

    with VariantTargets("local", partitions=4) as targets:
        runs = run_variants(workload, variants, targets, settings, out_dir)
    page, figures = write_comparison(runs, workload, out_dir, "Designs")
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from bench.errors import RubenchError
from bench.files import write_output
from bench.harness.connect import connected_client
from bench.harness.run import RunSettings, target_for
from bench.harness.target import Connection, Target
from bench.harness.workload import Workload, WorkloadError
from bench.pipeline import run_and_report
from bench.report import write_comparison_report
from bench.rundata import Run
from bench.variants.figures import VariantFigures, variant_figures
from bench.variants.manifest import ComparisonManifest, VariantEntry, write_manifest
from bench.variants.policy import policy_changes
from bench.variants.render import render_html
from bench.variants.spec import Variant
from bench.variants.tradeoffs import index_tradeoffs

COMPARISON_FILE = "comparison.html"
RUNS_COMPARISON_FILE = "runs-comparison.html"  # the report's side-by-side of the runs


class VariantTargets:
    """The target each variant runs against: one per consistency level asked for, started
    on first use and stopped on exit (only `local` starts anything)."""

    def __init__(
        self, spec: str, *, partitions: int | None = None, connection: Connection | None = None
    ) -> None:
        self.spec, self.partitions, self.connection = spec, partitions, connection
        self._stack = ExitStack()
        self._targets: dict[str | None, Target] = {}

    def __enter__(self) -> VariantTargets:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def for_variant(self, variant: Variant) -> Target:
        level = variant.consistency
        if level not in self._targets:
            self._targets[level] = self._stack.enter_context(
                target_for(
                    self.spec,
                    partitions=self.partitions,
                    consistency=level,
                    connection=self.connection,
                )
            )
        return self._targets[level]


def run_variants(
    workload: Workload,
    variants: list[Variant],
    targets: VariantTargets,
    settings: RunSettings,
    out_dir: Path,
) -> list[tuple[Variant, Run]]:
    """One run per variant, under `out_dir/<variant name>`, each summarised and reported."""
    runs = []
    for variant in variants:
        try:
            run = run_and_report(
                variant.applied_to(workload),
                targets.for_variant(variant),
                replace(settings, out=out_dir / variant.name),
            )
        except WorkloadError as error:  # e.g. the target refused the variant's policy
            raise WorkloadError(f"{variant.given_as}: {error}") from None
        runs.append((variant, run))
    return runs


@dataclass(frozen=True)
class Comparison:
    """What `write_comparison` wrote, and the figures it wrote from."""

    page: Path
    figures: list[VariantFigures]
    tradeoffs: list[str]


def write_comparison(
    runs: list[tuple[Variant, Run]], workload: Workload, out_dir: Path, title: str
) -> Comparison:
    """The comparison page and comparison.json in `out_dir`, linking the report's
    side-by-side comparison of the runs (the first variant is its baseline) and each
    variant's own run report."""
    figures = [variant_figures(variant, run) for variant, run in runs]
    side_by_side = write_comparison_report([run for _, run in runs], out_dir / RUNS_COMPARISON_FILE)
    links = {
        variant.label: os.path.relpath(run.directory / "report.html", out_dir)
        for variant, run in runs
    }
    tradeoffs = index_tradeoffs(runs, workload)
    page = write_output(
        out_dir / COMPARISON_FILE,
        render_html(figures, title, links, os.path.relpath(side_by_side, out_dir), tradeoffs),
    )
    write_manifest(
        out_dir,
        ComparisonManifest(
            title=title,
            workload=workload.name,
            variants=tuple(
                VariantEntry(
                    name=variant.name,
                    label=variant.label,
                    settings=variant.settings,
                    run_dir=os.path.relpath(run.directory, out_dir),
                )
                for variant, run in runs
            ),
        ),
    )
    return Comparison(page, figures, tradeoffs)


def check_existing_containers(
    workload: Workload, variants: list[Variant], targets: VariantTargets
) -> None:
    """A variant's container that already exists on the target (a remote account keeps
    them between comparisons) must have the variant's key and indexing policy, or its
    figures would be credited to a design it does not have; the local emulator starts
    empty. Every variant is checked before the first one runs."""
    for variant in variants:
        target = targets.for_variant(variant)
        if target.kind == "local":
            continue
        wanted = variant.applied_to(workload)
        difference = asyncio.run(design_difference(wanted, target))
        if difference:
            spec = wanted.container
            raise RubenchError(
                f"{variant.given_as}: {spec.database}/{spec.container} already exists on "
                f"{target.host} and differs from the variant ({difference}); delete it, or "
                "give the variant another name"
            )


async def design_difference(workload: Workload, target: Target) -> str:
    """How the container as it exists differs from the workload's; "" when it does not
    exist or does not differ."""
    from azure.cosmos.exceptions import CosmosResourceNotFoundError

    spec = workload.container
    async with connected_client(target) as client:
        proxy = client.get_database_client(spec.database).get_container_client(spec.container)
        try:
            properties = await proxy.read()
        except CosmosResourceNotFoundError:
            return ""
    changes = policy_changes(spec.indexing_policy or {}, properties.get("indexingPolicy") or {})
    paths = tuple((properties.get("partitionKey") or {}).get("paths") or ())
    if paths != spec.partition_key_paths:
        changes.insert(0, f"partition key {','.join(paths)}")
    return "; ".join(changes)
