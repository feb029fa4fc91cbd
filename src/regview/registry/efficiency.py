"""How much of an image's layers its final filesystem uses: dive's figures, client side.

Computed from the layers' tables of contents only (no Docker daemon, no blob read when
the TOCs are cached).

**dive's definitions** (wagoodman/dive, ``dive/filetree/efficiency.go`` and
``dive/image/analysis.go``): every leaf path of every layer tree is visited; a path's
``CumulativeSize`` adds the size of each of its nodes (a whiteout node adds the size of
what it deletes, again) and its ``minDiscoveredSize`` is the smallest of them. The
*efficiency score* is ``Σ minDiscoveredSize / Σ CumulativeSize`` over all paths (1 when
nothing was shipped). *Inefficient files* are paths with two nodes or more. *Wasted
bytes* is ``Σ CumulativeSize`` of the inefficient files, and the *user wasted percent*
is ``wasted bytes / user size``, where the user size is the size of every layer but the
first (the base image). dive's CI rules compare those: ``lowest-efficiency``,
``highest-wasted-bytes``, ``highest-user-wasted-percent`` (the last two as ratios 0–1).

**dive's bug #684**: ``CumulativeSize`` includes the copy the image keeps (and a
deletion counts the deleted bytes twice), so a file written once and overwritten once
by a file of the same size is "wasted" twice over. Here instead:

* a *copy* is one regular file's content in one layer's tar (its header size); links,
  directories, devices and whiteout markers carry no content bytes;
* a copy is *kept* when it is what the final filesystem shows at its path, or what a
  hard link of the final filesystem points at (a hard link keeps its target's content
  alive even when the target's path is deleted or overwritten later);
* a path's *wasted bytes* are the bytes of its copies that are not kept — the copies
  minus the one kept. A deleted file wastes all of its copies; a whiteout adds nothing;
* the *efficiency score* is ``1 − wasted / shipped``, where *shipped* is every copy's
  bytes in every layer (1.0 for an image that ships nothing). When one copy is kept
  and the copies have equal sizes this is dive's ``min / cumulative``;
* the *user wasted ratio* is dive's: wasted bytes over the content bytes of every layer
  but the first (0 for a one-layer image);
* the *inefficient files* are the paths that waste bytes, with every copy's layer and
  size, and the layer that deleted the path when it is gone.

Layer numbers here are positions (0 = the bottom layer), as in the TOCs.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from regview.registry.layers.entry import WHITEOUT_PREFIX, Entry, EntryType
from regview.registry.layers.merge import merge_layers
from regview.registry.layers.toc import LayerToc

__all__ = [
    "Efficiency",
    "FileCopy",
    "InefficientFile",
    "LargeFile",
    "LayerSize",
    "analyze_efficiency",
]


@dataclass(frozen=True, slots=True)
class FileCopy:
    """One layer's content for a path, and whether the final filesystem still uses it."""

    layer: int
    size: int
    kept: bool


@dataclass(frozen=True, slots=True)
class InefficientFile:
    """A path whose shipped content the final filesystem does not all use."""

    path: str
    copies: tuple[FileCopy, ...]
    #: The layer that deleted the path (whiteout, opaque directory or an entry replacing
    #: a parent), when the final filesystem no longer has it; None when it is there.
    deleted_by: int | None

    @property
    def wasted_bytes(self) -> int:
        """Bytes of the copies that are not kept."""
        return sum(c.size for c in self.copies if not c.kept)

    @property
    def total_bytes(self) -> int:
        """Bytes of every copy (dive's ``CumulativeSize`` without the deletion)."""
        return sum(c.size for c in self.copies)


@dataclass(frozen=True, slots=True)
class LargeFile:
    """A regular file of the final filesystem and the layer that wrote it."""

    path: str
    size: int
    layer: int


@dataclass(frozen=True, slots=True)
class LayerSize:
    """One layer's sizes: content bytes in its tar, and its blob as stored; its regular
    files (whiteout markers not counted)."""

    index: int
    digest: str
    size: int
    compressed_size: int
    files: int


@dataclass(frozen=True, slots=True)
class Efficiency:
    """The result of :func:`analyze_efficiency` (definitions in this module's docstring)."""

    score: float
    shipped_bytes: int
    user_bytes: int
    wasted_bytes: int
    user_wasted_ratio: float
    inefficient: tuple[InefficientFile, ...]
    largest: tuple[LargeFile, ...]
    layers: tuple[LayerSize, ...]

    @property
    def kept_bytes(self) -> int:
        """Content bytes the final filesystem uses."""
        return self.shipped_bytes - self.wasted_bytes


def analyze_efficiency(layers: Sequence[LayerToc], *, largest: int = 20) -> Efficiency:
    """dive's efficiency figures for ``layers`` (bottom first), without its
    double counting; ``largest`` files of the final filesystem listed."""
    tocs = list(layers)
    merged = merge_layers(tocs)
    # Every copy: path -> (layer, position in the layer's tar, size); and each copy's
    # entry (the very object the TOC holds) -> (path, layer, position).
    copies: dict[str, list[tuple[int, int, int]]] = {}
    copy_of: dict[int, tuple[str, int, int]] = {}
    for index, toc in enumerate(tocs):
        for position, e in enumerate(toc.entries):
            if e.type is EntryType.FILE and not _is_marker(e):
                copies.setdefault(e.path, []).append((index, position, e.size))
                copy_of[id(e)] = (e.path, index, position)
    # A copy is kept when a path of the final filesystem has its bytes: a file its own
    # entry, a hard link the copy its target was when the link was made (merge works
    # that out, through chains of links and deletions: MergedEntry.content).
    kept: set[tuple[str, int, int]] = set()
    for m in merged.entries.values():
        if m.content is not None:
            found = copy_of.get(id(m.content))
            if found is not None:
                kept.add(found)
    deleted_by = {d.path: d.layer for d in merged.deletions}
    inefficient: list[InefficientFile] = []
    for path, path_copies in copies.items():
        shown = tuple(
            FileCopy(layer, size, (path, layer, pos) in kept) for layer, pos, size in path_copies
        )
        if any(not c.kept and c.size > 0 for c in shown):
            gone = None if path in merged.entries else _deleter(path, deleted_by)
            inefficient.append(InefficientFile(path, shown, gone))
    inefficient.sort(key=lambda f: (-f.wasted_bytes, f.path))
    wasted = sum(f.wasted_bytes for f in inefficient)
    sizes = tuple(
        LayerSize(i, t.digest, t.files_size, t.compressed_size, _files(t))
        for i, t in enumerate(tocs)
    )
    shipped = sum(s.size for s in sizes)
    user = sum(s.size for s in sizes[1:])
    files = (m for m in merged.entries.values() if m.entry.type is EntryType.FILE)
    top = heapq.nlargest(largest, files, key=lambda m: (m.entry.size, m.path))
    return Efficiency(
        score=1.0 if shipped == 0 else (shipped - wasted) / shipped,
        shipped_bytes=shipped,
        user_bytes=user,
        wasted_bytes=wasted,
        user_wasted_ratio=wasted / user if user else 0.0,
        inefficient=tuple(inefficient),
        largest=tuple(LargeFile(m.path, m.entry.size, m.layer) for m in top),
        layers=sizes,
    )


def _files(toc: LayerToc) -> int:
    """Regular files of a layer, its whiteout markers not counted."""
    return sum(1 for e in toc.entries if e.type is EntryType.FILE and not _is_marker(e))


def _is_marker(e: Entry) -> bool:
    """A whiteout or opaque marker (the cheap test first: most names are not)."""
    return e.path.rpartition("/")[2].startswith(WHITEOUT_PREFIX) and e.is_whiteout


def _deleter(path: str, deleted_by: dict[str, int]) -> int | None:
    """The layer of the last deletion of ``path`` or of a parent of it."""
    best: int | None = None
    probe = path
    while probe:
        layer = deleted_by.get(probe)
        if layer is not None and (best is None or layer > best):
            best = layer
        probe = probe.rpartition("/")[0]
    return best
