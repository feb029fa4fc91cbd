"""A layer's files, or an image's merged filesystem, as rows the front end shows a window of.

Layers are indexed by the shared :class:`~regview.registry.LayerIndexer` (the cache, an
embedded eStargz/zstd:chunked TOC, the zTOC of the image's SOCI index, or the whole
stream), with progress; a layer read whole
must match its ``rootfs.diff_ids`` entry, or the view shows the error instead of files.
The tree opens directory by directory; a filter turns it into the flat list of every path
containing the text; sorting by size puts the biggest subtree first.

A row: ``{"depth", "name", "dir", "open", "size", "mode", "owner", "layer", "status",
"link"}`` (``layer`` and ``status`` in the merged view only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from regview.notebook.explorer.rows import Windowed
from regview.notebook.explorer.text import human_size, safe, short
from regview.registry import (
    Descriptor,
    IndexProgress,
    LayerIndexer,
    LayerToc,
    MergedFilesystem,
    image_layers,
    is_digest,
    merge_layers,
    verify_diff_ids,
)
from regview.registry.layers import EntryType, FileTree, SortKey, TreeNode, display_path

__all__ = [
    "FileRows",
    "FilesTarget",
    "largest",
    "layers_table",
    "load_layer",
    "load_merged",
    "progress_text",
]

#: Paths shown at most for a filter (say so when there are more).
MAX_MATCHES = 100_000
#: Files the "largest files" list shows.
LARGEST = 100


@dataclass(frozen=True, slots=True)
class FilesTarget:
    """What to list: one layer (``layer`` set) or the image ``reference`` names."""

    repository: str
    reference: str
    title: str
    layer: Descriptor | None = None
    layer_index: int | None = None
    layer_count: int | None = None


def progress_text(read: int, total: int | None, phase: str) -> str:
    """``1.2 MB of 3.4 MB · reading the whole layer``."""
    text = human_size(read)
    if total is not None:
        text += f" of {human_size(total)}"
    return f"{text} · {phase}" if phase else text


_PHASES = {
    "cached": "from the cache",
    "toc": "reading its table of contents",
    "stream": "reading the whole layer",
    "done": "done",
}


class Progress:
    """Progress of one layer or of all layers of an image, as one line."""

    def __init__(
        self, layers: tuple[Descriptor, ...], on_change: Callable[[], None] | None = None
    ) -> None:
        self.sizes = {d.digest: d.size for d in layers}
        self.seen: dict[str, IndexProgress] = {}
        self.on_change = on_change

    def update(self, p: IndexProgress) -> None:
        """The indexer's progress callback."""
        self.seen[p.digest] = p
        if self.on_change is not None:
            self.on_change()

    def line(self) -> tuple[str, float | None]:
        """The text, and the share done (None while unknown)."""
        total = sum(self.sizes.values())
        read = done = 0
        reading: list[str] = []
        for digest, size in self.sizes.items():
            p = self.seen.get(digest)
            if p is None:
                continue
            if p.phase in ("cached", "done"):
                done += 1
                read += size
            else:
                read += p.read
                reading.append(short(digest))
        if len(self.sizes) == 1:
            p = next(iter(self.seen.values()), None)
            phase = _PHASES.get(p.phase, p.phase) if p is not None else "starting…"
        else:
            phase = f"{done} of {len(self.sizes)} layers done"
            if reading:
                phase += " · reading " + ", ".join(reading[:4])
        return progress_text(read, total, phase), (read / total if total else None)


async def load_layer(
    indexer: LayerIndexer, target: FilesTarget, progress: Progress
) -> tuple[FileTree, LayerToc]:
    """Index one layer (checked against the image config when read whole)."""
    layer = target.layer
    assert layer is not None
    if is_digest(target.reference):  # the layer's image: its SOCI index may serve
        indexer.add_image(target.reference, (layer,))
    toc = await indexer.index(target.repository, layer, progress=progress.update)
    i = target.layer_index
    if toc.origin == "tar" and toc.diff_id and i is not None:
        fetched, layers = await image_layers(indexer.source, target.repository, target.reference)
        if i < len(layers) and layers[i].digest == layer.digest:
            await verify_diff_ids(indexer.source, target.repository, fetched, [(i, toc)])
    tree = await asyncio.to_thread(toc.tree)
    return tree, toc


async def load_merged(
    indexer: LayerIndexer, target: FilesTarget, progress: Progress
) -> tuple[FileTree, MergedFilesystem]:
    """Index every layer of the image (two at a time) and merge them."""
    source = indexer.source
    fetched, layers = await image_layers(source, target.repository, target.reference)
    progress.sizes = {d.digest: d.size for d in layers}
    indexer.add_image(fetched.digest, layers)  # a SOCI index of the image may serve
    tocs = await indexer.index_all(
        target.repository, layers, progress=progress.update, concurrency=2
    )
    await verify_diff_ids(source, target.repository, fetched, enumerate(tocs))
    merged = await asyncio.to_thread(merge_layers, tocs)
    tree = await asyncio.to_thread(merged.tree, include_deleted=True)
    return tree, merged


def layer_summary(toc: LayerToc, target: FilesTarget) -> str:
    """``layer 2 of 3 · 12 files · 1.2 MB uncompressed, 400 kB compressed (gzip)``."""
    text = f"layer {(target.layer_index or 0) + 1}"
    if target.layer_count:
        text += f" of {target.layer_count}"
    text += f" · {toc.file_count:,} files · "
    if toc.uncompressed_size is not None:
        text += f"{human_size(toc.uncompressed_size)} uncompressed, "
    return text + f"{human_size(toc.compressed_size)} compressed ({safe(toc.compression, 20)})"


def merged_summary(merged: MergedFilesystem) -> str:
    """``3 layers · 40 files · 1.2 MB · 2 deleted · 300 kB hidden by upper layers``."""
    files = sum(1 for m in merged.entries.values() if m.entry.is_file)
    text = f"{len(merged.layer_tocs)} layers · {files:,} files · {human_size(merged.total_size)}"
    deleted = len(merged.visible_deletions())
    if deleted:
        text += f" · {deleted:,} deleted"
    if merged.wasted_bytes:
        text += f" · {human_size(merged.wasted_bytes)} hidden by upper layers"
    return text


def layers_table(merged: MergedFilesystem) -> dict[str, Any]:
    """What each layer did to the filesystem below it (like dive's layer list), as a
    details table block: added, changed (with their bytes), deleted, and the bytes of
    lower layers it hid."""
    rows: list[list[Any]] = []
    for changes, toc in zip(merged.layers, merged.layer_tocs, strict=True):
        uncompressed = toc.uncompressed_size
        rows.append(
            [
                [str(changes.index + 1), "cyan"],
                [short(changes.digest), "cyan"],
                human_size(toc.compressed_size),
                human_size(uncompressed) if uncompressed is not None else "?",
                [f"{changes.added:,} · {human_size(changes.added_bytes)}", "green"],
                [f"{changes.changed:,} · {human_size(changes.changed_bytes)}", "yellow"],
                [f"{changes.deleted:,}", "red"],
                human_size(changes.removed_bytes),
            ]
        )
    return {
        "t": "table",
        "title": "What each layer did",
        "cols": [
            ["layer", "right"],
            ["digest", "left"],
            ["compressed", "right"],
            ["uncompressed", "right"],
            ["added", "right"],
            ["changed", "right"],
            ["deleted", "right"],
            ["hidden below", "right"],
        ],
        "rows": rows,
    }


def largest(tree: FileTree, merged: MergedFilesystem | None) -> list[TreeNode]:
    """The :data:`LARGEST` biggest regular files, largest first."""
    if merged is None:
        return tree.largest_files(LARGEST)
    found = (tree.node(m.path) for m in merged.largest_files(LARGEST))
    return [n for n in found if n is not None]


def _row(node: TreeNode, depth: int, *, is_open: bool, merged: bool, full: bool) -> dict[str, Any]:
    entry = node.entry
    name = display_path(node.path if full else node.name)
    row: dict[str, Any] = {"depth": depth, "name": safe(name, 300)}
    if node.is_dir:
        row["dir"] = True
        row["size"] = human_size(node.total_size)
        if node.has_children:
            row["open"] = is_open
    elif entry is not None and entry.type in (EntryType.CHAR, EntryType.BLOCK):
        row["size"] = f"{entry.devmajor},{entry.devminor}"
    elif entry is not None and entry.type is not EntryType.FILE:
        row["size"] = "-"
    else:
        row["size"] = human_size(node.size)
    if entry is not None:
        row["mode"] = entry.mode_string
        row["owner"] = f"{entry.uid}:{entry.gid}"
        if entry.link is not None:
            row["link"] = safe(display_path(entry.link), 300)
    if merged:
        if node.layer is not None:
            row["layer"] = node.layer + 1
        if node.status:
            row["status"] = node.status
    return row


class FileRows(Windowed):
    """The open directories of a file tree, or the paths a filter found."""

    def __init__(self, tree: FileTree, *, merged: bool) -> None:
        super().__init__()
        self.tree = tree
        self.merged = merged
        self.sort: SortKey = "name"
        self.expanded: set[str] = set()
        self.query = ""
        #: A flat list of paths shown instead of the tree: filter matches, largest files.
        self.matches: list[TreeNode] | None = None
        self.listing: str = ""  # "", "filter" or "largest"
        self.truncated = False
        self._flat: list[tuple[TreeNode, int]] | None = None
        self._paths: list[tuple[str, TreeNode]] | None = None

    def touch(self, *, top: bool = False) -> None:
        self._flat = None
        self.changed(top=top)

    @property
    def flat(self) -> list[tuple[TreeNode, int]]:
        if self._flat is None:
            if self.matches is not None:
                self._flat = [(n, 0) for n in self.matches]
            else:
                self._flat = self._walk()
        return self._flat

    def _walk(self) -> list[tuple[TreeNode, int]]:
        out: list[tuple[TreeNode, int]] = []
        stack = [(n, 0) for n in reversed(self.tree.children("", sort=self.sort))]
        while stack:
            node, depth = stack.pop()
            out.append((node, depth))
            if node.path in self.expanded and node.has_children:
                kids = self.tree.children(node.path, sort=self.sort)
                stack.extend((c, depth + 1) for c in reversed(kids))
        return out

    @property
    def length(self) -> int:
        return len(self.flat)

    def node(self, row: int) -> TreeNode | None:
        flat = self.flat
        return flat[row][0] if 0 <= row < len(flat) else None

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        full = self.matches is not None
        return [
            _row(n, d, is_open=n.path in self.expanded, merged=self.merged, full=full)
            for n, d in self.flat[max(0, start) : stop]
        ]

    def toggle(self, row: int) -> bool:
        """Open or close the directory at ``row``; False if it is not one."""
        node = self.node(row)
        if node is None or not node.has_children or self.matches is not None:
            return False
        if node.path in self.expanded:
            self.expanded.discard(node.path)
        else:
            self.expanded.add(node.path)
        self.touch()
        return True

    def show_largest(self, nodes: list[TreeNode] | None) -> None:
        """Show ``nodes`` (the largest files) as a flat list; None goes back to the tree."""
        self.query = ""
        self.truncated = False
        self.matches = nodes
        self.listing = "largest" if nodes is not None else ""
        self.touch(top=True)

    def set_sort(self, sort: SortKey) -> None:
        self.sort = sort
        if self.matches is not None and self.listing == "filter":
            self.matches = self._sorted(self.matches)
        self.touch()

    def _sorted(self, nodes: list[TreeNode]) -> list[TreeNode]:
        if self.sort == "size":
            return sorted(nodes, key=lambda n: (-n.total_size, n.path))
        return nodes

    async def set_filter(self, query: str) -> None:
        """Show every path containing ``query`` (case-insensitive); '' shows the tree."""
        self.query = query
        if not query:
            self.matches = None
            self.listing = ""
            self.truncated = False
            self.touch(top=True)
            return
        if self._paths is None:
            tree = self.tree

            def all_paths() -> list[tuple[str, TreeNode]]:
                return [(display_path(n.path).lower(), n) for n in tree.walk()]

            self._paths = await asyncio.to_thread(all_paths)
        paths = self._paths
        q = query.lower()

        def find() -> list[TreeNode]:
            return [n for p, n in paths if q in p][: MAX_MATCHES + 1]

        found = await asyncio.to_thread(find)
        if query != self.query:
            return
        self.truncated = len(found) > MAX_MATCHES
        self.matches = self._sorted(found[:MAX_MATCHES])
        self.listing = "filter"
        self.touch(top=True)

    @property
    def path_count(self) -> int:
        return len(self.tree)
