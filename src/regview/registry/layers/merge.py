"""The filesystem a container sees: layers applied bottom to top, like ``dive`` shows it.

Rules (OCI image spec, "Applying changesets"): whiteouts of a layer apply only to the
layers below it, never to entries of the same layer. ``dir/.wh..wh..opq`` hides every
lower entry inside ``dir``; ``dir/.wh.name`` deletes ``dir/name`` and everything below
it. An entry replaces what a lower layer had at its path; a non-directory replacing a
directory takes the directory's contents with it.

Each surviving path remembers the layer that last wrote it and whether it ``added`` it,
``changed`` it (it existed below) or made it ``opaque``; each deletion remembers who
deleted what, from which layer. Within one layer the last copy of a path wins, as in
extraction.

A directory belongs to the topmost layer that declares it, with that layer's metadata
(mtime, mode, owner), which is what extraction leaves. One merely repeated (the same
mode and owner, as every layer lists its parents) is not counted as a change of the
repeating layer: with a new mtime it shows as that layer's, ``changed``; with the very
same metadata nothing tells the copies apart and it stays with the layer below, so a
layer that only lists its parents takes nothing from the layers that made them.

A hard link has the content its target had when the link was extracted (GNU tar links
to the file there at that moment): the last copy of the target *before* the link in
the same layer, else the target in the layers below; a copy of the target later in the
layer replaces the target, not the link (:attr:`MergedEntry.content`). The target in
the layers below counts even when the link's own layer whites it out (``b`` linked to
a lower ``a``, and ``.wh.a``, in either order): the link keeps those bytes, as it keeps
them when a later layer deletes the target.

A deletion stays visible while what it removed is absent: when an upper layer creates
the deleted path again (``a`` whited out, then ``a/`` declared anew), the paths the
deletion took away below it are still listed as deleted by it
(:meth:`MergedFilesystem.visible_deletions`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from regview.registry.layers.entry import Entry, EntryType, normalize_path
from regview.registry.layers.toc import LayerToc
from regview.registry.layers.tree import FileTree

__all__ = [
    "DeleteKind",
    "Deletion",
    "LayerChanges",
    "MergedEntry",
    "MergedFilesystem",
    "Status",
    "merge_layers",
]

Status = Literal["added", "changed", "opaque"]
DeleteKind = Literal["whiteout", "opaque", "replaced"]


@dataclass(frozen=True, slots=True)
class MergedEntry:
    """A path of the final filesystem and who put it there."""

    entry: Entry
    #: The layer (0 = bottom) that last wrote this path, and how.
    layer: int
    status: Status
    #: The layer where this path first appeared (since it was last deleted).
    first_layer: int
    #: The regular file whose bytes this path has: its own entry for a file; for a hard
    #: link, what its target was when the link was made; None for anything else (a
    #: directory, a symlink, a hard link to no regular file).
    content: Entry | None = None

    @property
    def path(self) -> str:
        """The entry's path."""
        return self.entry.path


@dataclass(frozen=True, slots=True)
class Deletion:
    """A path removed by an upper layer (with everything below it)."""

    path: str
    #: The layer whose whiteout (or replacing entry) removed it.
    layer: int
    #: What was removed, and the layer that had written it.
    entry: Entry
    from_layer: int
    kind: DeleteKind
    #: Content bytes and regular files removed with it (its whole subtree).
    size: int
    files: int
    #: Everything removed, the path itself included (what the lists of deleted paths
    #: show once an upper layer created the path again).
    removed: tuple[MergedEntry, ...] = field(default=(), repr=False, compare=False)


@dataclass(slots=True)
class LayerChanges:
    """What one layer did to the filesystem below it."""

    index: int
    digest: str
    added: int = 0
    changed: int = 0
    deleted: int = 0
    added_bytes: int = 0
    changed_bytes: int = 0
    #: Content bytes of lower layers this layer hid (deleted or overwrote).
    removed_bytes: int = 0


class MergedFilesystem:
    """The result of :func:`merge_layers`."""

    def __init__(self, layers: Sequence[LayerToc]) -> None:
        self.layer_tocs = tuple(layers)
        self.entries: dict[str, MergedEntry] = {}
        self.deletions: list[Deletion] = []
        self.layers = [LayerChanges(i, t.digest) for i, t in enumerate(layers)]
        self._children: dict[str, set[str]] = {}
        #: While a layer is applied: the content of each lower path its whiteouts and
        #: opaque markers removed (what a hard link of the layer to that path still has).
        self._hidden: dict[str, Entry | None] = {}

    # --- queries -------------------------------------------------------------------------

    def find(self, path: str) -> MergedEntry | None:
        """The merged entry at ``path``, or None."""
        return self.entries.get(path)

    def sorted_entries(self) -> list[MergedEntry]:
        """Every entry, in path order."""
        return [self.entries[p] for p in sorted(self.entries)]

    def visible_deletions(self) -> list[Deletion]:
        """Deletions of paths that are still absent at the top, in path order.

        A deletion whose path an upper layer created again is shown by the paths it
        removed below it that are still absent: one :class:`Deletion` (same layer and
        kind) for each topmost such path."""
        last: dict[str, Deletion] = {}
        for d in self.deletions:
            last[d.path] = d
        out: dict[str, Deletion] = {}
        for p, d in last.items():
            if p not in self.entries:
                out[p] = d
                continue
            for part in self._still_absent(d):
                if part.path not in last:
                    out.setdefault(part.path, part)
        return [out[p] for p in sorted(out)]

    def _still_absent(self, d: Deletion) -> Iterator[Deletion]:
        """The topmost paths below ``d.path`` that ``d`` removed and no one re-created."""
        below = sorted((m for m in d.removed if m.path != d.path), key=lambda m: m.path)
        tops: list[tuple[MergedEntry, list[MergedEntry]]] = []
        for m in below:
            if m.path in self.entries:
                continue
            if tops and m.path.startswith(tops[-1][0].path + "/"):
                tops[-1][1].append(m)
            else:
                tops.append((m, [m]))
        for top, group in tops:
            files = [g for g in group if g.entry.type is EntryType.FILE]
            yield Deletion(
                top.path,
                d.layer,
                top.entry,
                top.layer,
                d.kind,
                sum(g.entry.size for g in files),
                len(files),
                tuple(group),
            )

    @property
    def total_size(self) -> int:
        """Bytes of every file in the merged filesystem."""
        return sum(m.entry.size for m in self.entries.values() if m.entry.is_file)

    @property
    def wasted_bytes(self) -> int:
        """Bytes shipped in lower layers that the final filesystem does not show."""
        return sum(c.removed_bytes for c in self.layers)

    def largest_files(self, count: int = 20) -> list[MergedEntry]:
        """The ``count`` largest regular files, largest first."""
        files = (m for m in self.entries.values() if m.entry.type is EntryType.FILE)
        return heapq.nlargest(count, files, key=lambda m: (m.entry.size, m.path))

    def tree(self, *, include_deleted: bool = False) -> FileTree:
        """A browsable tree; deleted paths appear (status ``deleted``) on request."""
        tree = FileTree()
        for m in self.entries.values():
            tree.add(m.entry, layer=m.layer, status=m.status)
        if include_deleted:
            for d in self.visible_deletions():
                tree.add(d.entry, layer=d.layer, status="deleted")
        return tree.finish()

    # --- building ------------------------------------------------------------------------

    def _link(self, path: str) -> None:
        # Parents the tar never listed are linked too, so that deleting an ancestor
        # (``.wh.d`` for ``d/sub/b`` without a ``d/sub`` entry) takes the path with it.
        while path:
            parent = path.rpartition("/")[0]
            siblings = self._children.setdefault(parent, set())
            if path in siblings:
                return
            siblings.add(path)
            path = parent

    def _unlink(self, path: str) -> None:
        parent = path.rpartition("/")[0]
        siblings = self._children.get(parent)
        if siblings is not None:
            siblings.discard(path)

    def _remove(self, path: str, layer: int, kind: DeleteKind) -> None:
        """Delete ``path`` and its subtree, recording one :class:`Deletion`."""
        top = self.entries.get(path)
        size = files = 0
        removed: list[MergedEntry] = []
        stack = [path]
        while stack:
            p = stack.pop()
            m = self.entries.pop(p, None)
            if m is not None:
                removed.append(m)
                if kind != "replaced":
                    self._hidden.setdefault(p, m.content)
                if m.entry.type is EntryType.FILE:
                    size += m.entry.size
                    files += 1
            stack.extend(self._children.pop(p, ()))
        self._unlink(path)
        if top is not None:
            self.deletions.append(
                Deletion(path, layer, top.entry, top.layer, kind, size, files, tuple(removed))
            )
            stats = self.layers[layer]
            stats.deleted += 1
            stats.removed_bytes += size

    def _apply(self, index: int, toc: LayerToc) -> None:
        self._hidden = {}
        opaque: set[str] = set()
        for e in toc.entries:
            if e.is_opaque_marker:
                opaque.add(e.parent)
                for child in list(self._children.get(e.parent, ())):
                    self._remove(child, index, "opaque")
        for e in toc.entries:
            target = e.whiteout_target
            if target is not None and target in self.entries:
                self._remove(target, index, "whiteout")
        for e in toc.entries:
            if not e.is_whiteout:
                self._put(index, e, e.path in opaque)
        for d in opaque:
            # A marker without its directory entry still makes the directory opaque here.
            m = self.entries.get(d)
            if m is not None and m.layer != index:
                self.entries[d] = MergedEntry(m.entry, index, "opaque", m.first_layer, m.content)
        self._hidden = {}

    def _content_of(self, e: Entry) -> Entry | None:
        """The regular file ``e`` has the bytes of, as it is applied (see the module)."""
        if e.type is EntryType.FILE:
            return e
        if e.type is EntryType.HARDLINK and e.link is not None:
            # Entries are applied in the layer's order: the target is, right now, the
            # copy of this layer before the link, or else the one of the layers below
            # (perhaps one this layer's whiteouts removed, before its entries).
            path = normalize_path(e.link)
            target = self.entries.get(path)
            if target is not None:
                return target.content
            return self._hidden.get(path)
        return None

    def _put(self, index: int, e: Entry, opaque: bool) -> None:
        stats = self.layers[index]
        # A lower non-directory where this entry needs a directory is replaced by one.
        parent = e.parent
        while parent:
            above = self.entries.get(parent)
            if above is not None:
                if not above.entry.is_dir:
                    self._remove(parent, index, "replaced")
                break
            parent = parent.rpartition("/")[0]
        prev = self.entries.get(e.path)
        layer, first = index, index
        status: Status = "added"
        if prev is not None:
            if prev.layer == index:
                status, first = prev.status, prev.first_layer
            elif (
                prev.entry.is_dir
                and e.is_dir
                and (prev.entry.mode, prev.entry.uid, prev.entry.gid) == (e.mode, e.uid, e.gid)
            ):
                if prev.entry.mtime == e.mtime or opaque:
                    layer, status, first = prev.layer, prev.status, prev.first_layer
                else:
                    # Merely repeated, with a new mtime (which extraction sets): this
                    # layer's now, shown as changed, but not counted as a change.
                    self.entries[e.path] = MergedEntry(e, index, "changed", prev.first_layer)
                    return
            else:
                status, first = "changed", prev.first_layer
                if prev.entry.is_file:
                    stats.removed_bytes += prev.entry.size
            if prev.entry.is_dir and not e.is_dir:
                for child in list(self._children.get(e.path, ())):
                    self._remove(child, index, "replaced")
        if opaque and e.is_dir:
            layer, status = index, "opaque"
        if layer == index and (prev is None or prev.layer != index):
            if status == "added":
                stats.added += 1
                stats.added_bytes += e.size if e.is_file else 0
            elif status == "changed":
                stats.changed += 1
                stats.changed_bytes += e.size if e.is_file else 0
        merged = MergedEntry(e, layer, status, first, self._content_of(e))
        self.entries[e.path] = merged
        self._link(e.path)


def merge_layers(layers: Sequence[LayerToc]) -> MergedFilesystem:
    """Apply ``layers`` (bottom first, as a manifest lists them) into one filesystem."""
    fs = MergedFilesystem(layers)
    for index, toc in enumerate(layers):
        fs._apply(index, toc)
    return fs
