"""Partial document update: the service's patch operations applied to a copy of a document,
and the optional `condition` (a `FROM c WHERE ...` filter) checked before it."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.emulator.errors import CosmosError
from bench.emulator.query import execute
from bench.emulator.query.indexing import PartitionIndex

MAX_OPERATIONS = 10
OPERATIONS = ("add", "set", "replace", "remove", "incr", "move")


def _bad(message: str) -> CosmosError:
    return CosmosError(400, message)


def _split(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise _bad(f"The patch path {path!r} is invalid: use a JSON pointer like '/a/b/0'.")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list, token: str, *, allow_end: bool) -> int:
    if allow_end and token == "-":
        return len(container)
    if not token.isdigit():
        raise _bad(f"The array index {token!r} is invalid.")
    position = int(token)
    if position > len(container) or (position == len(container) and not allow_end):
        raise _bad(f"The array index {position} is out of bounds (length {len(container)}).")
    return position


def _parent(document: dict, tokens: list[str], path: str) -> Any:
    node: Any = document
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise _bad(f"The patch path {path!r} does not exist (no parent for its last segment).")
    if not isinstance(node, dict | list):
        raise _bad(f"The patch path {path!r} does not point inside an object or array.")
    return node


def _exists(parent: Any, token: str) -> bool:
    if isinstance(parent, dict):
        return token in parent
    return token.isdigit() and int(token) < len(parent)


def _get(parent: Any, token: str) -> Any:
    return parent[token] if isinstance(parent, dict) else parent[int(token)]


def _apply(document: dict, operation: Mapping[str, Any]) -> None:
    kind = operation.get("op")
    path = operation.get("path")
    tokens = _split(path)
    parent = _parent(document, tokens, path)
    last = tokens[-1]
    value = operation.get("value")
    if kind in ("add", "set"):
        if isinstance(parent, list):
            position = _index(parent, last, allow_end=True)
            if kind == "add" or position == len(parent):
                parent.insert(position, value)
            else:
                parent[position] = value
        else:
            parent[last] = value
        return
    if kind == "move":
        source = operation.get("from")
        if isinstance(source, str) and (path == source or path.startswith(source + "/")):
            raise _bad(f"Cannot move {source!r} into its own child {path!r}.")
        source_tokens = _split(source)
        source_parent = _parent(document, source_tokens, source)
        if not _exists(source_parent, source_tokens[-1]):
            raise _bad(f"The patch 'from' path {source!r} does not exist.")
        moved = _get(source_parent, source_tokens[-1])
        _remove(source_parent, source_tokens[-1])
        parent = _parent(document, tokens, path)
        if isinstance(parent, list):
            parent.insert(_index(parent, last, allow_end=True), moved)
        else:
            parent[last] = moved
        return
    if kind == "incr":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(f"The incr value for {path!r} must be a number.")
        if not _exists(parent, last):
            if isinstance(parent, list):
                raise _bad(f"The patch path {path!r} does not exist.")
            parent[last] = value
            return
        current = _get(parent, last)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise _bad(f"Cannot increment {path!r}: its value is not a number.")
        _set(parent, last, current + value)
        return
    if not _exists(parent, last):
        raise _bad(f"The patch path {path!r} does not exist, so it cannot be {kind}d.")
    if kind == "replace":
        _set(parent, last, value)
    else:
        _remove(parent, last)


def _set(parent: Any, token: str, value: Any) -> None:
    if isinstance(parent, dict):
        parent[token] = value
    else:
        parent[int(token)] = value


def _remove(parent: Any, token: str) -> None:
    if isinstance(parent, dict):
        del parent[token]
    else:
        del parent[int(token)]


@dataclass
class PatchRequest:
    operations: list[Mapping[str, Any]]
    condition: str | None = None

    @classmethod
    def from_body(cls, body: Any, partition_key_paths: Sequence[str]) -> PatchRequest:
        if not isinstance(body, dict) or not isinstance(body.get("operations"), list):
            raise _bad("The patch body must be an object with an 'operations' list.")
        operations = body["operations"]
        if not operations:
            raise _bad("A patch needs at least one operation.")
        if len(operations) > MAX_OPERATIONS:
            raise _bad(
                f"A patch takes at most {MAX_OPERATIONS} operations; "
                f"this one has {len(operations)}."
            )
        for operation in operations:
            if not isinstance(operation, dict) or operation.get("op") not in OPERATIONS:
                raise _bad(
                    f"The patch operation {operation!r} is invalid: "
                    f"'op' must be one of {OPERATIONS}."
                )
            for key in ("path", "from") if operation.get("op") == "move" else ("path",):
                if operation.get(key) in ("/id", *partition_key_paths):
                    raise _bad(
                        f"The patch path {operation.get(key)!r} is the id or the partition key, "
                        "which cannot be changed."
                    )
        condition = body.get("condition")
        if condition is not None and not isinstance(condition, str):
            raise _bad("The patch 'condition' must be a string like 'FROM c WHERE c.x = 1'.")
        return cls(operations, condition)

    def applied_to(self, document: Mapping[str, Any]) -> dict[str, Any]:
        patched = copy.deepcopy(dict(document))
        for operation in self.operations:
            _apply(patched, operation)
        return patched


class _OneDocument:
    """A single-document PartitionSource for evaluating a patch condition."""

    def __init__(self, document: Mapping[str, Any], paths: Sequence[str]) -> None:
        self.id = "condition"
        self.documents = {"doc": document}
        # A one-document filter gains nothing from an index; building one per patch would.
        self.index = PartitionIndex({"indexingMode": "none"}, paths)
        self.index.insert("doc", document)


def condition_holds(condition: str, document: Mapping[str, Any], paths: Sequence[str]) -> bool:
    source = _OneDocument(document, paths)
    result = execute(f"SELECT VALUE 1 {condition}", None, [source], partition_key_paths=paths)
    return bool(result.documents)
