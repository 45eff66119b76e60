"""The gateway: authenticates each request, routes it to a handler, runs partition-scoped
work through the throughput pipeline, and frames every answer with the service's headers.

Pipeline for work on a physical partition: `budget.admit(now)` -> 429/3200
with `x-ms-retry-after-ms` (charged 0) or execute -> charge from
`bench.emulator.costs` -> `budget.debit` -> `ledger.record`. Failed requests
are charged `failed_request_charge(status)` and change nothing.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import unquote

import bench.emulator.consistency as consistency
import bench.emulator.costs as costs
from bench.emulator.auth import Authenticator
from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.ledger import Ledger
from bench.emulator.paging import Snapshots
from bench.emulator.partitions import PhysicalPartition
from bench.emulator.replies import JSON, Reply, dumps
from bench.emulator.slicing import ParkedExecutions
from bench.emulator.storage import Account, Container

Handler = Callable[["Gateway", Call], Reply | Awaitable[Reply]]
# Picks the handler for a call (`bench.emulator.routes.route`); the server wires it in, so
# the handlers can know the gateway without the gateway knowing them.
Router = Callable[[Call], Handler]


def is_rid_based(segments: Sequence[str]) -> bool:
    """Whether a path addresses resources by `_rid` (`dbs/<dbrid>/colls/<collrid>/docs/<docrid>`,
    what the SDK sends for `read_item(item=doc)` and other `_self` links): the SDK's own rule
    (`_base.IsNameBased`), a database segment that is base64 of 4 bytes."""
    if len(segments) < 2 or segments[0] != "dbs" or len(segments[1]) != 8:
        return False
    try:
        return len(base64.b64decode(segments[1].replace("-", "/"), validate=True)) == 4
    except binascii.Error:
        return False


def resource_type_and_link(segments: Sequence[str]) -> tuple[str, str]:
    """What the client signed: `(resourceType, resourceLink)` for a path (see the notes' table).
    A rid-based path signs only the last resource id, lower-cased."""
    if not segments:
        return "", ""
    if segments[0] == "offers":
        return "offers", segments[1].lower() if len(segments) > 1 else ""
    if len(segments) >= 2 and segments[-2] == "operations":
        resource_type, owner = "colls", segments[:-2]
    elif len(segments) % 2 == 0:
        resource_type, owner = segments[-2], segments
    else:
        resource_type, owner = segments[-1], segments[:-1]
    if owner and is_rid_based(segments):
        return resource_type, owner[-1].lower()
    return resource_type, "/".join(owner)


class Gateway:
    """Owns the account state; every method runs on the server's event loop."""

    def __init__(
        self,
        account: Account,
        authenticator: Authenticator,
        ledger: Ledger,
        router: Router,
        default_consistency: consistency.ConsistencyLevel = consistency.ConsistencyLevel.SESSION,
    ) -> None:
        self.account = account
        self.authenticator = authenticator
        self.ledger = ledger
        self.router = router
        self.default_consistency = default_consistency
        self.snapshots = Snapshots()
        self.parked = ParkedExecutions()

    def handle(
        self,
        verb: str,
        raw_path: str,
        headers: Mapping[str, str],  # lower-cased names
        body: bytes,
        scheme: str,
        host: str,
    ) -> Reply | Awaitable[Reply]:
        """Answer one request, at once or (long work) as an awaitable; never raises (bad
        input becomes a service error reply)."""
        activity_id = headers.get("x-ms-activity-id") or str(uuid.uuid4())
        try:
            if not _echoable(activity_id):
                activity_id = str(uuid.uuid4())
                raise CosmosError(
                    400,
                    "The x-ms-activity-id header must be printable ASCII (a GUID); "
                    "nothing was done.",
                )
            path = raw_path.split("?", 1)[0]
            segments = [s for s in path.split("/") if s]
            if "%" in path:
                segments = [unquote(s) for s in segments]
            resource_type, link = resource_type_and_link(segments)
            resource_token = self.authenticator.authenticate(
                verb=verb,
                resource_type=resource_type,
                resource_link=link,
                authorization=headers.get("authorization"),
                date=headers.get("x-ms-date") or headers.get("date"),
                scheme=scheme,
            )
            # The account read is how clients learn the default: it answers whatever they ask.
            level = (
                consistency.effective_level(
                    self.default_consistency, headers.get(consistency.HEADER)
                )
                if segments
                else self.default_consistency
            )
            call = Call(
                verb,
                segments,
                headers,
                body,
                scheme,
                host,
                time.time(),
                consistency=level,
                by_rid=is_rid_based(segments),
            )
            if resource_token is not None:
                self.authenticator.resource_tokens.authorize(resource_token, self.account, call)
            answer = self.router(call)(self, call)
        except Exception as error:
            answer = _failure_reply(error)
        if isinstance(answer, Reply):
            return _stamped(answer, activity_id)
        return self._finish_later(answer, activity_id)

    async def _finish_later(self, pending: Awaitable[Reply], activity_id: str) -> Reply:
        """Long work (queries) runs in slices; its reply is framed like any other."""
        try:
            reply = await pending
        except Exception as error:
            reply = _failure_reply(error)
        return _stamped(reply, activity_id)

    # -- partition-scoped work ---------------------------------------------------------------
    def on_partitions(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
        work: Callable[[], Reply],
    ) -> Reply:
        """Admit on every partition, run `work`, then debit and record its charge."""
        self._admit(call, container, partitions, operation)
        try:
            reply = work()
        except CosmosError as error:
            raise self._failed(call, container, partitions, operation, error) from None
        return self._succeeded(call, container, partitions, operation, reply)

    async def on_partitions_sliced(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
        work: Callable[[], Awaitable[Reply]],
    ) -> Reply:
        """`on_partitions` for work that yields to the event loop while it runs."""
        self._admit(call, container, partitions, operation)
        try:
            reply = await work()
        except CosmosError as error:
            raise self._failed(call, container, partitions, operation, error) from None
        return self._succeeded(call, container, partitions, operation, reply)

    def _admit(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
    ) -> None:
        """429 when any partition's budget for this second is spent."""
        name = container.name_link
        for partition in partitions:
            retry_ms = partition.budget.admit(call.now)
            if retry_ms is not None:
                self.ledger.record(
                    container=name,
                    partition=partition.id,
                    operation=operation,
                    request_charge=0.0,
                    status=429,
                )
                raise self._with_partition_headers(
                    CosmosError(
                        429,
                        "Request rate is large. More Request Units may be needed, so no changes "
                        "were made. Please retry this request later. Learn more: "
                        "http://aka.ms/cosmosdb-error-429",
                        substatus=3200,
                        headers={"x-ms-retry-after-ms": str(int(retry_ms))},
                    ),
                    container,
                    partitions,
                    0.0,
                )

    def _failed(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
        error: CosmosError,
    ) -> CosmosError:
        charge = costs.failed_request_charge(error.status)
        self._charge(call, container, partitions, operation, charge, error.status)
        return self._with_partition_headers(error, container, partitions, charge)

    def _succeeded(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
        reply: Reply,
    ) -> Reply:
        # The ledger records what the header shows, to the cent.
        reply.charge = round(reply.charge, 2)
        self._charge(call, container, partitions, operation, reply.charge, reply.status)
        self._partition_headers(reply.headers, container, partitions)
        return reply

    def _charge(
        self,
        call: Call,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        operation: str,
        charge: float,
        status: int,
    ) -> None:
        share = charge / len(partitions) if partitions else 0.0
        for partition in partitions:
            partition.budget.debit(share, call.now)
            self.ledger.record(
                container=container.name_link,
                partition=partition.id,
                operation=operation,
                request_charge=share,
                status=status,
            )

    def _partition_headers(
        self, headers: dict[str, str], container: Container, partitions: Sequence[PhysicalPartition]
    ) -> None:
        headers["x-ms-session-token"] = ",".join(p.session_token for p in partitions)
        headers["x-ms-alt-content-path"] = container.name_link
        headers["x-ms-content-path"] = container.rid
        if len(partitions) == 1:
            headers["x-ms-documentdb-partitionkeyrangeid"] = partitions[0].id
            headers["lsn"] = headers["x-ms-lsn"] = str(partitions[0].lsn)

    def _with_partition_headers(
        self,
        error: CosmosError,
        container: Container,
        partitions: Sequence[PhysicalPartition],
        charge: float,
    ) -> CosmosError:
        self._partition_headers(error.headers, container, partitions)
        error.headers["x-ms-request-charge"] = f"{charge:.2f}"
        return error

    def record_metadata(self, operation: str, status: int, container: str = "") -> None:
        self.ledger.record(
            container=container,
            partition="",
            operation=operation,
            request_charge=costs.METADATA_CHARGE,
            status=status,
        )


def _echoable(value: str) -> bool:
    """Whether a header value can go back out as sent (printable ASCII)."""
    return value.isascii() and value.isprintable()


def _failure_reply(error: Exception) -> Reply:
    if isinstance(error, CosmosError):
        return error_reply(error)
    # A bug, not bad input: say so without killing the server.
    return error_reply(CosmosError(500, f"Emulator internal error: {error!r}"))


def _stamped(reply: Reply, activity_id: str) -> Reply:
    headers_out = reply.headers
    headers_out["x-ms-activity-id"] = activity_id
    headers_out.setdefault("x-ms-request-charge", f"{reply.charge:.2f}")
    return reply


def error_reply(error: CosmosError) -> Reply:
    headers = {"content-type": JSON, "x-ms-substatus": str(int(error.substatus))}
    headers.update(error.headers)
    return Reply(error.status, dumps(error.body()), headers)
