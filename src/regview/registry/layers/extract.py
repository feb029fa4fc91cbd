"""Read one file of an image as the container would see it (``regview cat``).

Layers are searched from the top, honouring whiteouts and opaque directories, so the
answer is the file of the merged filesystem. The search works on each layer's table of
contents (:func:`_look_in_layer`): a layer whose TOC is not known yet is indexed first
(read whole once, its TOC kept, with its restart points), because a tar may hold a path
twice and the last copy is the one extraction leaves, so no answer is final before the
layer's end. Then the file's bytes are read with one Range GET from the restart point
before it (:mod:`.ranged_read`, checked against the size and sha256 the TOC recorded);
when the layer allows no ranged read (a single-frame zstd layer, a registry that
ignores Range), they are streamed out of its layer (:func:`_extract`), and that stream
stops as soon as the file has been written out.

The semantics are GNU tar's, as it extracts a layer over the ones below:

* the last copy of a path in a layer wins;
* a hard link is whatever its target was when the link was extracted: the last entry of
  that path *before* the link in the same layer, else the path in the layers below (a
  link to a later entry, or to a directory, is not created: the path does not exist);
  a hard link to a symbolic link is that symbolic link, read from the hard link's own
  directory; chains of hard links are followed;
* symbolic links are followed from the top again, like ``cat``;
* sparse files come back whole, holes included (:mod:`.sparse`).

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
from regview.registry.layers.entry import (
    OPAQUE_MARKER,
    WHITEOUT_PREFIX,
    Entry,
    EntryType,
    display_path,
    join_path,
    normalize_path,
    parent_path,
)
from regview.registry.layers.image import check_diff_id
from regview.registry.layers.indexer import LayerIndexer, StreamState
from regview.registry.layers.ranged_read import read_ranged
from regview.registry.layers.soci import SociMismatch, read_soci_file
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
    #: Where the entry is in the layer's TOC, and how many entries of the same path
    #: come before it (which copy of the path it is, counted from 0).
    position: int = -1
    copy: int = 0
    redirect: str | None = None  # the new target, when an ancestor is a symlink
    reason: str = ""


def _look_in_layer(entries: Sequence[Entry], target: str, before: int | None = None) -> _Look:
    """What ``entries[:before]`` (one layer's TOC) make of ``target``: the last copy wins.

    An ancestor of the target that is (last) a symbolic link redirects; one that is
    not a directory hides it. Whiteouts and opaque markers of a layer only delete from
    the layers below, so they matter only when the layer has no entry for the target.
    """
    look = _Look(target)
    ancestors: dict[str, int] = {}
    parent = target
    while "/" in parent:
        parent = parent.rpartition("/")[0]
        ancestors[parent] = -1
    exact = -1
    copies = 0
    deleted_by: Entry | None = None
    end = len(entries) if before is None else before
    for i in range(end):
        e = entries[i]
        path = e.path
        if path == target:
            if not e.is_whiteout:
                if exact >= 0:
                    copies += 1
                exact = i
            continue
        if path in ancestors:
            if not e.is_whiteout:
                ancestors[path] = i
            continue
        if deleted_by is None and e.is_whiteout:
            wt = e.whiteout_target
            if wt is not None:
                if target == wt or target.startswith(wt + "/"):
                    deleted_by = e
            elif not e.parent or e.parent in ancestors:
                deleted_by = e
    for path in sorted(ancestors, key=len):
        at = ancestors[path]
        if at < 0:
            continue
        e = entries[at]
        if e.type is EntryType.SYMLINK and e.link is not None:
            look.verdict, look.entry, look.position = "redirect", e, at
            look.redirect = _resolve(e, target[len(path) + 1 :])
            return look
        if e.type is not EntryType.DIR:
            look.verdict, look.entry, look.position = "deleted", e, at
            look.reason = f"{display_path(path)} is {_KINDS[e.type]}, not a directory"
            return look
    if exact >= 0:
        look.verdict, look.entry, look.position, look.copy = "found", entries[exact], exact, copies
        return look
    if deleted_by is not None:
        look.verdict = "deleted"
        if deleted_by.is_opaque_marker:
            look.reason = f"hidden by the opaque directory {display_path(deleted_by.parent) or '/'}"
        else:
            look.reason = f"deleted by {display_path(deleted_by.path)}"
    return look


def _mentions(toc: LayerToc, target: str) -> bool:
    """True when ``toc`` has an entry at ``target`` or at one of its ancestors, or a
    whiteout or opaque marker that could hide it (else the layer has nothing to say)."""
    path = target
    while True:
        parent, _, name = path.rpartition("/")
        for candidate in (path, join_path(parent, WHITEOUT_PREFIX + name)):
            if toc.find(candidate) is not None:
                return True
        if toc.find(join_path(parent, OPAQUE_MARKER)) is not None:
            return True
        if not parent:
            return False
        path = parent


def _resolve(link: Entry, rest: str = "", parent: str | None = None) -> str:
    """Where a symlink points, as a path from the root (``..`` cannot leave the root).

    A relative target is read from ``parent`` (by default the link's own directory; a
    hard link to a symbolic link reads it from the hard link's directory)."""
    assert link.link is not None
    where = link.parent if parent is None else parent
    base = link.link if link.link.startswith("/") else posixpath.join(where, link.link)
    resolved = normalize_path(base)
    return normalize_path(f"{resolved}/{rest}") if rest else resolved


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
    layer the file came from). Layers whose TOC ``indexer`` does not know are indexed
    through it (without one, through a private indexer that keeps nothing).
    """

    def check(position: int, diff_id: str | None) -> None:
        if diff_ids is not None:
            check_diff_id(position, layers[position].digest, diff_id, diff_ids, len(layers))

    if indexer is None:
        indexer = LayerIndexer(source)
    wanted = path
    target = normalize_path(path)
    via: list[str] = []
    top = len(layers) - 1
    i = top
    #: Within layer ``i``, only entries before this position count (a hard link's target).
    before: int | None = None
    #: The directory a symbolic link reached through hard links is read from.
    link_dir: str | None = None
    #: Why a hard link was not created, should its target be found nowhere.
    unlinked = ""
    while i >= 0:
        if not target:
            raise NotARegularFile(f"{display_path(wanted)} is a directory")
        layer = layers[i]
        toc = await indexer.index(repository, layer)
        check(i, toc.diff_id if toc.origin == "tar" else None)
        if before is None and not _mentions(toc, target):
            look = _Look(target)  # most layers: a few dictionary look-ups say "absent"
        else:
            look = _look_in_layer(toc.entries, target, before)
        if before is not None and look.verdict == "absent":
            later = _look_in_layer(toc.entries, target)
            if later.verdict == "found":
                unlinked = (
                    f"the hard link {display_path(via[-1])} comes before its target "
                    f"{display_path(target)} in layer {i + 1}, so tar cannot create it"
                )
        before = None
        if look.verdict == "found" and look.entry is not None and look.entry.is_file:
            found, diff_id = await _extract(
                source,
                repository,
                layer,
                i,
                look.entry,
                look.copy,
                write,
                via,
                verify,
                toc,
                indexer,
            )
            if toc.origin != "tar":  # an embedded TOC: the stream, if whole, tells
                check(i, diff_id)
            return found
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
            target, i, link_dir = look.redirect, top, None
            continue
        if entry.type is EntryType.SYMLINK:
            via.append(target)
            target, i = _resolve(entry, parent=link_dir), top
            link_dir = None
            continue
        if entry.type is EntryType.HARDLINK and entry.link is not None:
            if link_dir is None:
                link_dir = parent_path(target)
            via.append(target)
            # Its content is what the target was when the link was made: an earlier
            # entry of this layer, or the layers below.
            target, before = entry.link, look.position
            continue
        if link_dir is not None and entry.type is EntryType.DIR:
            raise NotFound(
                f"{display_path(wanted)} is not in the image (a hard link to the directory "
                f"{display_path(target)}, which tar cannot create)"
            )
        raise NotARegularFile(f"{display_path(wanted)} is {_KINDS[entry.type]}, not a file")
    if unlinked:
        reason = f" ({unlinked})"
    elif via:  # a link led somewhere empty: say where, as `ls -L` would make one look
        reason = f" (it links to /{display_path(target)}, which is not in the image)"
    else:
        reason = ""
    raise NotFound(f"{display_path(wanted)} is not in the image{reason}")


class _Abandoned(Exception):
    """Raised in the worker thread when the reader gave up (a cancelled ``cat``)."""


@dataclass(slots=True)
class _Extraction:
    """Streaming state: which copy of which path to write out, and how far it got."""

    path: str
    copy: int
    seen: int = 0
    written: bool = False
    stop: bool = False
    abandoned: bool = False


async def _extract(
    source: Source,
    repository: str,
    layer: Descriptor,
    index: int,
    entry: Entry,
    copy: int,
    write: Callable[[bytes], None],
    via: list[str],
    verify: bool,
    toc: LayerToc,
    indexer: LayerIndexer,
) -> tuple[FoundFile, str | None]:
    """Write out copy number ``copy`` of ``entry.path``: with one Range GET when the TOC
    allows it (:mod:`.ranged_read`; from a SOCI zTOC, :mod:`.soci`), else by streaming
    the layer. A zTOC that does not describe the layer (seen before any byte is
    written) is noted, and the layer streamed.

    Returns the file, and the layer's diff_id when it was read whole (``verify``)."""
    if not verify and toc.origin == "soci":
        try:
            read = await read_soci_file(source, repository, toc, entry, write, indexer.store)
            if read is not None:
                return FoundFile(entry, index, layer.digest, tuple(via), False), None
        except SociMismatch as exc:
            indexer.soci.refuse(layer.digest, str(exc))
            indexer.note(f"{exc}: the layer is read instead")
    elif not verify:
        ranged = await read_ranged(source, repository, toc, entry, write, indexer.store)
        if ranged is not None:
            return FoundFile(entry, index, layer.digest, tuple(via), False), None
    job = _Extraction(entry.path, copy)

    def hook(e: Entry) -> DataSink | None:
        if job.stop or e.path != job.path or e.is_whiteout:
            return None
        job.seen += 1
        if job.seen - 1 != job.copy:
            return None
        if not e.is_file:
            job.stop = True
            return None

        def sink(piece: bytes) -> None:
            if job.abandoned:
                raise _Abandoned
            if piece:
                write(piece)
            else:
                job.written = True
                job.stop = not verify

        return sink

    diff_id: str | None = None
    try:
        async with source.open_blob(repository, layer.digest) as stream:
            state = StreamState(layer.media_type, hook, blob_digest=stream.digest, hash_files=False)
            try:
                async for chunk in stream.chunks():
                    await asyncio.to_thread(state.feed, chunk)
                    if job.stop:
                        break
                else:
                    await asyncio.to_thread(state.finish)
                    if not stream.ranged:
                        diff_id = state.diff_id
            finally:
                state.close()  # stops the diff_id's worker when the read stopped early
    except asyncio.CancelledError:
        job.abandoned = True  # a worker still expanding a huge sparse hole stops
        raise
    if not job.written:
        raise LayerFormatError(
            f"layer {short_digest(layer.digest)} does not hold {display_path(entry.path)} "
            "although its table of contents says so"
        )
    return FoundFile(entry, index, layer.digest, tuple(via), verify), diff_id
