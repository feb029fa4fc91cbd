"""Index layers: the TOC from the cache, from an embedded eStargz/zstd:chunked TOC, from
the zTOC of the image's SOCI index (:mod:`.soci`, once told the image with
:meth:`LayerIndexer.add_image`), or by streaming the whole blob through the decompressor
and the tar parser.

Made for a UI: :meth:`LayerIndexer.index` reports :class:`IndexProgress` (bytes read of
total, rate) through a callback, and cancelling the awaiting task stops the work (when
no other caller waits for the same layer). Decompression and parsing run in a worker
thread one chunk at a time, so a 1 GB layer never blocks the event loop for long, and
memory stays bounded: nothing but the entries is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from regview.registry import media_types as mt
from regview.registry.blobs import BlobStream
from regview.registry.digests import short_digest
from regview.registry.errors import LayerFormatError
from regview.registry.layers.decompress import Decompressor
from regview.registry.layers.frame_index import encode_frames
from regview.registry.layers.gzip_index import SPACING, encode_checkpoints
from regview.registry.layers.hash_thread import HashThread
from regview.registry.layers.soci import SociLookup
from regview.registry.layers.soci_refusals import ZtocRefusals
from regview.registry.layers.store import TocStore
from regview.registry.layers.tarstream import EntryHook, TarParser
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Descriptor
from regview.registry.singleflight import SingleFlight
from regview.registry.source import Source

__all__ = [
    "IndexProgress",
    "LayerIndexer",
    "Phase",
    "ProgressCallback",
    "StreamState",
    "index_stream",
]

Phase = Literal["cached", "toc", "stream", "done"]


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """A snapshot of one layer's indexing, for a progress bar."""

    digest: str
    phase: Phase
    #: Compressed bytes read so far, and the blob size (None if unknown).
    read: int
    total: int | None
    #: Uncompressed bytes parsed, entries found.
    uncompressed: int
    entries: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Compressed bytes per second so far."""
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float | None:
        """Share done from 0 to 1, or None while the total is unknown."""
        if self.phase in ("cached", "done"):
            return 1.0
        if not self.total:
            return None
        return min(self.read / self.total, 1.0)


ProgressCallback = Callable[[IndexProgress], None]
"""Called with an :class:`IndexProgress` as a layer is indexed."""


class StreamState:
    """Decompressor + tar parser over one blob stream; fed from the event loop.

    The uncompressed bytes the parser sees are hashed on the way, so a layer read whole
    also yields its :attr:`diff_id`. For a plain
    tar the uncompressed bytes are the blob itself: when ``blob_digest`` is a sha256
    digest (which the blob stream verifies), it is the diff_id and nothing is hashed twice.
    With ``hash_files`` (the default) each regular file's content is hashed too
    (:attr:`Entry.sha256`); reading one file out of a layer does not need that. With
    ``checkpoints`` a gzip layer is inflated by :class:`~.gzip_index.GzipInflater`, which
    keeps restart points every :data:`~.gzip_index.SPACING` compressed bytes
    (:meth:`encoded_checkpoints`), so that a file can later be read with one Range GET.
    The diff_id is computed by a :class:`~.hash_thread.HashThread` worker, which can run
    on another core than the inflating and parsing (also for a ``cat`` that reads the
    layer to its end to verify it); :meth:`finish` waits for it, and :meth:`close` stops
    it (call it when the state is abandoned).
    """

    def __init__(
        self,
        media_type: str | None,
        on_entry: EntryHook | None = None,
        *,
        blob_digest: str | None = None,
        hash_files: bool = True,
        checkpoints: bool = False,
    ) -> None:
        # The worker starts on the first piece it is given: never for a plain tar whose
        # digest is its diff_id, and not at all when nothing is fed.
        self._hashing = HashThread()
        self.parser = TarParser(on_entry, hash_files=hash_files, hash_thread=self._hashing)
        self.decompressor = Decompressor(
            self._take,
            declared=mt.layer_compression(media_type),
            gzip_spacing=SPACING if checkpoints else None,
        )
        self._hash = hashlib.sha256()
        self._blob_digest = (
            blob_digest if blob_digest is not None and blob_digest.startswith("sha256:") else None
        )

    def _take(self, piece: bytes) -> None:
        if self._blob_digest is None or self.decompressor.compression != "none":
            if type(piece) is not bytes:
                piece = bytes(piece)  # the worker hashes it later: it must not change
            self._hashing.update(self._hash, piece)
        self.parser.feed(piece)
        self._hashing.flush()  # one batch per piece: a bounded backlog

    def feed(self, chunk: bytes) -> None:
        self.decompressor.feed(chunk)

    def finish(self) -> None:
        try:
            self.decompressor.finish()
            self.parser.finish()
            self._hashing.drain()
            self.parser.complete_hashes()  # the big files the worker hashed
        finally:
            self.close()

    def close(self) -> None:
        """Stop the hash worker (the hashes of what was not finished are not wanted)."""
        self._hashing.close()

    def encoded_checkpoints(self) -> bytes | None:
        """The restart points recorded, encoded for the store: gzip checkpoints, or the
        frame starts of a multi-frame zstd layer (:mod:`.frame_index`). None when there
        are none (plain tar; a gzip layer shorter than one spacing, read from 0 then; a
        single-frame zstd layer, streamed then)."""
        if self.decompressor.compression == "zstd":
            frames = self.decompressor.zstd_frames
            return encode_frames(frames) if len(frames) > 1 else None
        points = self.decompressor.gzip_checkpoints
        return encode_checkpoints(points) if points else None

    def toc(self, descriptor: Descriptor, compressed_size: int) -> LayerToc:
        """The verified TOC of a blob read whole (call after :meth:`finish`)."""
        return LayerToc(
            digest=descriptor.digest,
            entries=tuple(self.parser.entries),
            compressed_size=compressed_size,
            uncompressed_size=self.decompressor.bytes_out,
            compression=self.decompressor.compression or "none",
            origin="tar",
            media_type=descriptor.media_type,
            verified=True,
            diff_id=self.diff_id,
        )

    @property
    def diff_id(self) -> str:
        """``sha256:`` of the uncompressed bytes seen so far: the layer's diff_id once the
        whole blob went through (and, for a plain tar, once its digest was verified)."""
        if self._blob_digest is not None and self.decompressor.compression == "none":
            return self._blob_digest
        if not self._hashing.closed:
            self._hashing.drain()
        return "sha256:" + self._hash.hexdigest()


async def index_stream(
    stream: BlobStream,
    descriptor: Descriptor,
    *,
    progress: Callable[[int, int, int], None] | None = None,
    store: TocStore | None = None,
) -> LayerToc:
    """Read all of ``stream`` (the whole blob) into a verified :class:`LayerToc`.

    With a ``store``, the TOC is kept there with the gzip checkpoints recorded on the way,
    and the TOC returned is the one kept.

    The blob's digest is checked by the stream at its end; a mismatch raises there, so
    no TOC of unverified bytes is ever returned. The TOC carries the sha256 of the
    uncompressed stream (:attr:`LayerToc.diff_id`); comparing it with the image config is
    the caller's business (:func:`regview.registry.layers.image.check_diff_id`), since
    one blob may belong to many images. ``progress(read, uncompressed, entries)`` is
    called after each chunk.
    """
    # The digest the stream verifies at its end (a range is verified by nothing).
    state = StreamState(
        descriptor.media_type,
        blob_digest=None if stream.ranged else stream.digest,
        checkpoints=store is not None,
    )
    try:
        async for chunk in stream.chunks():
            # Inflate and parse off the event loop; one chunk at a time keeps memory bounded.
            await asyncio.to_thread(state.feed, chunk)
            if progress is not None:
                progress(stream.read, state.decompressor.bytes_out, len(state.parser.entries))
        await asyncio.to_thread(state.finish)
    finally:
        state.close()
    if stream.ranged:
        raise LayerFormatError("a byte range of a layer cannot be indexed on its own")
    toc = state.toc(descriptor, stream.read)
    if store is not None:
        toc = store.put(toc, state.encoded_checkpoints())
    return toc


class LayerIndexer:
    """Index layers of one source, sharing work and results among all callers."""

    def __init__(
        self,
        source: Source,
        *,
        store: TocStore | None = None,
        use_embedded_toc: bool = True,
        progress_interval: float = 0.1,
        on_note: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self.store = store if store is not None else TocStore(None)
        self.use_embedded_toc = use_embedded_toc
        #: One-line notes (a SOCI zTOC refused, say), also given to ``on_note``.
        self.notes: list[str] = []
        self._on_note = on_note
        self.soci = SociLookup(source, self.note, ZtocRefusals(self.store.root))
        self.progress_interval = progress_interval
        self._flights: SingleFlight[LayerToc] = SingleFlight()
        self._listeners: dict[tuple[str, bool], list[ProgressCallback]] = {}
        self._last: dict[tuple[str, bool], IndexProgress] = {}

    def note(self, text: str) -> None:
        """Keep a one-line note for the user (and pass it to ``on_note``)."""
        self.notes.append(text)
        if self._on_note is not None:
            self._on_note(text)

    def add_image(self, image_digest: str, layers: Sequence[Descriptor]) -> None:
        """Tell that ``layers`` are those of the image manifest ``image_digest``, so a
        layer without a TOC yet can take one from the image's SOCI index."""
        self.soci.add_image(image_digest, layers)

    def cached(self, digest: str, *, full: bool = False) -> LayerToc | None:
        """The TOC if it is known already (memory or disk); never touches the network."""
        toc = self.store.get(digest)
        if toc is not None and full and toc.origin != "tar":
            return None
        return toc

    async def index(
        self,
        repository: str,
        layer: Descriptor,
        *,
        progress: ProgressCallback | None = None,
        full: bool = False,
    ) -> LayerToc:
        """The TOC of ``layer``. ``full`` reads the whole blob even when it embeds a TOC
        (to learn the exact uncompressed size, or to distrust the embedded TOC)."""
        toc = self.cached(layer.digest, full=full)
        if toc is not None:
            if progress is not None:
                progress(
                    IndexProgress(
                        layer.digest,
                        "cached",
                        0,
                        layer.size,
                        toc.uncompressed_size or 0,
                        len(toc.entries),
                        0.0,
                    )
                )
            return toc
        key = (layer.digest, full)
        listeners = self._listeners.setdefault(key, [])
        if progress is not None:
            listeners.append(progress)
            last = self._last.get(key)
            if last is not None:
                progress(last)
        try:
            return await self._flights.do(key, lambda: self._build(repository, layer, full, key))
        finally:
            if progress is not None:
                listeners.remove(progress)
            if not listeners:
                self._listeners.pop(key, None)

    async def index_all(
        self,
        repository: str,
        layers: Sequence[Descriptor],
        *,
        progress: ProgressCallback | None = None,
        concurrency: int = 2,
        full: bool = False,
    ) -> list[LayerToc]:
        """TOCs of ``layers`` in order, ``concurrency`` at a time."""
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(d: Descriptor) -> LayerToc:
            async with gate:
                return await self.index(repository, d, progress=progress, full=full)

        return list(await asyncio.gather(*(one(d) for d in layers)))

    # --- the work ------------------------------------------------------------------------

    def _notify(self, key: tuple[str, bool], p: IndexProgress) -> None:
        self._last[key] = p
        for listener in list(self._listeners.get(key, ())):
            listener(p)

    async def _build(
        self, repository: str, layer: Descriptor, full: bool, key: tuple[str, bool]
    ) -> LayerToc:
        started = time.monotonic()
        try:
            toc: LayerToc | None = None
            if self.use_embedded_toc and not full:
                from regview.registry.layers.embedded import read_embedded_toc

                def toc_progress(read: int) -> None:
                    self._notify(
                        key,
                        IndexProgress(
                            layer.digest,
                            "toc",
                            read,
                            layer.size,
                            0,
                            0,
                            time.monotonic() - started,
                        ),
                    )

                toc = await read_embedded_toc(self.source, repository, layer, on_bytes=toc_progress)
                if toc is not None:
                    self.store.put(toc)
                else:
                    found = await self.soci.toc(repository, layer)
                    if found is not None:
                        toc = self.store.put(*found)
            if toc is None:
                toc = await self._stream(repository, layer, key, started)  # stores it
            self._notify(
                key,
                IndexProgress(
                    layer.digest,
                    "done",
                    layer.size,
                    layer.size,
                    toc.uncompressed_size or 0,
                    len(toc.entries),
                    time.monotonic() - started,
                ),
            )
            return toc
        finally:
            self._last.pop(key, None)

    async def _stream(
        self, repository: str, layer: Descriptor, key: tuple[str, bool], started: float
    ) -> LayerToc:
        last_report = 0.0

        def report(read: int, uncompressed: int, entries: int) -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report < self.progress_interval and read < layer.size:
                return
            last_report = now
            self._notify(
                key,
                IndexProgress(
                    layer.digest, "stream", read, layer.size, uncompressed, entries, now - started
                ),
            )

        report(0, 0, 0)
        async with self.source.open_blob(repository, layer.digest) as stream:
            try:
                return await index_stream(stream, layer, progress=report, store=self.store)
            except LayerFormatError as exc:
                raise LayerFormatError(f"layer {short_digest(layer.digest)}: {exc}") from None
