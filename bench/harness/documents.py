"""The documents a workload loads and touches, derived from (workload, item number) alone:
what its `[documents]` table asks for (`DocumentsSpec`) and the factory that builds them.

Every process can rebuild item n (its id, its partition key, its whole body) without
sharing state with any other, so reads always target ids that exist and creates made
by different workers never collide::

    catalog = workload.document_factory()  # or DocumentFactory(name, key_paths, spec)
    doc = catalog.document(42)
    catalog.partition_key(doc)  # the value (or list, for hierarchical keys) the SDK wants
"""

from __future__ import annotations

import copy
import functools
import json
import random
import re
import zlib
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from bench.harness.spec import JsonFile, Spec

ADJECTIVES = ("Classic", "Pro", "Ultra", "Compact", "Trail", "Urban", "Light", "Storm")
NOUNS = ("Helmet", "Jacket", "Bottle", "Glove", "Pump", "Saddle", "Lamp", "Lock", "Tire")
TAGS = ("sale", "new", "outdoor", "kids", "eco", "premium", "bundle", "winter", "summer")
KEY_CACHE_SIZE = 200_000  # (id, key) pairs: a few tens of MB at most
PLACEHOLDER = re.compile(r"\{n(?:%(\d+))?\}")
# Bounds that keep a typo from exhausting memory: the service's item size limit is 2 MB
# (with room for system properties); key choosers hold one number per document.
MAX_DOCUMENT_BYTES = 2_000_000
MAX_DOCUMENTS = 10_000_000


class DocumentsSpec(Spec):
    """The `[documents]` table of a workload file."""

    generator: Literal["catalog", "template"] = "catalog"
    count: int = Field(1000, ge=1, le=MAX_DOCUMENTS)
    size_bytes: int | None = Field(None, ge=1, le=MAX_DOCUMENT_BYTES)  # pad JSON to about this
    categories: int = Field(20, ge=1, le=MAX_DOCUMENTS)  # catalog: blocks of item numbers
    template: JsonFile | None = Field(None, validate_default=True)  # the user's sample document

    @field_validator("template")
    @classmethod
    def _with_its_generator(cls, template: dict[str, Any] | None, info: ValidationInfo) -> Any:
        generator = info.data.get("generator")
        if generator == "template" and template is None:
            raise ValueError('expected a JSON file name (required for generator "template")')
        if generator == "catalog" and template is not None:
            raise ValueError('expected no template unless generator = "template"')
        return template


def item_id(prefix: str, number: int) -> str:
    """The id of item `number` of a workload; sortable and stable across processes."""
    return f"{prefix}-{number:08d}"


def value_at(document: dict[str, Any], path: str) -> Any:
    """The value at a JSON path like "/address/city" (None when absent)."""
    node: Any = document
    for part in path.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_value_at(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.strip("/").split("/")
    node = document
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


class DocumentFactory:
    """Builds item n of a workload: the catalog generator or the user's template."""

    def __init__(self, name: str, key_paths: Sequence[str], spec: DocumentsSpec) -> None:
        self.spec = spec
        self.prefix = name
        self.paths = tuple(key_paths)
        self._seed = zlib.crc32(name.encode())
        self._keys = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(self._key)

    def _key(self, number: int) -> tuple[str, Any]:
        document = self.document(number)
        return document["id"], self.partition_key(document)

    def document(self, number: int, doc_id: str | None = None) -> dict[str, Any]:
        spec = self.spec
        if spec.generator == "template":
            document = self._from_template(number)
        else:
            document = self._product(number)
        document["id"] = doc_id or item_id(self.prefix, number)
        if spec.size_bytes:
            pad_to_size(document, spec.size_bytes)
        return document

    def key(self, number: int) -> tuple[str, Any]:
        """(id, partition key) of item `number`, cached: reads need no document body."""
        return self._keys(number)

    def partition_key(self, document: dict[str, Any]) -> Any:
        """What the SDK takes as `partition_key` for this document."""
        values = [value_at(document, path) for path in self.paths]
        return values[0] if len(values) == 1 else values

    def category_of(self, number: int) -> int:
        """Catalog categories are contiguous blocks of item numbers, so a skewed choice of
        items is also a skewed choice of categories (a hot partition under /categoryId)."""
        spec = self.spec
        return min(spec.categories - 1, number * spec.categories // max(1, spec.count))

    def _product(self, number: int) -> dict[str, Any]:
        rng = random.Random(self._seed * 1_000_003 + number)
        category = self.category_of(number)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {number}"
        return {
            "id": "",
            "categoryId": f"cat-{category:03d}",
            "categoryName": f"Category {category}",
            "sku": f"SKU-{number:08d}",
            "name": name,
            "description": f"The {name.lower()}, built to last.",
            "price": round(rng.uniform(5, 500), 2),
            "stock": rng.randint(0, 1000),
            "tags": [{"id": tag, "name": tag.title()} for tag in rng.sample(TAGS, 2)],
        }

    def _from_template(self, number: int) -> dict[str, Any]:
        """The user's sample document with `{n}` / `{n%K}` placeholders in strings filled in."""

        def fill(node: Any) -> Any:
            if isinstance(node, dict):
                return {key: fill(value) for key, value in node.items()}
            if isinstance(node, list):
                return [fill(value) for value in node]
            if isinstance(node, str):
                return PLACEHOLDER.sub(
                    lambda m: str(number % int(m.group(1)) if m.group(1) else number), node
                )
            return node

        return fill(copy.deepcopy(self.spec.template or {}))


def pad_to_size(document: dict[str, Any], size_bytes: int) -> None:
    """Add a `padding` string so the JSON body is about `size_bytes` long."""
    current = len(json.dumps(document, separators=(",", ":")).encode())
    missing = size_bytes - current - len(',"padding":""')
    if missing > 0:
        document["padding"] = "x" * missing
