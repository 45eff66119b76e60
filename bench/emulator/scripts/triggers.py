"""Pre- and post-triggers around an item write, as the request's headers ask for them.

Pre-triggers run first and may rewrite the request body; then the write;
then post-triggers, which see the stored document as the response body. They
all share one transaction on the item's logical partition: if any trigger
throws, the write and everything the triggers did are rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import bench.emulator.costs as costs
import bench.emulator.documents as documents
import bench.emulator.scripts.engine as engine
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.resources import check_resource_id
from bench.emulator.scripts.host import Host
from bench.emulator.scripts.registry import Kind
from bench.emulator.storage import Placement

PRE_INCLUDE = "x-ms-documentdb-pre-trigger-include"
POST_INCLUDE = "x-ms-documentdb-post-trigger-include"
# The trigger operation each write matches, besides "all" (upsert runs create triggers).
_OPERATIONS = {"create": ("create",), "replace": ("replace", "update"), "delete": ("delete",)}
_SCRIPT_OPERATION_TYPES = {"create": "Create", "replace": "Replace", "delete": "Delete"}


def _requested(call: Call, at: Placement, header: str, kind: str, operation: str) -> list[dict]:
    names = [n.strip() for n in (call.header(header) or "").split(",") if n.strip()]
    triggers = [at.container.scripts.get(Kind.TRIGGER, name) for name in names]
    for trigger in triggers:
        if trigger["triggerType"].lower() != kind:
            raise CosmosError(
                400, f"Trigger '{trigger['id']}' is a {trigger['triggerType']} trigger, not {kind}."
            )
        if trigger["triggerOperation"].lower() not in ("all", *_OPERATIONS[operation]):
            raise CosmosError(
                400,
                f"Trigger '{trigger['id']}' runs on {trigger['triggerOperation']} operations, "
                f"not on this {operation}.",
            )
    return triggers


def around(
    call: Call,
    at: Placement,
    operation: str,
    document: dict[str, Any] | None,
    item_id: str | None,
    write: Callable[[dict[str, Any] | None], documents.Outcome],
) -> documents.Outcome:
    """Run `write(document)` (`operation`: create, replace or delete) inside the requested
    triggers; `item_id` is the written item (None: the id of the document as pre-triggers
    leave it). Without trigger headers this is just `write(document)`."""
    pre = _requested(call, at, PRE_INCLUDE, "pre", operation)
    post = _requested(call, at, POST_INCLUDE, "post", operation)
    if not pre and not post:
        return write(document)
    host = Host(at, call.now, strong=call.strong)
    links = {"self_link": at.container.self_link, "alt_link": at.container.name_link}
    operation_type = _SCRIPT_OPERATION_TYPES[operation]
    try:
        for trigger in pre:
            script = engine.Script(
                trigger["body"], request_body=document, operation_type=operation_type
            )
            document = engine.run(script, host.perform, **links).request_body
            if operation != "delete":
                check_resource_id(document)
        for written in {item_id, document["id"] if document else None} - {None}:
            host.undo.save(at.key(written))  # a replace may rename the item: both ids
        outcome = write(document)
        stored = json.loads(outcome.body) if outcome.body else None
        for trigger in post:
            script = engine.Script(
                trigger["body"],
                request_body=document,
                response_body=stored,
                operation_type=operation_type,
            )
            engine.run(script, host.perform, **links)
    except CosmosError:
        host.rollback()
        raise
    outcome.charge = costs.script_charge(outcome.charge + host.charge, len(pre) + len(post))
    return outcome
