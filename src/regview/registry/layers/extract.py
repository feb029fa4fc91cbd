"""Read one file of an image as the container would see it (``regview cat``).

Layers are searched from the top, honouring whiteouts and opaque directories, so the
answer is the file of the merged filesystem. A layer whose TOC is known is checked
without reading it; otherwise it is streamed, and the stream stops as soon as the file
has been written out (so a file early in a 2 GB layer costs a few megabytes). Symbolic
links are followed (from the top again, like ``cat``); a hard link's content is read at
its target in the same layer or below.

The bytes are not verified against the layer's digest when the stream stops early: pass
``verify=True`` to read the rest of the layer and get :class:`DigestMismatch` at the end
if the layer was not what its digest says. Given the image config's ``diff_ids``, every
layer read whole (or whose TOC, read whole before, is cached) is also checked against
its diff_id (:func:`~regview.registry.layers.image.check_diff_id`).
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from regview.registry.digests import short_digest
from regview.registry.errors import LayerFormatError, NotFound
from regview.registry.layers.entry import Entry, EntryType, display_path, normalize_path
from regview.registry.layers.image import check_diff_id
from regview.registry.layers.indexer import LayerIndexer, StreamState
from regview.registry.layers.tarstream import DataSink
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Descriptor
from regview.registry.source import Source

__all__ = ["FoundFile", "NotARegularFile", "read_file"]

_MAX_LINKS = 40
_KINDS = {
    EntryType.DIR: "a directory",
    EntryType.CHAR: "a character device",
    EntryType.BLOCK: "a block device",
    EntryType.FIFO: "a FIFO",
    EntryType.FILE: "a file",
    EntryType.SYMLINK: "a symbolic link",
    EntryType.HARDLINK: "a hard link",
}


class NotARegularFile(NotFound):
    """The path exists, but is a directory, a device or a FIFO: it has no content."""


@dataclass(frozen=True, slots=True)
class FoundFile:
    """Where the bytes came from."""

    entry: Entry
    layer: int
    digest: str
    #: Paths followed to get there (symbolic and hard links), in order.
    via: tuple[str, ...] = ()
    #: True when the layer was read to its end and matched its digest.
    verified: bool = False


Verdict = Literal["found", "deleted", "absent", "redirect"]


@dataclass(slots=True)
class _Look:
    """What one layer says about the target path."""

    target: str
    verdict: Verdict = "absent"
    entry: Entry | None = None
    redirect: str | None = None  # the new target, when an ancestor is a symlink
    reason: str = ""
    #: Streaming only: the file's data went out whole; no need to read further.
    written: bool = False
    stop: bool = False
    #: Streaming only: the sha256 of the uncompressed layer, when it was read whole.
    diff_id: str | None = None

    def see(self, e: Entry) -> bool:
        """Take one entry into account; True when the layer's answer is final."""
        target = self.target
        if e.path == target and not e.is_whiteout:
            self.verdict, self.entry = "found", e
            return True
        if target.startswith(e.path + "/") and not e.is_whiteout:
            if e.type is EntryType.SYMLINK and e.link is not None:
                rest = target[len(e.path) + 1 :]
                self.verdict, self.entry = "redirect", e
                self.redirect = _resolve(e, rest)
                return True
            if e.type is not EntryType.DIR:
                self.verdict, self.entry = "deleted", e
                self.reason = f"{display_path(e.path)} is {_KINDS[e.type]}, not a directory"
                return True
            return False
        if self.verdict != "absent":
            return False
        wt = e.whiteout_target
        if wt is not None and (target == wt or target.startswith(wt + "/")):
            self.verdict, self.reason = "deleted", f"deleted by {display_path(e.path)}"
        elif e.is_opaque_marker and (not e.parent or target.startswith(e.parent + "/")):
            self.verdict = "deleted"
            self.reason = f"hidden by the opaque directory {display_path(e.parent) or '/'}"
        return False


def _resolve(link: Entry, rest: str = "") -> str:
    """Where a symlink points, as a path from the root (``..`` cannot leave the root)."""
    assert link.link is not None
    base = link.link if link.link.startswith("/") else posixpath.join(link.parent, link.link)
    resolved = normalize_path(base)
    return normalize_path(f"{resolved}/{rest}") if rest else resolved


def _look_in_toc(toc: LayerToc, target: str) -> _Look:
    look = _Look(target)
    for e in toc.entries:
        if look.see(e):
            # A later entry of the same path wins in a tar; keep looking for it.
            if look.verdict == "found":
                last = toc.find(target)
                look.entry = last if last is not None and not last.is_whiteout else e
            break
    return look


async def read_file(
    source: Source,
    repository: str,
    layers: Sequence[Descriptor],
    path: str,
    write: Callable[[bytes], None],
    *,
    indexer: LayerIndexer | None = None,
    verify: bool = False,
    diff_ids: Sequence[str] | None = None,
) -> FoundFile:
    """Write the content of ``path`` (as the merged filesystem has it) to ``write``.

    ``write`` is called from a worker thread, in order, never concurrently. Raises
    :class:`NotFound` when the path does not exist or was deleted, and
    :class:`NotARegularFile` for directories and devices. With the image config's
    ``diff_ids``, a layer read whole that does not match its diff_id raises
    :class:`~regview.registry.errors.DigestMismatch` (after the output, when it is the
    layer the file came from).
    """

    def check(position: int, diff_id: str | None) -> None:
        if diff_ids is not None:
            check_diff_id(position, layers[position].digest, diff_id, diff_ids, len(layers))

    wanted = path
    target = normalize_path(path)
    via: list[str] = []
    top = len(layers) - 1
    i = top
    while i >= 0:
        if not target:
            raise NotARegularFile(f"{display_path(wanted)} is a directory")
        layer = layers[i]
        toc = indexer.cached(layer.digest) if indexer is not None else None
        if toc is not None:
            check(i, toc.diff_id if toc.origin == "tar" else None)
            look = _look_in_toc(toc, target)
            if look.verdict == "found" and look.entry is not None and look.entry.is_file:
                found, diff_id = await _extract(
                    source, repository, layer, i, look, write, via, verify
                )
                if toc.origin != "tar":  # an embedded TOC: the stream, if whole, tells
                    check(i, diff_id)
                return found
        else:
            look = await _stream_look(source, repository, layer, target, write, verify, indexer)
            check(i, look.diff_id)
            if look.verdict == "found" and look.entry is not None and look.entry.is_file:
                if not look.written:
                    raise LayerFormatError(
                        f"layer {short_digest(layer.digest)} lists {display_path(target)} "
                        "but its data could not be read"
                    )
                return FoundFile(look.entry, i, layer.digest, tuple(via), verify)
        if look.verdict == "absent":
            i -= 1
            continue
        if look.verdict == "deleted":
            raise NotFound(f"{display_path(wanted)} is not in the image ({look.reason})")
        if len(via) >= _MAX_LINKS:
            raise NotFound(f"{display_path(wanted)}: too many levels of links")
        entry = look.entry
        assert entry is not None
        if look.verdict == "redirect" and look.redirect is not None:
            via.append(target)
            target = look.redirect
            i = top
            continue
        if entry.type is EntryType.SYMLINK:
            via.append(target)
            target = _resolve(entry)
            i = top
            continue
        if entry.type is EntryType.HARDLINK and entry.link is not None:
            via.append(target)
            target = entry.link  # its content lives at the target: this layer or below
            continue
        raise NotARegularFile(f"{display_path(wanted)} is {_KINDS[entry.type]}, not a file")
    raise NotFound(f"{display_path(wanted)} is not in the image")


async def _stream_look(
    source: Source,
    repository: str,
    layer: Descriptor,
    target: str,
    write: Callable[[bytes], None],
    verify: bool,
    indexer: LayerIndexer | None,
) -> _Look:
    look = _Look(target)

    def hook(e: Entry) -> DataSink | None:
        if look.stop or look.verdict in ("found", "redirect"):
            return None
        if not look.see(e):
            return None
        if look.verdict != "found" or not e.is_file:
            look.stop = not verify
            return None

        def sink(piece: bytes) -> None:
            if piece:
                write(piece)
            else:
                look.written = True
                look.stop = not verify

        return sink

    async with source.open_blob(repository, layer.digest) as stream:
        state = StreamState(layer.media_type, hook, blob_digest=stream.digest, hash_files=False)
        async for chunk in stream.chunks():
            await asyncio.to_thread(state.feed, chunk)
            if look.stop:
                return look
        await asyncio.to_thread(state.finish)
    if stream.ranged:
        return look
    # Read to the end and verified by its digest: the diff_id and the TOC came for free.
    look.diff_id = state.diff_id
    if indexer is not None:
        indexer.store.put(
            LayerToc(
                digest=layer.digest,
                entries=tuple(state.parser.entries),
                compressed_size=stream.read,
                uncompressed_size=state.decompressor.bytes_out,
                compression=state.decompressor.compression or "none",
                media_type=layer.media_type,
                diff_id=look.diff_id,
            )
        )
    return look


async def _extract(
    source: Source,
    repository: str,
    layer: Descriptor,
    index: int,
    look: _Look,
    write: Callable[[bytes], None],
    via: list[str],
    verify: bool,
) -> tuple[FoundFile, str | None]:
    """The file, and the layer's diff_id when it was read whole (``verify``)."""
    found = await _stream_look(source, repository, layer, look.target, write, verify, None)
    if found.verdict != "found" or found.entry is None or not found.written:
        raise LayerFormatError(
            f"layer {short_digest(layer.digest)} does not hold {display_path(look.target)} "
            "although its table of contents says so"
        )
    return FoundFile(found.entry, index, layer.digest, tuple(via), verify), found.diff_id
