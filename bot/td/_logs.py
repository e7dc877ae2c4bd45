"""Task log files: TD serves each as the raw ``.log.gz`` (td-api §3.11).

A file can be up to 512 MB on TD, so it is decoded as it streams in and the
reading stops at a cap: the bot quotes head and tail of far less anyway, and a
gzip bomb must not exhaust memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable

_GZIP_MAGIC = b"\x1f\x8b"
MAX_LOG_BYTES = 32 * 1024 * 1024


class LogDecoder:
    """Gunzip (every member) when gzipped, else pass bytes through; keep at most
    ``limit`` decoded bytes. Plain input is accepted so that a proxy that already
    decoded a ``Content-Encoding: gzip`` response does no harm."""

    def __init__(self, limit: int = MAX_LOG_BYTES) -> None:
        self.limit = limit
        self.truncated = False
        self._out = bytearray()
        self._pending = b""  # bytes too few to tell whether a gzip member starts
        self._gzip: bool | None = None
        self._member: zlib._Decompress | None = None
        self._ended = False  # bytes after the last member that are no member

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes; False once nothing more is wanted."""
        if self.truncated or self._ended:
            return False
        data = self._pending + chunk
        self._pending = b""
        if self._gzip is None:
            if len(data) < len(_GZIP_MAGIC):
                self._pending = data
                return True
            self._gzip = data.startswith(_GZIP_MAGIC)
        if not self._gzip:
            return self._keep(data)
        while data:
            if self._member is None:
                if len(data) < len(_GZIP_MAGIC):
                    self._pending = data
                    return True
                if not data.startswith(_GZIP_MAGIC):
                    self._ended = True
                    return False
                self._member = zlib.decompressobj(wbits=31)
            member = self._member
            if not self._keep(member.decompress(data, self.limit - len(self._out) + 1)):
                return False
            data = member.unconsumed_tail
            if member.eof:
                data = member.unused_data + data
                self._member = None
        return True

    def text(self) -> str:
        """The decoded text; raises ``zlib.error`` when the last member was cut short."""
        if self._gzip is None:
            self._keep(self._pending)
        elif self._member is not None and not self.truncated:
            raise zlib.error("gzip stream ends early")
        decoded = self._out.decode("utf-8", errors="replace")
        return decoded + f"\n[log cut at {self.limit} bytes]\n" if self.truncated else decoded

    def _keep(self, data: bytes) -> bool:
        room = self.limit - len(self._out)
        self._out += data[:room]
        if len(data) > room:
            self.truncated = True
        return not self.truncated


def decode_log(data: bytes, limit: int = MAX_LOG_BYTES) -> str:
    decoder = LogDecoder(limit)
    decoder.feed(data)
    return decoder.text()


async def read_log(chunks: AsyncIterable[bytes], limit: int = MAX_LOG_BYTES) -> str:
    """Decode a streamed log file, reading no further than the cap needs."""
    decoder = LogDecoder(limit)
    async for chunk in chunks:
        if not decoder.feed(chunk):
            break
    return decoder.text()
