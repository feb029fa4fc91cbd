"""Read a blob for decoding: whole and verified when it is small enough, else its start.

A blob over :data:`~regview.artifacts.fields.MAX_JSON_BYTES`, and a layer of an image
bigger than a preview (a tar archive, which no decoder reads), is read only for its first
:data:`~regview.artifacts.raw.MAX_PREVIEW_BYTES` with a ranged request, which cannot
be checked against the digest: :class:`BlobBytes` says so (``verified``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from regview.artifacts.decode import is_layer_type
from regview.artifacts.fields import MAX_JSON_BYTES
from regview.artifacts.raw import MAX_PREVIEW_BYTES

if TYPE_CHECKING:
    from regview.registry import Source

__all__ = ["BlobBytes", "read_for_decoding"]


@dataclass(frozen=True, slots=True)
class BlobBytes:
    """The bytes read of a blob of ``size`` bytes; all of them when ``complete``."""

    data: bytes
    size: int
    verified: bool

    @property
    def complete(self) -> bool:
        return len(self.data) == self.size


async def read_for_decoding(
    source: Source,
    repository: str,
    digest: str,
    *,
    media_type: str = "",
    size: int | None = None,
) -> BlobBytes:
    """The blob, verified, when it is no bigger than regview decodes and no layer; else
    its first bytes (a ranged read, not verified). ``size`` from the descriptor, when
    known, spares opening a big blob for nothing; the served length is believed only
    to stop early, never to read more."""
    small = size is not None and size <= MAX_PREVIEW_BYTES  # all of it costs no more
    wanted = small or not is_layer_type(media_type)
    if wanted and (size is None or size <= MAX_JSON_BYTES):
        async with source.open_blob(repository, digest) as stream:
            total = stream.size
            if total is None or total <= MAX_JSON_BYTES:
                data = bytearray()
                async for chunk in stream.chunks():  # DigestMismatch at the end
                    data += chunk
                    if len(data) > MAX_JSON_BYTES:
                        break
                else:
                    return BlobBytes(bytes(data), len(data), verified=True)
                total = total if total is not None else len(data)
            size = total
    head = bytearray()
    async with source.open_blob(repository, digest, length=MAX_PREVIEW_BYTES) as stream:
        async for chunk in stream.chunks():
            head += chunk
            if len(head) >= MAX_PREVIEW_BYTES:
                break
    start = bytes(head[:MAX_PREVIEW_BYTES])
    return BlobBytes(start, size if size is not None else len(start), verified=False)
