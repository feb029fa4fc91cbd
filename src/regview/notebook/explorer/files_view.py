"""The files view: a layer's files or an image's merged filesystem, over the panes.

Its synced state (``files``) says whether it is open, what it shows (``title``), the
indexing progress, then the summary, the sort and the filter; its rows are the ``files``
pane's. Closing it (or opening another) cancels the indexing of what it was showing.
"""

from __future__ import annotations

import time
from typing import Any

from regview.notebook.explorer.core import Core
from regview.notebook.explorer.details import files_action
from regview.notebook.explorer.files import (
    FileRows,
    FilesTarget,
    Progress,
    largest,
    layer_summary,
    layers_table,
    load_layer,
    load_merged,
    merged_summary,
)
from regview.notebook.explorer.rows import NoRows
from regview.notebook.explorer.text import failure_message, safe
from regview.notebook.explorer.tree import Node
from regview.registry import ImageManifest, MergedFilesystem, RegistryError, short_digest
from regview.registry.layers import SortKey

__all__ = ["FilesView", "target_of"]

#: Seconds between two progress updates.
PROGRESS_EVERY = 0.1


def target_of(node: Node, crumbs: list[str]) -> FilesTarget | None:
    """What the files view opens for ``node``: its layer, or its image's layers."""
    action = files_action(node)
    if crumbs and node.kind == "layer" and crumbs[-1].startswith("layer "):
        crumbs = crumbs[:-1]  # the title names the layer itself
    if action == "files" and node.parent is not None and node.descriptor is not None:
        m = node.parent.manifest
        count = len(m.layers) if isinstance(m, ImageManifest) else None
        n = (node.layer_index or 0) + 1
        return FilesTarget(
            node.repository,
            node.parent.digest,
            " › ".join([*crumbs, f"layer {n} files"]),
            layer=node.descriptor,
            layer_index=node.layer_index,
            layer_count=count,
        )
    if action == "merged" and node.digest is not None:
        return FilesTarget(node.repository, node.digest, " › ".join([*crumbs, "merged filesystem"]))
    return None


class FilesView:
    """The files of a layer or of an image, for one explorer."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.target: FilesTarget | None = None
        self.state: dict[str, Any] = {"open": False}
        self.merged: MergedFilesystem | None = None

    @property
    def rows(self) -> FileRows | None:
        rows = self.core.lists["files"]
        return rows if isinstance(rows, FileRows) else None

    def _publish(self, **changes: Any) -> None:
        self.state = {**self.state, **changes}
        self.core.sink.publish(files=dict(self.state))

    def _replace(self, rows: FileRows | NoRows) -> None:
        old = self.core.lists["files"]
        rows.version = old.version + 1
        rows.window = old.window
        self.core.lists["files"] = rows

    def open(self, node: Node, crumbs: list[str]) -> bool:
        """Open the files of ``node`` (a layer, or an image). False if it has none."""
        target = target_of(node, crumbs)
        if target is None:
            return False
        self.core.tasks.cancel("files", "filter:files")
        self.target = target
        self._replace(NoRows())
        self.state = {}
        self._publish(
            open=True,
            title=safe(target.title, 400),
            merged=target.layer is None,
            loading=True,
            progress="starting…",
            fraction=None,
            summary="",
            error="",
            sort="name",
            query="",
            matches=None,
        )
        self.core.push("files")
        self.core.tasks.start("files", self._load(target))
        return True

    async def _load(self, target: FilesTarget) -> None:
        indexer = self.core.indexer
        assert indexer is not None
        last = 0.0

        def report() -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY and self.target is target:
                last = now
                line, fraction = progress.line()
                self._publish(progress=line, fraction=fraction)

        layers = (target.layer,) if target.layer is not None else ()
        progress = Progress(layers, report)
        try:
            merged: MergedFilesystem | None = None
            if target.layer is not None:
                tree, toc = await load_layer(indexer, target, progress)
                rows = FileRows(tree, merged=False)
                summary = layer_summary(toc, target)
            else:
                tree, merged = await load_merged(indexer, target, progress)
                rows = FileRows(tree, merged=True)
                summary = merged_summary(merged)
        except RegistryError as exc:
            what = (
                f"layer {(target.layer_index or 0) + 1} ({short_digest(target.layer.digest)})"
                if target.layer is not None
                else "the layers of this image"
            )
            self._publish(loading=False, error=f"Could not read {what}: {failure_message(exc)}")
            raise
        if self.target is not target:
            return
        self.merged = merged
        self._replace(rows)
        self._publish(
            loading=False, progress="", fraction=1.0, summary=summary, listing="", layers=None
        )
        self.core.pane("files", query="")
        self.core.push("files")

    def close(self) -> None:
        """Close the view (and stop reading its layers)."""
        self.core.tasks.cancel("files", "filter:files")
        self.target = None
        self.merged = None
        self._replace(NoRows())
        self.state = {}
        self._publish(open=False)

    def toggle(self, row: int) -> None:
        """Open or close the directory at ``row``."""
        rows = self.rows
        if rows is not None and rows.toggle(row):
            self.core.push("files")

    def sort(self, key: SortKey) -> None:
        """Sort by name, or largest first."""
        rows = self.rows
        if rows is not None and rows.sort != key:
            rows.set_sort(key)
            self._publish(sort=key)
            self.core.push("files")

    def largest(self) -> None:
        """Show the largest files instead of the tree (again: the tree)."""
        rows = self.rows
        if rows is None:
            return
        showing = rows.listing == "largest"
        rows.show_largest(None if showing else largest(rows.tree, self.merged))
        self._publish(listing=rows.listing, query="", matches=None)
        self.core.push("files")

    def layers(self) -> None:
        """Show (or hide) what each layer of a merged filesystem did."""
        if self.merged is None:
            self.core.sink.send({"type": "say", "text": "Layer changes are those of an image"})
            return
        shown = self.state.get("layers") is not None
        self._publish(layers=None if shown else layers_table(self.merged))

    def filter(self, query: str) -> None:
        """Show the paths containing ``query`` ('' shows the tree again)."""
        rows = self.rows
        if rows is not None:
            self.core.tasks.start("filter:files", self._filter(rows, query))

    async def _filter(self, rows: FileRows, query: str) -> None:
        await rows.set_filter(query)
        if self.rows is not rows:
            return
        matches = len(rows.matches) if rows.matches is not None else None
        self._publish(
            query=safe(query, 200), matches=matches, truncated=rows.truncated, listing=rows.listing
        )
        self.core.push("files")
