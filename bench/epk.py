"""Effective partition keys: the hash that places a logical partition in a key range.

The SDK routes by these strings (`azure/cosmos/partition_key.py`), so the
emulator and rubench's own gateway client (`bench.gateway_client`) must compute
exactly the same values, which is why this module belongs to neither:
MurmurHash3 x64-128 over the service's binary encoding of each component (Hash
and MultiHash, version 2), and MurmurHash3 x86-32 plus the order-preserving
encoding for version 1.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

MIN_EPK = ""
MAX_EPK = "FF"

_MASK64 = 0xFFFFFFFFFFFFFFFF
_MASK32 = 0xFFFFFFFF


class Undefined:
    """A partition key path the document has no value for (sent as `{}` on the wire)."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Undefined"


UNDEFINED = Undefined()


def _rotl64(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK64


def _fmix64(value: int) -> int:
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    value ^= value >> 33
    return value


def murmurhash3_128(data: bytes) -> int:
    """MurmurHash3 x64-128 with seed 0, as `(h2 << 64) | h1`."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = 0
    length = len(data)
    blocks = length // 16
    for index in range(blocks):
        k1, k2 = struct.unpack_from("<QQ", data, index * 16)
        k1 = (k1 * c1) & _MASK64
        k1 = _rotl64(k1, 31)
        k1 = (k1 * c2) & _MASK64
        h1 ^= k1
        h1 = _rotl64(h1, 27)
        h1 = (h1 + h2) & _MASK64
        h1 = (h1 * 5 + 0x52DCE729) & _MASK64
        k2 = (k2 * c2) & _MASK64
        k2 = _rotl64(k2, 33)
        k2 = (k2 * c1) & _MASK64
        h2 ^= k2
        h2 = _rotl64(h2, 31)
        h2 = (h2 + h1) & _MASK64
        h2 = (h2 * 5 + 0x38495AB5) & _MASK64
    tail = data[blocks * 16 :]
    k1 = int.from_bytes(tail[:8], "little")
    k2 = int.from_bytes(tail[8:], "little")
    if len(tail) > 8:
        k2 = (k2 * c2) & _MASK64
        k2 = _rotl64(k2, 33)
        k2 = (k2 * c1) & _MASK64
        h2 ^= k2
    if tail:
        k1 = (k1 * c1) & _MASK64
        k1 = _rotl64(k1, 31)
        k1 = (k1 * c2) & _MASK64
        h1 ^= k1
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    h1 = _fmix64(h1)
    h2 = _fmix64(h2)
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    return (h2 << 64) | h1


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86-32 (used by version-1 hash partitioning)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h1 = seed
    length = len(data)
    rounded = length & ~3
    for index in range(0, rounded, 4):
        (k1,) = struct.unpack_from("<I", data, index)
        k1 = (k1 * c1) & _MASK32
        k1 = ((k1 << 15) | (k1 >> 17)) & _MASK32
        k1 = (k1 * c2) & _MASK32
        h1 ^= k1
        h1 = ((h1 << 13) | (h1 >> 19)) & _MASK32
        h1 = (h1 * 5 + 0xE6546B64) & _MASK32
    tail = data[rounded:]
    if tail:
        k1 = int.from_bytes(tail, "little")
        k1 = (k1 * c1) & _MASK32
        k1 = ((k1 << 15) | (k1 >> 17)) & _MASK32
        k1 = (k1 * c2) & _MASK32
        h1 ^= k1
    h1 ^= length
    h1 ^= h1 >> 16
    h1 = (h1 * 0x85EBCA6B) & _MASK32
    h1 ^= h1 >> 13
    h1 = (h1 * 0xC2B2AE35) & _MASK32
    h1 ^= h1 >> 16
    return h1


def _hashing_bytes(value: Any, string_suffix: bytes) -> bytes:
    if value is True:
        return b"\x03"
    if value is False:
        return b"\x02"
    if value is None:
        return b"\x01"
    if value is UNDEFINED:
        return b"\x00"
    if isinstance(value, int | float):
        return b"\x05" + struct.pack("<d", float(value))
    if isinstance(value, str):
        return b"\x08" + value.encode("utf-8") + string_suffix
    raise TypeError(f"unsupported partition key component {value!r}")


def _hash_v2_hex(data: bytes) -> str:
    digest = bytearray(murmurhash3_128(data).to_bytes(16, "big"))
    digest[0] &= 0x3F
    return digest.hex().upper()


def _encode_double_as_uint64(value: float) -> int:
    # Negative values map to the two's complement of the bits, as the SDK does.
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    return (bits ^ 0x8000000000000000) if bits < 0x8000000000000000 else (-bits) & _MASK64


def _binary_encoding_v1(value: Any) -> bytes:
    """The order-preserving encoding of one component (version-1 hashing)."""
    if isinstance(value, bool):
        return b"\x03" if value else b"\x02"
    if value is None:
        return b""  # the SDK writes nothing for null here; routing must agree with it
    if value is UNDEFINED:
        return b"\x00"
    if isinstance(value, int | float):
        out = bytearray(b"\x05")
        payload = _encode_double_as_uint64(float(value))
        out.append(payload >> 56)
        payload = (payload << 8) & _MASK64
        byte_to_write = 0
        first = True
        while payload != 0:
            if not first:
                out.append(byte_to_write)
            first = False
            byte_to_write = (payload >> 56) | 0x01
            payload = (payload << 7) & _MASK64
        out.append(byte_to_write & 0xFE)
        return bytes(out)
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        short = len(encoded) <= 100
        body = bytes((b + 1) & 0xFF for b in encoded[: len(encoded) if short else 101])
        return b"\x08" + body + (b"\x00" if short else b"")
    raise TypeError(f"unsupported partition key component {value!r}")


def _epk_hash_v1(components: Sequence[Any]) -> str:
    truncated = [c[:100] if isinstance(c, str) else c for c in components]
    hashed = b"".join(
        _hashing_bytes(
            float(c & _MASK32) if isinstance(c, int) and not isinstance(c, bool) else c, b"\x00"
        )
        for c in truncated
    )
    hash_value = float(murmurhash3_32(hashed))
    # Upper-case hex, as in the SDK's routing ranges (`routing_range.Range` upper-cases every
    # EPK, feed ranges included) and the range boundaries: the strings are compared.
    return b"".join(_binary_encoding_v1(c) for c in [hash_value, *truncated]).hex().upper()


def effective_partition_key(components: Sequence[Any], kind: str, version: int = 2) -> str:
    """The EPK string of a full (or, for MultiHash, prefix) partition key value."""
    if not components:
        return MIN_EPK
    if kind == "MultiHash":
        return "".join(_hash_v2_hex(_hashing_bytes(c, b"\xff")) for c in components)
    if version == 1:
        return _epk_hash_v1(components)
    return _hash_v2_hex(b"".join(_hashing_bytes(c, b"\xff") for c in components))
