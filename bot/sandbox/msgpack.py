"""Just enough MessagePack to serve job results (rows of str, int, float, bool, None)."""

from __future__ import annotations

import struct
from typing import Any


def pack(value: Any) -> bytes:
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _header(len(data), 0xA0, 31, b"\xd9", b"\xda", b"\xdb") + data
    if isinstance(value, list | tuple):
        return _header(len(value), 0x90, 15, None, b"\xdc", b"\xdd") + b"".join(map(pack, value))
    raise TypeError(f"cannot pack {type(value).__name__}")


def _int(value: int) -> bytes:
    if 0 <= value < 128:
        return bytes([value])
    if -32 <= value < 0:
        return struct.pack(">b", value)
    if -(2**63) <= value < 2**63:
        return b"\xd3" + struct.pack(">q", value)
    raise OverflowError(value)


def _header(size: int, fix: int, fix_max: int, b8: bytes | None, b16: bytes, b32: bytes) -> bytes:
    if size <= fix_max:
        return bytes([fix | size])
    if b8 is not None and size < 2**8:
        return b8 + struct.pack(">B", size)
    if size < 2**16:
        return b16 + struct.pack(">H", size)
    return b32 + struct.pack(">I", size)
