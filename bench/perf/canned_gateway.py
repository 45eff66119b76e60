"""A do-nothing Cosmos DB gateway: fixed answers, no auth, no storage, no RU model.

The ceiling for client benchmarks: it answers `GET /`, a container, its one partition key
range, point reads and upserts with canned bytes, so what a client loop against it
measures is the client's own cost (plus the loopback round trip). Run in its own
process::

    python -m bench.perf.canned_gateway   # prints "port <n>", serves until killed
"""

from __future__ import annotations

import asyncio
import json

DOCUMENT = {
    "id": "1",
    "pk": "p1",
    "price": 12.5,
    "_rid": "AQAAAIAAAAIBAAAAAAAAAA==",
    "_self": "dbs/AQAAAA==/colls/AQAAAIAAAAI=/docs/AQAAAIAAAAIBAAAAAAAAAA==/",
    "_etag": '"00000000-0000-0000-0000-000000000001"',
    "_attachments": "attachments/",
    "_ts": 1700000000,
}
CONTAINER = {
    "id": "c",
    "_rid": "AQAAAIAAAAI=",
    "_self": "dbs/AQAAAA==/colls/AQAAAIAAAAI=/",
    "partitionKey": {"paths": ["/pk"], "kind": "Hash", "version": 2},
}
RANGES = {
    "_rid": "AQAAAIAAAAI=",
    "PartitionKeyRanges": [
        {
            "_rid": "AQAAAIAAAAI=",
            "id": "0",
            "_etag": '"0-1"',
            "minInclusive": "",
            "maxExclusive": "FF",
            "ridPrefix": 0,
            "_self": "pkranges/0/",
            "throughputFraction": 1.0,
            "status": "online",
            "parents": [],
            "_ts": 0,
        }
    ],
    "_count": 1,
}
ITEM_HEADERS = {
    "x-ms-request-charge": "1",
    "x-ms-session-token": "0:-1#1",
    "x-ms-alt-content-path": "dbs/d/colls/c",
    "x-ms-content-path": "AQAAAIAAAAI=",
    "x-ms-documentdb-partitionkeyrangeid": "0",
    "etag": DOCUMENT["_etag"],
}


def _reply(status: str, body: object, headers: dict[str, str]) -> bytes:
    content = json.dumps(body).encode()
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append(f"Content-Length: {len(content)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + content


def _account(host: str) -> bytes:
    location = [{"name": "local", "databaseAccountEndpoint": f"http://{host}/"}]
    account = {
        "id": "canned",
        "writableLocations": location,
        "readableLocations": location,
        "enableMultipleWriteLocations": False,
        "userConsistencyPolicy": {"defaultConsistencyLevel": "Session"},
    }
    return _reply("200 OK", account, {"x-ms-request-charge": "0"})


CONTAINER_REPLY = _reply("200 OK", CONTAINER, {"x-ms-request-charge": "1"})
RANGES_REPLY = _reply("200 OK", RANGES, {"etag": '"1"', "x-ms-request-charge": "1"})
UNCHANGED_REPLY = b'HTTP/1.1 304 Not Modified\r\netag: "1"\r\nContent-Length: 0\r\n\r\n'
READ_REPLY = _reply("200 OK", DOCUMENT, ITEM_HEADERS)
WRITE_REPLY = _reply("200 OK", DOCUMENT, {**ITEM_HEADERS, "x-ms-request-charge": "10.29"})


class CannedGateway(asyncio.Protocol):
    """Keep-alive HTTP/1.1, one request at a time per connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", 0))
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self._answer(lines[0], headers))  # type: ignore[attr-defined]

    @staticmethod
    def _answer(request_line: str, headers: dict[str, str]) -> bytes:
        method, target, _ = request_line.split(" ", 2)
        path = target.rstrip("/")  # the SDK ends paths with "/"
        if not path:
            return _account(headers.get("host", "127.0.0.1"))
        if path.endswith("/pkranges"):
            return UNCHANGED_REPLY if "if-none-match" in headers else RANGES_REPLY
        if "/docs" in path:
            return READ_REPLY if method == "GET" else WRITE_REPLY
        return CONTAINER_REPLY


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(CannedGateway, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve())
