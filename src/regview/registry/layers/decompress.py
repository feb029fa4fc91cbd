"""Incremental decompression of a layer blob, with bounded output per step.

A layer arrives as a stream of compressed chunks. :class:`Decompressor` turns each one
into uncompressed pieces handed to a callback, never more than :data:`OUT_CHUNK` bytes
at a time, so a "gzip bomb" (a few KB that inflate to terabytes) costs time, not memory.
The format comes from the first bytes (magic numbers), because a media type may lie;
the media type only breaks a tie when the blob is empty. zstd is decoded frame by frame
by :class:`~regview.registry.layers.zstd_stream.ZstdStream`, which also records where
the data frames start (:attr:`Decompressor.zstd_frames`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Literal

from regview.registry.errors import LayerFormatError
from regview.registry.layers.gzip_index import GzipCheckpoint, GzipInflater
from regview.registry.layers.gzip_index import available as gzip_available
from regview.registry.layers.zstd_stream import (
    ZSTD_MAGIC,
    ZstdStream,
    is_skippable_frame,
    may_open_skippable_frame,
)

__all__ = ["OUT_CHUNK", "Compression", "Decompressor", "sniff_compression"]

Compression = Literal["gzip", "zstd", "none"]

#: Largest uncompressed piece handed on at once.
OUT_CHUNK = 256 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = ZSTD_MAGIC


def sniff_compression(head: bytes, declared: str | None = None) -> Compression | None:
    """Compression from the first bytes; None while too few bytes are known to tell."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZSTD_MAGIC) or is_skippable_frame(head):
        return "zstd"
    if len(head) < 4 and (
        _GZIP_MAGIC.startswith(head[:2])
        or _ZSTD_MAGIC.startswith(head)
        or may_open_skippable_frame(head)
    ):
        return None
    return "none"


Sink = Callable[[bytes], None]


class Decompressor:
    """Feed compressed bytes with :meth:`feed`; uncompressed bytes go to ``sink``.

    Call :meth:`finish` at the end of the blob: it raises
    :class:`~regview.registry.errors.LayerFormatError` when the data stopped in the
    middle of a compressed stream.
    """

    def __init__(
        self, sink: Sink, *, declared: str | None = None, gzip_spacing: int | None = None
    ) -> None:
        self._sink = sink
        #: With a spacing, gzip goes through :class:`GzipInflater`, which keeps checkpoints
        #: (when the system libz loads; else Python's zlib, without them).
        self._gzip_spacing = gzip_spacing if gzip_spacing is None or gzip_available() else None
        self._inflater: GzipInflater | None = None
        self._declared = declared
        self._head = b""
        self.compression: Compression | None = None
        #: Compressed bytes consumed and uncompressed bytes produced so far.
        self.bytes_in = 0
        self.bytes_out = 0
        self._gzip: zlib._Decompress | None = None
        self._gzip_members = 0
        self._gzip_trailing_zeros = False
        self._zstd: ZstdStream | None = None

    @property
    def zstd_frames(self) -> list[tuple[int, int]]:
        """(compressed offset from the blob's start, uncompressed offset) of the start of
        each zstd data frame seen so far, skippable frames excluded; empty for gzip and
        plain tar. Capped for hostile input: a boundary is kept only when it lies at
        least :data:`~regview.registry.layers.zstd_stream.FRAME_SPACING` (1 MiB)
        uncompressed bytes past the last one kept, so at most one per MiB of output, and
        never more than :data:`~regview.registry.layers.zstd_stream.MAX_FRAMES` (4,096):
        past that, every other one is dropped and the spacing doubles."""
        return self._zstd.frames if self._zstd is not None else []

    # --- feeding -------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self.bytes_in += len(data)
        if self.compression is None:
            self._head += data
            kind = sniff_compression(self._head, self._declared)
            if kind is None:
                return
            self.compression = kind
            data, self._head = self._head, b""
        self._dispatch(data)

    def _dispatch(self, data: bytes) -> None:
        if not data:
            return
        if self.compression == "gzip":
            self._feed_gzip(data)
        elif self.compression == "zstd":
            self._feed_zstd(data)
        else:
            self._emit(data)

    def finish(self) -> None:
        if self.compression is None:
            # Fewer than four bytes in all: too short to be anything but a broken gzip.
            head, self._head = self._head, b""
            self.compression = "gzip" if head.startswith(_GZIP_MAGIC) else "none"
            self._dispatch(head)
        if self.compression == "gzip" and self._inflater is not None:
            self._inflater.finish()
        elif self.compression == "gzip":
            if self._gzip is not None and not self._gzip.eof:
                raise LayerFormatError(
                    f"the gzip data ends early (after {self.bytes_in:,} compressed bytes)"
                )
            if self._gzip_members == 0:
                raise LayerFormatError("the layer is not valid gzip (no complete member)")
        elif self.compression == "zstd" and self._zstd is not None:
            self._zstd.finish()

    def _emit(self, data: bytes) -> None:
        for start in range(0, len(data), OUT_CHUNK):
            piece = data[start : start + OUT_CHUNK]
            self.bytes_out += len(piece)
            self._sink(piece)

    # --- gzip (possibly several members, as eStargz and pigz write) -----------------------

    @property
    def gzip_checkpoints(self) -> list[GzipCheckpoint]:
        """Restart points recorded so far (gzip with a ``gzip_spacing`` only)."""
        return self._inflater.checkpoints if self._inflater is not None else []

    def _feed_gzip(self, data: bytes) -> None:
        if self._gzip_spacing is not None:
            if self._inflater is None:
                self._inflater = GzipInflater(self._deliver, spacing=self._gzip_spacing)
            self._inflater.feed(data)
            return
        while data:
            if self._gzip_trailing_zeros:
                if data.strip(b"\0"):
                    raise LayerFormatError("garbage after the end of the gzip data")
                return
            if self._gzip is None:
                if self._gzip_members and not data.startswith(_GZIP_MAGIC[: len(data)]):
                    # Some tools pad with zeros after the last member; anything else is wrong.
                    self._gzip_trailing_zeros = True
                    continue
                self._gzip = zlib.decompressobj(wbits=31)
            d = self._gzip
            try:
                pending = data
                while True:
                    out = d.decompress(pending, OUT_CHUNK)
                    self._deliver(out)
                    pending = d.unconsumed_tail
                    # A full piece may leave output inside zlib even with no input left.
                    if d.eof or (not pending and len(out) < OUT_CHUNK):
                        break
            except zlib.error as exc:
                raise LayerFormatError(f"the layer is not valid gzip ({exc})") from None
            if not d.eof:
                return
            self._gzip_members += 1
            data = d.unused_data
            self._gzip = None

    def _deliver(self, out: bytes) -> None:
        if out:
            self.bytes_out += len(out)
            self._sink(out)

    # --- zstd (frames and skippable frames) -----------------------------------------------

    def _feed_zstd(self, data: bytes) -> None:
        if self._zstd is None:
            self._zstd = ZstdStream(self._deliver, out_chunk=OUT_CHUNK)
        self._zstd.feed(data)
