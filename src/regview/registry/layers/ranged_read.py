"""Read one file of a layer with one Range GET, using the TOC of a layer read whole before.

When a layer was read whole (indexed, or streamed to its end by ``cat``), its TOC records
where each entry's first header starts in the uncompressed tar (:attr:`Entry.offset`),
and a gzip layer also left checkpoints (:mod:`.gzip_index`). Then a file costs one Range
GET of the blob:

* plain tar: from the entry's offset to the next entry's (the headers, the data and the
  padding, nothing else);
* gzip: from the last checkpoint at or before the entry to the first checkpoint at or
  after the next entry, so at most two spacings plus the file's compressed size;
* zstd with several frames: the same with frame starts (:mod:`.frame_index`), which need
  no window; a single-frame zstd layer has no restart point and, like anything else
  :func:`plan_range` says None to, is streamed by the caller as before.

The tar parser runs from the entry's first header (so PAX and GNU headers, and sparse
maps, are read as in a whole stream) and stops as soon as the entry's data is out.

eStargz and zstd:chunked TOCs (embedded in the blob, verified by the manifest's
annotation) give each file's chunk offsets: the range runs from the file's first chunk
to the next file's, and inflates to the file's bytes alone. A
range cannot be checked against the layer's digest, so the bytes are checked against
the size and sha256 the TOC recorded when the layer was verified whole: a mismatch (or a
TOC that does not describe the blob) is a one-line error, after which the cached TOC is
deleted so the next run reads the layer anew. The bytes are written as they come (the
file may be gigabytes), so the error comes after them, as with ``cat --verify``.
An entry without a recorded sha256 (a sparse file) is not read by range.

A registry that answers a Range GET with the whole blob (HTTP 200) gets streaming
instead (:class:`~regview.registry.errors.RangeNotServed`, then None from
:func:`read_ranged`); nothing of that answer is read.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from regview.registry.digests import short_digest
from regview.registry.errors import DigestMismatch, LayerFormatError, RangeNotServed
from regview.registry.layers.decompress import Decompressor
from regview.registry.layers.entry import Entry, EntryType, display_path
from regview.registry.layers.frame_index import decode_frames, is_frame_index
from regview.registry.layers.gzip_index import GzipCheckpoint, GzipInflater, decode_checkpoints
from regview.registry.layers.gzip_index import available as gzip_available
from regview.registry.layers.store import DamagedCheckpoints, TocStore
from regview.registry.layers.tarstream import DataSink, TarParser
from regview.registry.layers.toc import LayerToc
from regview.registry.source import Source

__all__ = ["ByteRange", "RangeReader", "RangedRead", "feed_range", "plan_range", "read_ranged"]

_BLOB_START = GzipCheckpoint(0, 0, 0, b"", member_start=True)


@dataclass(frozen=True, slots=True)
class ByteRange:
    """The part of a blob to fetch for one entry, and how to decode it."""

    #: Blob offset and length (None: to the end of the blob).
    start: int
    length: int | None
    #: Uncompressed bytes to drop before the entry's first header.
    skip: int
    #: Where gzip inflation resumes (None: the range is plain tar, or zstd frames).
    resume: GzipCheckpoint | None
    #: The range starts a zstd frame: decode it as zstd.
    zstd: bool = False
    #: It inflates to the file's bytes alone (eStargz / zstd:chunked chunks), no tar.
    raw: bool = False


@dataclass(frozen=True, slots=True)
class RangedRead:
    """What a ranged read of one file cost."""

    range: ByteRange
    #: Blob bytes received.
    received: int


def _next_offset(toc: LayerToc, offset: int) -> int | None:
    """Where the entry after the one at ``offset`` starts (None: it is the last one)."""
    best: int | None = None
    for e in toc.entries:
        o = e.offset
        if o is not None and o > offset and (best is None or o < best):
            best = o
            break  # entries are in archive order: the first larger offset is the next
    return best


def plan_range(
    toc: LayerToc,
    entry: Entry,
    checkpoints: Sequence[GzipCheckpoint],
    frames: Sequence[tuple[int, int]] = (),
) -> ByteRange | None:
    """The range to fetch for ``entry``, or None when this layer cannot be read by range.
    ``checkpoints`` are a gzip layer's, ``frames`` a zstd layer's frame starts."""
    if entry.offset is None or entry.type is not EntryType.FILE or entry.sha256 is None:
        return None
    if toc.origin != "tar":
        return _plan_chunks(toc, entry.offset)
    first = entry.offset
    end = _next_offset(toc, first)
    if end is None and toc.uncompressed_size is not None and toc.uncompressed_size > first:
        end = toc.uncompressed_size
    if toc.compression == "none":
        length = None if end is None else min(end, toc.compressed_size) - first
        return ByteRange(first, length, 0, None)
    if toc.compression == "zstd":
        return _plan_zstd(toc, first, end, frames)
    if toc.compression != "gzip":
        return None
    start = _BLOB_START
    stop: GzipCheckpoint | None = None
    for cp in checkpoints:
        if cp.uncompressed <= first:
            start = cp
        elif end is not None and cp.uncompressed >= end:
            stop = cp
            break
    length = None
    if stop is not None:
        # The byte at ``stop.compressed`` may still hold the last bits of what precedes it.
        length = min(stop.compressed + 1, toc.compressed_size) - start.compressed
    return ByteRange(start.compressed, length, first - start.uncompressed, start)


def _plan_chunks(toc: LayerToc, first: int) -> ByteRange:
    """eStargz / zstd:chunked: the file's chunks are consecutive compressed streams from
    ``first`` (a blob offset), and end before the next file's first chunk."""
    end = _next_offset(toc, first)
    length = None if end is None else min(end, toc.compressed_size) - first
    return ByteRange(first, length, 0, None, zstd=toc.compression == "zstd", raw=True)


def _plan_zstd(
    toc: LayerToc, first: int, end: int | None, frames: Sequence[tuple[int, int]]
) -> ByteRange | None:
    if len(frames) < 2:
        return None  # one frame: no restart point but the start; the caller streams
    start: tuple[int, int] | None = None
    stop: tuple[int, int] | None = None
    for frame in frames:
        if frame[1] <= first:
            start = frame
        elif end is not None and frame[1] >= end:
            stop = frame
            break
    if start is None:
        return None  # the first frame does not start at 0 (a skippable frame first)
    length = None if stop is None else stop[0] - start[0]
    return ByteRange(start[0], length, first - start[1], None, zstd=True)


def _load_checkpoints(
    store: TocStore, toc: LayerToc
) -> tuple[list[GzipCheckpoint], list[tuple[int, int]]]:
    data = store.checkpoints(toc)
    if data is None:
        return [], []
    try:
        if is_frame_index(data):
            return [], decode_frames(data)
        return decode_checkpoints(data), []
    except ValueError:
        store.forget(toc.digest)
        raise DamagedCheckpoints(
            f"the cached checkpoints of layer {short_digest(toc.digest)} do not parse; "
            "they were deleted: run the command again to read the layer anew"
        ) from None


class _EntryReader:
    """Inflate (or not) the range, parse tar from the entry, write the entry's data."""

    def __init__(
        self, plan: ByteRange, entry: Entry, write: Callable[[bytes], None], digest: str
    ) -> None:
        self._entry = entry
        self._write = write
        self._digest = digest
        self._skip = plan.skip
        self.done = False
        self.size = 0
        self.hash = hashlib.sha256()
        self._seen = False
        self._parser = TarParser(self._hook, collect=False)
        self._inflater: GzipInflater | Decompressor | None = None
        self._raw_left = entry.size if plan.raw else -1
        take = self._take_raw if plan.raw else self._take
        if plan.resume is not None:
            self._inflater = GzipInflater.resume(plan.resume, take)
        elif plan.raw:
            self._inflater = Decompressor(take, declared="zstd" if plan.zstd else "gzip")
        elif plan.zstd:
            self._inflater = Decompressor(take, declared="zstd")
        if self._raw_left == 0:
            self.done = True

    def _hook(self, e: Entry) -> DataSink | None:
        if self._seen:
            return None
        self._seen = True
        want = self._entry
        if e.path != want.path or e.type is not want.type or e.size != want.size:
            raise _Mismatch(
                f"layer {short_digest(self._digest)} holds {display_path(e.path)} where its "
                f"cached table of contents says {display_path(want.path)}"
            )

        def sink(piece: bytes) -> None:
            if piece:
                self.size += len(piece)
                self.hash.update(piece)
                self._write(piece)
            else:
                self.done = True

        return sink

    def _take(self, piece: bytes) -> None:
        if self.done:
            return
        if self._skip:
            cut = min(self._skip, len(piece))
            self._skip -= cut
            piece = piece[cut:]
        if piece:
            self._parser.feed(piece)

    def _take_raw(self, piece: bytes) -> None:
        if self.done:
            return
        piece = piece[: self._raw_left]
        self._raw_left -= len(piece)
        self.size += len(piece)
        self.hash.update(piece)
        self._write(piece)
        if self._raw_left == 0:
            self.done = True

    def feed(self, chunk: bytes) -> None:
        if self._inflater is not None:
            self._inflater.feed(chunk)
        else:
            self._take(chunk)


class _Mismatch(LayerFormatError):
    """The blob's bytes are not what the cached TOC describes."""


class RangeReader(Protocol):
    """What :func:`feed_range` feeds: it decodes pieces, and says when it has enough."""

    @property
    def done(self) -> bool: ...

    def feed(self, chunk: bytes) -> None: ...


async def feed_range(
    source: Source,
    repository: str,
    digest: str,
    start: int,
    length: int | None,
    reader: RangeReader,
) -> int | None:
    """Feed ``length`` bytes of the blob from ``start`` (None: to its end) to ``reader``,
    in a worker thread one chunk at a time, until it is done or the range ends; the
    blob bytes received, or None when the registry does not serve byte ranges (nothing
    of its answer is read)."""
    try:
        async with source.open_blob(repository, digest, offset=start, length=length) as stream:
            async for chunk in stream.chunks():
                await asyncio.to_thread(reader.feed, chunk)
                if reader.done:
                    break
            return stream.read
    except RangeNotServed:
        return None


async def read_ranged(
    source: Source,
    repository: str,
    toc: LayerToc,
    entry: Entry,
    write: Callable[[bytes], None],
    store: TocStore,
) -> RangedRead | None:
    """Write ``entry``'s content with one Range GET; None when that is not possible here
    (the caller streams instead). ``write`` is called from a worker thread, in order.

    Raises :class:`DigestMismatch` when the bytes are not the size and sha256 the TOC
    recorded, and :class:`LayerFormatError` when the blob does not hold the entry where
    the TOC says; the cached TOC is deleted then.
    """
    plan = plan_range(toc, entry, *_load_checkpoints(store, toc))
    if plan is None or (plan.resume is not None and not gzip_available()):
        return None
    what = f"{display_path(entry.path)} in layer {short_digest(toc.digest)}"
    reader = _EntryReader(plan, entry, write, toc.digest)
    try:
        received = await feed_range(source, repository, toc.digest, plan.start, plan.length, reader)
    except _Mismatch:
        store.forget(toc.digest)
        raise
    except LayerFormatError as exc:
        store.forget(toc.digest)
        raise LayerFormatError(
            f"{what}: the range its cached index points to does not decode ({exc}); "
            "the index was deleted: run the command again"
        ) from None
    if received is None:  # the registry does not serve ranges: the caller streams
        return None
    if not reader.done:
        store.forget(toc.digest)
        raise LayerFormatError(
            f"{what}: the blob ends before the file does, unlike its cached index; "
            "the index was deleted: run the command again"
        )
    actual = reader.hash.hexdigest()
    if reader.size != entry.size or actual != entry.sha256:
        store.forget(toc.digest)
        raise DigestMismatch(
            f"{what} does not match the size and sha256 recorded when the layer was "
            "verified (the cached index was deleted: run the command again)",
            expected=f"sha256:{entry.sha256}",
            actual=f"sha256:{actual}",
        )
    return RangedRead(plan, received)
