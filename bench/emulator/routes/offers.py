"""Throughput offers: `POST /offers` (query by resource link), `GET /offers`,
`GET/PUT /offers/{rid}`. Replacing an offer re-splits budgets and may split partitions."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.errors import CosmosError
from bench.emulator.replies import Reply
from bench.emulator.routes.common import autoscale_throughput, metadata_reply
from bench.emulator.routes.resource_feeds import query_resources, resource_feed
from bench.emulator.throughput import Throughput

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway


def query(gateway: Gateway, call: Call) -> Reply:
    """`QueryOffers`; the SDK's `get_throughput` sends
    `SELECT * FROM root r WHERE r.resource=@link` with the container's or database's `_self`."""
    results = query_resources(call, _offers(gateway))
    return resource_feed(gateway, call, "QueryOffers", "Offers", "", results)


def list_all(gateway: Gateway, call: Call) -> Reply:
    return resource_feed(gateway, call, "ReadOfferFeed", "Offers", "", _offers(gateway))


def _offers(gateway: Gateway) -> list[dict]:
    return [o.to_resource() for o in gateway.account.offers.values()]


def read(gateway: Gateway, call: Call) -> Reply:
    return metadata_reply(
        gateway, "ReadOffer", 200, gateway.account.offer(call.segments[1]).to_resource()
    )


def replace(gateway: Gateway, call: Call) -> Reply | Awaitable[Reply]:
    offer = gateway.account.offer(call.segments[1])
    content = call.json_object().get("content")
    if not isinstance(content, dict):
        raise CosmosError(400, "The offer body must have a 'content' object.")
    autoscale = content.get("offerAutopilotSettings")
    if autoscale is not None:
        throughput = autoscale_throughput(autoscale, "The offer's content.offerAutopilotSettings")
    else:
        manual = content.get("offerThroughput")
        if type(manual) is not int:
            raise CosmosError(400, "content.offerThroughput must be an integer.")
        throughput = Throughput(manual_rus=manual)

    def apply() -> Reply:
        gateway.account.replace_offer(offer, throughput)
        return metadata_reply(gateway, "ReplaceOffer", 200, offer.to_resource())

    # A split copies a partition's documents: not while a procedure's writes there are pending.
    everywhere = [p for container in gateway.account.containers() for p in container.partitions]
    return gateway.when_free(everywhere, apply)
