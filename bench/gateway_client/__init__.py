"""A lean Cosmos DB gateway client on Locust's fast HTTP stack (geventhttpclient).

It speaks the REST protocol directly (signed requests, partition key headers, session
tokens, pk-range routing, the SDK's 429 retries) at a fraction of the SDK's client CPU
per request, and returns with every call the figures rubench records for SDK calls::

    from bench.gateway_client import GatewayClient, GatewayContainer, query_items

    with GatewayClient(endpoint, key) as client:
        items = GatewayContainer(client, "shop", "products")
        read = items.read_item("1", "p1")
        read.body, read.stats.ru, read.stats.attempts, read.stats.latency_ms
        query_items(items, "SELECT * FROM c WHERE c.price > 5").stats.pages

Layout: `client` (account, signed requests, retries) -> `container` (item operations,
batch, ranges, session tokens) and `queries`; `auth`, `transport`, `retries`,
`routing`, `session` one concern each; `outcome` what calls return.
"""

from bench.gateway_client.client import GatewayClient
from bench.gateway_client.container import GatewayContainer
from bench.gateway_client.outcome import CallStats, GatewayError, NeedsSdk, Response
from bench.gateway_client.queries import query_items, query_page
from bench.gateway_client.retries import RetryLimits
from bench.gateway_client.transport import Tls

__all__ = [
    "CallStats",
    "GatewayClient",
    "GatewayContainer",
    "GatewayError",
    "NeedsSdk",
    "Response",
    "RetryLimits",
    "Tls",
    "query_items",
    "query_page",
]
