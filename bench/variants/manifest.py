"""`comparison.json`: what a comparison directory holds, so that later jobs (`rubench plan`)
find every variant's run without guessing from folder names. Written by `write_comparison`
only; the run directories it names are relative to the comparison directory::

    manifest = read_manifest(Path("reports/20261130-021500-catalog-variants"))
    [entry.run_dir for entry in manifest.variants]
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.errors import RubenchError
from bench.files import write_output

MANIFEST_FILE = "comparison.json"


class VariantEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    settings: str
    run_dir: str  # relative to the comparison directory


class ComparisonManifest(BaseModel):
    """The variants in order; the first is the baseline."""

    model_config = ConfigDict(frozen=True)

    title: str
    workload: str
    variants: tuple[VariantEntry, ...]


def is_comparison(directory: Path) -> bool:
    return (Path(directory) / MANIFEST_FILE).is_file()


def write_manifest(directory: Path, manifest: ComparisonManifest) -> Path:
    return write_output(Path(directory) / MANIFEST_FILE, manifest.model_dump_json(indent=2))


def read_manifest(directory: Path) -> ComparisonManifest:
    path = Path(directory) / MANIFEST_FILE
    try:
        return ComparisonManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        where = ".".join(str(part) for part in error.errors()[0]["loc"])
        raise RubenchError(
            f"{path}: not a rubench comparison manifest ({where}: {error.errors()[0]['msg']})"
        ) from None
