"""The operation kinds a workload mixes, each one or more recorded SDK calls.

One `Operations` per Locust user: it knows the workload's documents (rebuilt from item
numbers), chooses items with the workload's key distribution and runs each kind
through `InstrumentedCalls`, so every SDK call becomes a request event and a row::

    operations = Operations(workload, container_proxy, calls, rng, tag="w1")
    operations.run(workload.operations["point_read"])
"""

from __future__ import annotations

import contextlib
import itertools
import random
from collections.abc import Callable
from typing import Any

from azure.core import MatchConditions
from locust.exception import StopUser

from bench.harness.documents import set_value_at, value_at
from bench.harness.index_sampling import process_sample
from bench.harness.instrumented import CallFailed, InstrumentedCalls, count_items
from bench.harness.keys import key_chooser
from bench.harness.query_scope import key_parameters
from bench.harness.workload import (
    OPERATION_KINDS,
    BatchOperation,
    BulkCreateOperation,
    CreateOperation,
    DeleteOperation,
    OperationSpec,
    ParameterSpec,
    PatchOperation,
    QueryOperation,
    ReadOperation,
    ReplaceOperation,
    StoredProcedureOperation,
    UpsertOperation,
    Workload,
)


class Operations:
    """Runs a workload's operations for one user."""

    def __init__(
        self,
        workload: Workload,
        container: Any,
        calls: InstrumentedCalls,
        rng: random.Random,
        *,
        tag: str,
    ) -> None:
        self.workload = workload
        self.container = container
        self.calls = calls
        self.rng = rng
        self.tag = tag  # unique per user and process: ids of created items never collide
        self.documents = workload.document_factory()
        self.chooser = key_chooser(workload.keys, workload.documents.count)
        self.index_sample = process_sample(workload.run.index_metrics_sample)
        self.created: list[tuple[str, Any]] = []  # (id, partition key) this user created
        self._sequence = itertools.count()
        # each kind is the method of that name (a kind without one fails here, not mid-run)
        self._kinds: dict[str, Callable[[Any], None]] = {
            kind: getattr(self, kind) for kind in OPERATION_KINDS
        }

    def run(self, spec: OperationSpec) -> None:
        """Run one operation; a failed call is already recorded, so it ends the operation."""
        with contextlib.suppress(CallFailed):
            self._kinds[spec.kind](spec)

    # choosing items -------------------------------------------------------------------

    def existing(self) -> tuple[dict[str, Any], Any]:
        document = self.documents.document(self.chooser.choose(self.rng))
        return document, self.documents.partition_key(document)

    def new_document(self) -> tuple[dict[str, Any], Any]:
        """A document that does not exist yet, placed like the existing ones."""
        number = self.chooser.choose(self.rng)
        doc_id = f"{self.documents.prefix}-new-{self.tag}-{next(self._sequence)}"
        document = self.documents.document(number, doc_id=doc_id)
        return document, self.documents.partition_key(document)

    def new_value(self, current: Any) -> Any:
        if isinstance(current, int | float) and not isinstance(current, bool):
            return round(self.rng.uniform(5, 500), 2)
        return f"v{self.rng.randrange(1_000_000)}"

    def parameter(self, spec: ParameterSpec, document: dict[str, Any]) -> Any:
        if spec.source == "field":
            return value_at(document, "/" + spec.document_field.strip("/"))
        if spec.source == "uniform":
            return round(self.rng.uniform(spec.low, spec.high), 2)
        return spec.value

    # kinds ------------------------------------------------------------------------------

    def read(self, spec: ReadOperation) -> None:
        doc_id, pk = self.documents.key(self.chooser.choose(self.rng))
        missing = self.rng.random() < spec.missing_share
        if missing:
            doc_id += "-missing"
        self.calls.call(
            spec.name,
            "read",
            lambda **hook: self.container.read_item(doc_id, pk, **hook),
            missing_ok=missing,
            partition_key=pk,
        )

    def query(self, spec: QueryOperation) -> None:
        """Single-partition when the filter binds the whole partition key to parameters
        (the key is their values), else cross-partition (bench.harness.query_scope)."""
        document, _ = self.existing()
        sources = spec.parameters
        values = {name: self.parameter(source, document) for name, source in sources.items()}
        parameters = [{"name": name, "value": value} for name, value in values.items()]
        names = None if spec.cross_partition else key_parameters(spec.sql, self.documents.paths)
        pk: Any = None
        scope: dict[str, Any] = {"enable_cross_partition_query": True}
        if names is not None:
            key = [values[name] for name in names]
            pk = key[0] if len(key) == 1 else key
            scope = {"partition_key": pk}
        if asked := self.index_sample.take(spec.name):
            scope["populate_index_metrics"] = True
        self.calls.call(
            spec.name,
            "query",
            lambda **hook: list(
                self.container.query_items(
                    spec.sql, parameters=parameters, populate_query_metrics=True, **scope, **hook
                )
            ),
            items=count_items,
            partition_key=pk,
            asked_index_metrics=asked,
        )

    def replace(self, spec: ReplaceOperation) -> None:
        """Read, change a field, replace with If-Match; a 412 is a conflict outcome and
        is retried (re-read first) up to `retry_on_conflict` times."""
        doc_id, pk = self.documents.key(self.chooser.choose(self.rng))
        for _ in range(spec.retry_on_conflict + 1):
            if self._read_modify_replace(spec, doc_id, pk):
                return

    def _read_modify_replace(self, spec: ReplaceOperation, doc_id: str, pk: Any) -> bool:
        """One optimistic-concurrency round; False on a 412 conflict."""
        current, _ = self.calls.call(
            f"{spec.name}.read",
            "read",
            lambda **hook: self.container.read_item(doc_id, pk, **hook),
            partition_key=pk,
        )
        body = {k: v for k, v in current.items() if not k.startswith("_")}
        path = "/" + spec.changed_field
        set_value_at(body, path, self.new_value(value_at(body, path)))
        replaced, _ = self.calls.call(
            spec.name,
            "replace",
            lambda **hook: self.container.replace_item(
                doc_id,
                body,
                etag=current["_etag"],
                match_condition=MatchConditions.IfNotModified,
                **hook,
            ),
            conflict_ok=True,
            partition_key=pk,
        )
        return replaced is not None

    def upsert(self, spec: UpsertOperation) -> None:
        document, pk = self.existing()
        path = "/" + spec.changed_field
        set_value_at(document, path, self.new_value(value_at(document, path)))
        self.calls.call(
            spec.name,
            "upsert",
            lambda **hook: self.container.upsert_item(document, **hook),
            partition_key=pk,
        )

    def create(self, spec: CreateOperation) -> None:
        self._create(spec.name, "create")

    def _create(self, name: str, kind: str) -> None:
        document, pk = self.new_document()
        self.calls.call(
            name,
            kind,
            lambda **hook: self.container.create_item(document, **hook),
            partition_key=pk,
        )
        self.created.append((document["id"], pk))

    def patch(self, spec: PatchOperation) -> None:
        document, pk = self.existing()
        path = "/" + spec.changed_field
        patch = [{"op": "set", "path": path, "value": self.new_value(value_at(document, path))}]
        self.calls.call(
            spec.name,
            "patch",
            lambda **hook: self.container.patch_item(document["id"], pk, patch, **hook),
            partition_key=pk,
        )

    def delete(self, spec: DeleteOperation) -> None:
        """Deletes an item this user created; creates one first (recorded) when it has none."""
        if not self.created:
            self._create(f"{spec.name}.create", "create")
        doc_id, pk = self.created.pop()
        self.calls.call(
            spec.name,
            "delete",
            lambda **hook: self.container.delete_item(doc_id, pk, **hook),
            partition_key=pk,
        )

    def batch(self, spec: BatchOperation) -> None:
        """Upserts `batch_size` companion items that share a chosen item's partition key."""
        document, pk = self.existing()
        operations = []
        for index in range(spec.batch_size):
            companion = self.documents.document(0, doc_id=f"{document['id']}-b{index}")
            for path in self.documents.paths:
                set_value_at(companion, path, value_at(document, path))
            operations.append(("upsert", (companion,)))
        self.calls.call(
            spec.name,
            "batch",
            lambda **hook: self.container.execute_item_batch(operations, pk, **hook),
            items=lambda _: len(operations),
            partition_key=pk,
        )

    def bulk_create(self, spec: BulkCreateOperation) -> None:
        """`bulk_size` creates with `concurrency` in flight (greenlets inside Locust)."""
        from gevent.pool import Pool

        def create_one(_: int) -> None:
            # StopUser: the user is stopping (no new calls); a greenlet of the pool must
            # not print it as an unhandled error, the user itself stops below
            with contextlib.suppress(CallFailed, StopUser):
                self._create(spec.name, "bulk_create")

        Pool(spec.concurrency).map(create_one, range(spec.bulk_size))
        if self.calls.closing:
            raise StopUser()

    def stored_procedure(self, spec: StoredProcedureOperation) -> None:
        """Executes `procedure` on a chosen item's logical partition, with the parameters as
        positional arguments in the order the workload file lists them."""
        document, pk = self.existing()
        arguments = [self.parameter(source, document) for source in spec.parameters.values()]
        self.calls.call(
            spec.name,
            "stored_procedure",
            lambda **hook: self.container.scripts.execute_stored_procedure(
                spec.procedure, partition_key=pk, params=arguments, **hook
            ),
            partition_key=pk,
        )
