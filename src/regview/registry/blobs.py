"""Streaming blob reads (layers), verified against their digest as they go.

A layer may be gigabytes: it is never held in memory. :class:`BlobStream` yields the
raw (still compressed) bytes chunk by chunk; when the whole blob is read, the digest is
checked at the end and a mismatch raises :class:`DigestMismatch` from the iterator, so
a consumer that builds something from the bytes must discard it on that error.
A ranged read (``offset``/``length``) cannot be verified by itself and says so.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from regview.registry.digests import parse_digest, short_digest
from regview.registry.errors import DigestMismatch, NetworkError, ProtocolError, Timeout

__all__ = ["BlobStream", "FileBlobStream", "HttpBlobStream"]

CHUNK = 256 * 1024


class BlobStream:
    """Bytes of one blob (or a range of it). Iterate :meth:`chunks` once."""

    def __init__(self, digest: str, size: int | None, *, ranged: bool) -> None:
        self.digest = parse_digest(digest)
        #: Bytes this stream will deliver, when known.
        self.size = size
        #: True when only part of the blob is read: no digest check is possible.
        self.ranged = ranged
        #: Bytes delivered so far (for progress bars).
        self.read = 0
        self._hash = None if ranged else hashlib.new(self.digest.split(":", 1)[0])

    def _account(self, chunk: bytes) -> None:
        self.read += len(chunk)
        if self._hash is not None:
            self._hash.update(chunk)

    def _finish(self) -> None:
        if self._hash is None:
            return
        actual = f"{self.digest.split(':', 1)[0]}:{self._hash.hexdigest()}"
        if actual != self.digest:
            raise DigestMismatch(
                f"blob {short_digest(self.digest)} does not match its digest "
                f"(got {short_digest(actual)}); its contents were discarded",
                expected=self.digest,
                actual=actual,
            )

    def chunks(self) -> AsyncIterator[bytes]:
        raise NotImplementedError


class HttpBlobStream(BlobStream):
    def __init__(
        self,
        response: httpx.Response,
        digest: str,
        *,
        ranged: bool,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        length = response.headers.get("content-length")
        size = int(length) if length is not None and length.isdigit() else None
        super().__init__(digest, size, ranged=ranged)
        self._response = response
        self._on_bytes = on_bytes

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw(CHUNK):
                self._account(chunk)
                if self._on_bytes is not None:
                    self._on_bytes(len(chunk))
                yield chunk
        except httpx.TimeoutException:
            raise Timeout(
                f"the registry stopped sending blob {short_digest(self.digest)} after "
                f"{self.read:,} bytes"
            ) from None
        except httpx.TransportError as exc:
            raise NetworkError(
                f"the connection broke after {self.read:,} bytes of blob "
                f"{short_digest(self.digest)} ({type(exc).__name__})"
            ) from None
        if self.size is not None and self.read != self.size:
            raise ProtocolError(
                f"blob {short_digest(self.digest)} ended after {self.read:,} of {self.size:,} bytes"
            )
        self._finish()


class FileBlobStream(BlobStream):
    def __init__(
        self, path: Path, digest: str, *, offset: int = 0, length: int | None = None
    ) -> None:
        total = path.stat().st_size
        start = min(offset, total)
        end = total if length is None else min(total, start + length)
        super().__init__(digest, end - start, ranged=(start, end) != (0, total))
        self._path = path
        self._start = start
        self._end = end

    async def chunks(self) -> AsyncIterator[bytes]:
        with self._path.open("rb") as f:
            f.seek(self._start)
            remaining = self._end - self._start
            while remaining > 0:
                chunk = await asyncio.to_thread(f.read, min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                self._account(chunk)
                yield chunk
        self._finish()
