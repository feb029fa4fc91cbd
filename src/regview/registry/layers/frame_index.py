"""Where the data frames of a multi-frame zstd layer start, kept next to its TOC.

:class:`~regview.registry.layers.decompress.Decompressor` records the (compressed,
uncompressed) offsets of zstd frame starts as a layer streams by (at most one per MiB
of output, at most 4,096: :mod:`.zstd_stream`). A zstd frame can be decoded on its own,
so each start is a restart point that needs no window: a ranged read of a file starts at
the last frame start before it and ends at the first one after it. A single-frame layer
(what most tools write) has no restart point but its start, and is streamed instead.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence

__all__ = ["decode_frames", "encode_frames", "is_frame_index"]

_MAGIC = b"regview-zstd-frames-1\n"
_PAIR = struct.Struct("<QQ")
#: More than :data:`~.zstd_stream.MAX_FRAMES`, with room; a larger file is not ours.
_MAX_COUNT = 1 << 16


def is_frame_index(data: bytes) -> bool:
    """True when ``data`` is what :func:`encode_frames` writes (by its magic)."""
    return data.startswith(_MAGIC)


def encode_frames(frames: Sequence[tuple[int, int]]) -> bytes:
    """(compressed, uncompressed) frame starts as bytes for the store."""
    return b"".join(
        [_MAGIC, struct.pack("<I", len(frames)), *(_PAIR.pack(c, u) for c, u in frames)]
    )


def decode_frames(data: bytes) -> list[tuple[int, int]]:
    """The inverse of :func:`encode_frames`; ValueError when the bytes are not that."""
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 4:
        raise ValueError("not a zstd frame index")
    (count,) = struct.unpack_from("<I", data, len(_MAGIC))
    body = len(_MAGIC) + 4
    if count > _MAX_COUNT or len(data) != body + count * _PAIR.size:
        raise ValueError("a zstd frame index has the wrong length")
    frames = [_PAIR.unpack_from(data, body + i * _PAIR.size) for i in range(count)]
    for (c0, u0), (c1, u1) in itertools.pairwise(frames):
        if c1 <= c0 or u1 <= u0:
            raise ValueError("zstd frame starts are out of order")
    return frames
