"""Helpers shared by the resource handlers: throughput headers, metadata replies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench.emulator.call import Call
from bench.emulator.costs import METADATA_CHARGE
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply, dumps
from bench.emulator.throughput import Throughput

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

OFFER_THROUGHPUT = "x-ms-offer-throughput"
AUTOSCALE_SETTINGS = "x-ms-cosmos-offer-autopilot-settings"


def throughput_from_headers(call: Call) -> Throughput | None:
    """Provisioned throughput requested at creation (manual or autoscale), if any."""
    autoscale = call.header(AUTOSCALE_SETTINGS)
    if autoscale:
        try:
            settings = json.loads(autoscale)
        except ValueError:
            settings = None
        return autoscale_throughput(settings, f"The {AUTOSCALE_SETTINGS} header")
    manual = call.header(OFFER_THROUGHPUT)
    if manual:
        try:
            return Throughput(manual_rus=int(manual))
        except ValueError:
            raise CosmosError(
                400, f"The {OFFER_THROUGHPUT} header {manual!r} is invalid: expected an integer."
            ) from None
    return None


def autoscale_throughput(settings: Any, where: str) -> Throughput:
    """Autoscale from `{"maxThroughput": N, "autoUpgradePolicy": {"throughputPolicy":
    {"incrementPercent": P}}}` (the policy optional), as the SDK sends it in the creation
    header and in a replaced offer's `offerAutopilotSettings`; `where` names the source."""
    expected = (
        '{"maxThroughput": <int>, "autoUpgradePolicy": {"throughputPolicy": '
        '{"incrementPercent": <int>}}} (the policy is optional)'
    )
    top = settings.get("maxThroughput") if isinstance(settings, dict) else None
    if type(top) is not int:
        raise CosmosError(400, f"{where} {json.dumps(settings)} is invalid: expected {expected}.")
    policy = settings.get("autoUpgradePolicy")
    if policy is None:
        return Throughput(autoscale_max_rus=top)
    try:
        increment = policy["throughputPolicy"]["incrementPercent"]
    except (KeyError, TypeError):
        raise CosmosError(
            400, f"{where} {json.dumps(settings)} is invalid: expected {expected}."
        ) from None
    return Throughput(autoscale_max_rus=top, autoscale_increment_percent=increment)


def metadata_reply(
    gateway: Gateway, operation: str, status: int, resource: Any, *, container: str = ""
) -> Reply:
    """A database/container/offer answer, recorded in the ledger at the metadata charge."""
    gateway.record_metadata(operation, status, container)
    headers = {}
    if isinstance(resource, dict) and "_etag" in resource:
        headers["etag"] = resource["_etag"]
    body = b"" if resource is None else dumps(resource)
    return Reply(status, body, headers, METADATA_CHARGE)
