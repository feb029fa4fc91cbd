"""Push-style zstd decoding, frame by frame, with bounded output and frame boundaries.

:class:`ZstdStream` takes compressed bytes in any pieces and hands uncompressed pieces
of at most ``out_chunk`` bytes to a callback, so a "zstd bomb" costs time, not memory.
It decodes one frame at a time with the standard library's ``compression.zstd``
(Python 3.14) or its backport ``backports.zstd``: a blob may hold several frames, and
skippable frames (zstd:chunked keeps its table of contents in them) anywhere.

On the way it records where data frames start, as (compressed offset, uncompressed
offset) pairs in :attr:`ZstdStream.frames`: a ranged read of a multi-frame layer can
start decoding at any of them. The list is capped for hostile input (a blob of a
million tiny frames, or a bomb of a million 1 MiB frames): a boundary is kept only when
it lies at least the current spacing (:data:`FRAME_SPACING`, 1 MiB, at first)
uncompressed bytes past the last one kept, so there is at most one per MiB of output;
and when more than :data:`MAX_FRAMES` are kept, every other one is dropped and the
spacing doubles, so the list never holds more than :data:`MAX_FRAMES` entries, spread
evenly. A read started at the boundary kept before an offset decodes at most the
spacing plus one frame more than it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from regview.registry.errors import LayerFormatError

if sys.version_info >= (3, 14):
    from compression.zstd import ZstdDecompressor, ZstdError
else:
    from backports.zstd import ZstdDecompressor, ZstdError

__all__ = [
    "FRAME_SPACING",
    "MAX_FRAMES",
    "ZSTD_MAGIC",
    "ZstdStream",
    "is_skippable_frame",
    "may_open_skippable_frame",
]

#: The magic number that opens every zstd data frame.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

#: Least uncompressed distance between two boundaries kept in :attr:`ZstdStream.frames`.
FRAME_SPACING = 1024 * 1024
#: Most boundaries kept in :attr:`ZstdStream.frames` (then the spacing doubles).
MAX_FRAMES = 4096


def is_skippable_frame(head: bytes) -> bool:
    """True when ``head`` (a frame's first four bytes) opens a skippable frame."""
    return len(head) >= 4 and head[1:4] == b"\x2a\x4d\x18" and 0x50 <= head[0] <= 0x5F


def may_open_skippable_frame(head: bytes) -> bool:
    """True when ``head``, shorter than four bytes, could still open a skippable frame."""
    return 0 < len(head) < 4 and 0x50 <= head[0] <= 0x5F and b"\x2a\x4d\x18".startswith(head[1:])


class ZstdStream:
    """Feed a zstd blob with :meth:`feed`; uncompressed pieces go to ``sink``.

    ``sink`` never receives more than ``out_chunk`` bytes at once, nor an empty piece.
    :meth:`finish` raises :class:`~regview.registry.errors.LayerFormatError` when the
    blob stops inside a frame; bad data raises it from :meth:`feed`.
    """

    def __init__(
        self, sink: Callable[[bytes], None], *, out_chunk: int, max_frames: int = MAX_FRAMES
    ) -> None:
        self._sink = sink
        self._out_chunk = out_chunk
        #: (compressed offset, uncompressed offset) of the start of data frames, from
        #: the blob's start; skippable frames excluded; thinned as the module says.
        self.frames: list[tuple[int, int]] = []
        #: Least uncompressed distance between two boundaries kept, from now on.
        self.frame_spacing = FRAME_SPACING
        self._max_frames = max(max_frames, 2)
        #: Compressed bytes taken and uncompressed bytes handed on so far.
        self.bytes_in = 0
        self.bytes_out = 0
        self._frame: ZstdDecompressor | None = None
        self._frame_start = (0, 0)  # offsets (compressed, uncompressed) of this frame
        self._frame_head = b""  # its first bytes, until four are known
        self._frame_fed = 0  # bytes of the blob given to this frame's decompressor

    def feed(self, data: bytes) -> None:
        self.bytes_in += len(data)
        while data:
            if self._frame is None:
                self._frame = ZstdDecompressor()
                self._frame_start = (self.bytes_in - len(data), self.bytes_out)
                self._frame_head = b""
                self._frame_fed = 0
            frame = self._frame
            self._frame_fed += len(data)
            self._note_head(data)
            try:
                while True:
                    out = frame.decompress(data, self._out_chunk)
                    data = b""
                    if out:
                        self.bytes_out += len(out)
                        self._sink(out)
                    if frame.eof or frame.needs_input:
                        break
            except ZstdError as exc:
                raise LayerFormatError(f"the layer is not valid zstd ({exc})") from None
            if not frame.eof:
                return
            # The frame ended: whatever followed it in the input opens the next one.
            data = frame.unused_data
            self._frame = None

    def _note_head(self, data: bytes) -> None:
        if len(self._frame_head) >= 4:
            return
        self._frame_head += data[: 4 - len(self._frame_head)]
        if len(self._frame_head) < 4 or is_skippable_frame(self._frame_head):
            return
        compressed, uncompressed = self._frame_start
        if not self.frames or uncompressed - self.frames[-1][1] >= self.frame_spacing:
            self.frames.append((compressed, uncompressed))
            if len(self.frames) > self._max_frames:
                del self.frames[1::2]
                self.frame_spacing *= 2

    def finish(self) -> None:
        """Check that the blob did not stop inside a frame."""
        if self._frame is not None and not self._frame.eof:
            raise LayerFormatError(
                f"the zstd data ends early (a frame that starts at byte "
                f"{self._frame_start[0]:,} stops after {self._frame_fed:,} bytes)"
            )
