"""Task log files: TD serves each as the raw ``.log.gz`` (td-api §3.11)."""

from __future__ import annotations

import zlib

_GZIP_MAGIC = b"\x1f\x8b"
# A log past this size is cut: the bot quotes head and tail of far less anyway,
# and a gzip bomb must not exhaust memory.
MAX_LOG_BYTES = 32 * 1024 * 1024


def decode_log(data: bytes, limit: int = MAX_LOG_BYTES) -> str:
    """Gunzip (every member) when gzipped, then decode UTF-8 leniently.

    Plain bytes pass through, so a proxy that already decoded a
    ``Content-Encoding: gzip`` response does no harm. Raises ``zlib.error``
    on a corrupt stream.
    """
    text = data
    truncated = False
    if data.startswith(_GZIP_MAGIC):
        out = bytearray()
        rest = data
        while rest.startswith(_GZIP_MAGIC):
            member = zlib.decompressobj(wbits=31)
            out += member.decompress(rest, limit - len(out) + 1)
            if len(out) > limit:
                truncated = True
                del out[limit:]
                break
            if not member.eof:
                raise zlib.error("gzip stream ends early")
            rest = member.unused_data
        text = bytes(out)
    else:
        truncated = len(data) > limit
        text = data[:limit]
    decoded = text.decode("utf-8", errors="replace")
    return decoded + f"\n[log cut at {limit} bytes]\n" if truncated else decoded
