"""The files of one layer, or the merged filesystem of an image (like ``dive``).

The layer (or every layer, two at a time) is indexed in a worker while a progress bar
shows bytes read of total and the rate; Esc cancels and goes back (the TOC store keeps
nothing partial). A cached TOC opens at once. Then:

* a lazy tree (``s`` sorts by name or size; directories show the total size below them);
* in the merged view, the layer that last wrote each path and whether it added, changed
  or deleted it (deleted paths are shown struck through);
* ``/`` finds paths by substring over the flat list of every entry, in a worker;
* ``L`` lists the largest files; Enter on a match shows it in the tree;
* ``c`` (merged view) tells what each layer added, changed, deleted and hid;
* ``y`` copies the path under the cursor.

A layer read whole whose uncompressed content does not match the image config's
``rootfs.diff_ids`` is refused: the view shows the error instead of its files.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static, Tree
from textual.worker import Worker, get_current_worker

from regview.registry.digests import short_digest
from regview.registry.layers.entry import EntryType, display_path
from regview.registry.layers.image import image_layers, verify_diff_ids
from regview.registry.layers.indexer import IndexProgress
from regview.registry.layers.listing import format_time
from regview.registry.layers.merge import Deletion, MergedFilesystem, merge_layers
from regview.registry.layers.toc import LayerToc
from regview.registry.layers.tree import FileTree, SortKey
from regview.registry.models import Descriptor
from regview.tui.bindings import FILES_BINDINGS
from regview.tui.text import error_text, literal, visible
from regview.tui.widgets.file_tree import (
    ColumnHeader,
    FileTreeView,
    FsNode,
    PathList,
    Resized,
    human_size,
    shown_paths,
)
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.status import Breadcrumb
from regview.tui.widgets.virtual_list import VirtualList
from regview.tui.workers import failure_message, report_failure

if TYPE_CHECKING:
    from regview.registry.layers.indexer import LayerIndexer
    from regview.tui.app import RegviewApp

__all__ = ["FilesScreen", "LayerTarget", "progress_line"]

LARGEST = 100

_PHASES = {
    "cached": "from the cache",
    "toc": "reading its table of contents",
    "stream": "reading the whole layer",
    "done": "done",
}


@dataclass(frozen=True)
class LayerTarget:
    """What to open: one layer (``layer`` set) or the image ``reference`` names."""

    repository: str
    reference: str
    #: Shown in the header: the tag or digest, the platform.
    context: tuple[str, ...] = ()
    layer: Descriptor | None = None
    layer_index: int | None = None
    layer_count: int | None = None


def progress_line(read: int, total: int | None, rate: float, phase: str = "") -> str:
    """``1.2 MB of 3.4 MB · 5.6 MB/s · reading the whole layer``."""
    text = human_size(read)
    if total is not None:
        text += f" of {human_size(total)}"
    text += f" · {human_size(int(rate))}/s"
    if phase:
        text += f" · {phase}"
    return text


class FilesScreen(Screen[None]):
    """A layer's files, or an image's merged filesystem."""

    BINDINGS: ClassVar[list[BindingType]] = list(FILES_BINDINGS)
    AUTO_FOCUS = ""

    def __init__(self, target: LayerTarget, indexer: LayerIndexer, source_name: str) -> None:
        super().__init__()
        self.target = target
        self.indexer = indexer
        self.source_name = source_name
        self.merged_view = target.layer is None
        self.indexing = True
        self.error: str | None = None
        self.file_tree: FileTree | None = None
        self.toc: LayerToc | None = None
        self.merged: MergedFilesystem | None = None
        self.descriptors: tuple[Descriptor, ...] = ()
        self.all_nodes: list[FsNode] = []
        #: What the flat list shows of each node (computed off the event loop).
        self.all_paths: list[str] = []
        self.flat: Literal["filter", "largest", "layers"] | None = None
        self._deletions: dict[str, Deletion] = {}
        self._progress: dict[str, IndexProgress] = {}
        self._started = time.monotonic()

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="header")
        yield Static(id="files-summary")
        with Vertical(id="files-loading"):
            yield Static(id="loading-title")
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")
            yield Static(id="loading-text")
            yield Static(Text("Esc cancels", style="dim"), id="loading-hint")
        yield Static(id="files-error")
        with Vertical(id="files-body"):
            yield FilterInput(placeholder="find paths containing…", id="files-filter")
            yield ColumnHeader(merged=self.merged_view, id="files-columns")
            yield FileTreeView(merged=self.merged_view, id="files-tree")
            yield PathList(merged=self.merged_view, empty_text="no match", id="files-flat")
            with VerticalScroll(id="files-layers"):
                yield Static(id="files-layers-table")
            yield Static(id="files-info")
        yield Footer(compact=True)

    @property
    def file_view(self) -> FileTreeView:
        return self.query_one(FileTreeView)

    @property
    def flat_list(self) -> PathList:
        return self.query_one(PathList)

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one("#files-filter", FilterInput)

    @property
    def explorer(self) -> RegviewApp:
        from regview.tui.app import RegviewApp

        assert isinstance(self.app, RegviewApp)
        return self.app

    def on_mount(self) -> None:
        t = self.target
        parts = [t.repository, *t.context]
        if t.layer is not None:
            parts.append(f"layer {(t.layer_index or 0) + 1} files")
        else:
            parts.append("merged filesystem")
        self.query_one(Breadcrumb).set_path(self.source_name, parts)
        self.add_class("-loading")
        what = (
            f"layer {(t.layer_index or 0) + 1} ({short_digest(t.layer.digest)})"
            if t.layer is not None
            else "the layers of this image"
        )
        title = Text(f"Reading {what} of ", style="bold")
        title.append_text(literal(t.repository, limit=60, style="bold"))
        self.query_one("#loading-title", Static).update(title)
        self.query_one("#loading-text", Static).update(Text("starting…", style="dim"))
        self.set_focus(None)
        self._ticker = self.set_interval(0.5, self._show_progress)
        self._load()

    # --- loading ----------------------------------------------------------------------

    @work(group="files-index", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        worker = get_current_worker()
        t = self.target
        try:
            if t.layer is not None:
                toc = await self.indexer.index(t.repository, t.layer, progress=self._on_progress)
                await self._verify_layer(toc)
                self.descriptors = (t.layer,)
                file_tree = await asyncio.to_thread(toc.tree)
                self.toc = toc
            else:
                fetched, layers = await image_layers(
                    self.indexer.source, t.repository, t.reference
                )
                self.descriptors = layers
                self._show_progress()
                tocs = await self.indexer.index_all(
                    t.repository, layers, progress=self._on_progress, concurrency=2
                )
                await verify_diff_ids(self.indexer.source, t.repository, fetched, enumerate(tocs))
                merged = await asyncio.to_thread(merge_layers, tocs)
                file_tree = await asyncio.to_thread(merged.tree, include_deleted=True)
                deletions = await asyncio.to_thread(merged.visible_deletions)
                self.merged = merged
                self._deletions = {d.path: d for d in deletions}
            nodes = await asyncio.to_thread(lambda: list(file_tree.walk()))
            paths = await asyncio.to_thread(shown_paths, nodes)
        except Exception as exc:  # every failure is shown inline, then notified
            if not worker.is_cancelled:
                self._fail(exc)
            raise
        if worker.is_cancelled:
            return
        self.file_tree = file_tree
        self.all_nodes = nodes
        self.all_paths = paths
        self.indexing = False
        self._ticker.stop()
        self.remove_class("-loading")
        self.add_class("-loaded")
        self.file_view.load(file_tree)
        self._update_summary()
        self._update_columns()
        self.set_focus(self.file_view)
        self.refresh_bindings()

    async def _verify_layer(self, toc: LayerToc) -> None:
        """Check a layer read whole against its image's config (``rootfs.diff_ids``)."""
        t = self.target
        if t.layer is None or t.layer_index is None or toc.origin != "tar" or not toc.diff_id:
            return  # an embedded TOC never saw the whole stream: nothing to compare
        fetched, layers = await image_layers(self.indexer.source, t.repository, t.reference)
        i = t.layer_index
        if i < len(layers) and layers[i].digest == t.layer.digest:
            await verify_diff_ids(self.indexer.source, t.repository, fetched, [(i, toc)])

    def _fail(self, exc: BaseException) -> None:
        self.indexing = False
        self._ticker.stop()
        self.error = failure_message(exc)
        self.remove_class("-loading")
        self.add_class("-failed")
        t = self.target
        what = (
            f"layer {(t.layer_index or 0) + 1} ({short_digest(t.layer.digest)})"
            if t.layer is not None
            else "the layers of this image"
        )
        message = Text(f"Could not read {what}\n\n", style="bold")
        message.append_text(error_text(self.error))
        message.append("\n\nEsc goes back", style="dim")
        self.query_one("#files-error", Static).update(message)
        self.query_one("#files-summary", Static).update(Text("not readable", style="red"))

    def _on_progress(self, p: IndexProgress) -> None:
        self._progress[p.digest] = p
        self._show_progress()

    def _show_progress(self) -> None:
        if not self.indexing or not self.is_mounted:
            return
        bar = self.query_one("#loading-bar", ProgressBar)
        text = self.query_one("#loading-text", Static)
        if self.target.layer is not None:
            p = self._progress.get(self.target.layer.digest)
            if p is None:
                return
            total = p.total if p.total is not None else self.target.layer.size
            read = total if p.phase in ("cached", "done") else p.read
            # Our own clock: a stalled read shows its rate falling, not the last one seen.
            elapsed = time.monotonic() - self._started
            rate = p.read / elapsed if elapsed > 0 else p.rate
            bar.update(total=total or None, progress=read)
            text.update(Text(progress_line(read, total, rate, _PHASES.get(p.phase, p.phase))))
            return
        sizes = {d.digest: d.size for d in self.descriptors}
        total = sum(sizes.values())
        read = fresh = 0
        done = 0
        reading: list[str] = []
        for digest, size in sizes.items():
            p = self._progress.get(digest)
            if p is None:
                continue
            if p.phase in ("cached", "done"):
                done += 1
                read += size
                fresh += p.read if p.phase == "done" else 0
            else:
                read += p.read
                fresh += p.read
                reading.append(short_digest(digest))
        elapsed = time.monotonic() - self._started
        rate = fresh / elapsed if elapsed > 0 else 0.0
        bar.update(total=total or None, progress=read)
        phase = f"{done} of {len(sizes)} layers done"
        if reading:
            phase += " · reading " + ", ".join(reading)
        text.update(Text(progress_line(read, total, rate, phase)))

    # --- what is shown ----------------------------------------------------------------

    def _update_summary(self) -> None:
        summary = Text(end="")
        if self.toc is not None:
            toc = self.toc
            t = self.target
            summary.append(f"layer {(t.layer_index or 0) + 1}", style="bold")
            if t.layer_count:
                summary.append(f" of {t.layer_count}")
            summary.append(f" · {toc.file_count:,} files · ")
            if toc.uncompressed_size is not None:
                summary.append(human_size(toc.uncompressed_size), style="bold green")
                summary.append(" uncompressed, ")
            summary.append(human_size(toc.compressed_size), style="green")
            summary.append(f" compressed ({toc.compression})")
        elif self.merged is not None:
            merged = self.merged
            files = sum(1 for m in merged.entries.values() if m.entry.is_file)
            summary.append(f"{len(merged.layer_tocs)} layers", style="bold")
            summary.append(f" · {files:,} files · ")
            summary.append(human_size(merged.total_size), style="bold green")
            deleted = len(self._deletions)
            if deleted:
                summary.append(f" · {deleted:,} deleted", style="red")
            if merged.wasted_bytes:
                summary.append(" · ")
                summary.append(human_size(merged.wasted_bytes), style="yellow")
                summary.append(" hidden by upper layers")
        summary.append(f" · by {self.file_view.sort}", style="dim")
        self.query_one("#files-summary", Static).update(summary)

    @property
    def header(self) -> ColumnHeader:
        return self.query_one(ColumnHeader)

    def _update_columns(self) -> None:
        first = {"filter": "matches", "largest": "largest files"}.get(self.flat or "", "name")
        target = self.flat_list if self.flat is not None else self.file_view
        self.header.show(first, target)

    @on(Resized)
    def _list_resized(self) -> None:
        self.header.refresh()

    @on(Tree.NodeHighlighted)
    def _tree_highlighted(self, event: Tree.NodeHighlighted[FsNode]) -> None:
        if self.flat is None:
            self._show_info(event.node.data)

    @on(VirtualList.Highlighted)
    def _flat_highlighted(self, event: VirtualList.Highlighted) -> None:
        if self.flat is not None:
            self._show_info(self.flat_list.nodes[event.index])

    def _show_info(self, node: FsNode | None) -> None:
        self.query_one("#files-info", Static).update(self.info_text(node))

    def info_text(self, node: FsNode | None) -> Text:
        """Two lines on the entry under the cursor: its path, then its facts."""
        if node is None:
            return Text("")
        out = literal("/" + display_path(node.path), limit=500, style="bold")
        entry = node.entry
        if entry is not None and entry.link is not None:
            out.append(" → " if entry.type is EntryType.SYMLINK else " link to ", style="dim")
            out.append_text(literal(display_path(entry.link), limit=300, style="cyan"))
        out.append("\n")
        facts: list[Text] = []
        if node.is_dir:
            files = "1 file" if node.file_count == 1 else f"{node.file_count:,} files"
            facts.append(Text(f"directory · {files}, {human_size(node.total_size)} below"))
        elif entry is not None:
            facts.append(Text(f"{entry.type.value} · {entry.size} bytes"))
        if self.merged is not None:
            facts.append(self._attribution(node))
        if entry is not None:
            owner = f"{entry.uid}/{entry.gid}"
            if entry.uname or entry.gname:
                owner += f" ({visible(entry.uname, 32)}/{visible(entry.gname, 32)})"
            facts.append(Text(f"{entry.mode_string} {owner}"))
            facts.append(Text(format_time(entry.mtime)))
        line = Text(" · ", style="dim").join(f for f in facts if f.plain)
        out.append_text(line)
        return out

    def _attribution(self, node: FsNode) -> Text:
        assert self.merged is not None
        if node.status == "deleted":
            d = self._deletions.get(node.path)
            text = Text("deleted", style="red")
            if d is not None:
                how = {"whiteout": "a whiteout", "opaque": "an opaque directory",
                       "replaced": "a replacing entry"}[d.kind]
                text.append(f" by layer {d.layer + 1} ({how}); it came from layer "
                            f"{d.from_layer + 1}")
                if d.files:
                    text.append(f"; {d.files:,} files, {human_size(d.size)}")
            return text
        m = self.merged.find(node.path)
        if m is None:
            return Text("implied directory", style="dim")
        text = Text(f"layer {m.layer + 1} ", style="cyan")
        text.append(m.status, style={"added": "green", "changed": "yellow"}.get(m.status,
                                                                                "magenta"))
        if m.first_layer != m.layer:
            text.append(f"; first added by layer {m.first_layer + 1}")
        return text

    # --- flat views: matches and largest files ----------------------------------------

    def _show_flat(self, mode: Literal["filter", "largest", "layers"] | None) -> None:
        self.flat = mode
        self.set_class(mode in ("filter", "largest"), "-flat")
        self.set_class(mode == "layers", "-layers")
        self._update_columns()
        if mode is None:
            node = self.file_view.cursor_node
            self._show_info(node.data if node is not None else None)

    def _set_flat_nodes(self) -> None:
        """Every path in the flat list, in the tree's order (by name, or biggest first)."""
        nodes, paths = self.all_nodes, self.all_paths
        if self.file_view.sort == "size":
            order = sorted(range(len(nodes)), key=lambda i: -nodes[i].total_size)
            self.flat_list.set_nodes([nodes[i] for i in order], [paths[i] for i in order])
        else:
            self.flat_list.set_nodes(nodes, paths)

    def action_filter(self) -> None:
        if self.file_tree is None:
            return
        typed = self.file_view.take_typeahead() + self.flat_list.take_typeahead()
        if self.flat != "filter":
            self._set_flat_nodes()
            self.flat_list.set_filter(self.filter_input.value)
        self._show_flat("filter")
        self.add_class("-filtering")
        self.set_focus(self.filter_input)
        if typed:
            self.filter_input.insert_text_at_cursor(typed)

    @on(Input.Changed, "#files-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self.flat == "filter":
            self.flat_list.set_filter(event.value)

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        if event.cleared or not self.filter_input.value:
            self._close_flat()
        else:
            self.set_focus(self.flat_list)

    @on(VirtualList.FilterChanged)
    def _filter_count(self, event: VirtualList.FilterChanged) -> None:
        if self.flat != "filter":
            return
        more = "" if event.done else "…"
        title = f"{event.matched:,}{more} of {len(self.all_nodes):,} paths match"
        if not event.query:
            title = f"{len(self.all_nodes):,} paths"
        self.header.show(title)

    def _close_flat(self) -> None:
        self.query_one("#files-layers-table", Static).update("")
        self.filter_input.value = ""
        self.flat_list.set_filter("")
        self.remove_class("-filtering")
        self._show_flat(None)
        self.set_focus(self.file_view)

    def action_largest(self) -> None:
        if self.file_tree is None:
            return
        if self.flat == "largest":
            self._close_flat()
            return
        self.filter_input.value = ""
        self.remove_class("-filtering")
        if self.merged is not None:
            found = (self.file_tree.node(m.path) for m in self.merged.largest_files(LARGEST))
            nodes = [n for n in found if n is not None]
        else:
            nodes = self.file_tree.largest_files(LARGEST)
        self.flat_list.set_filter("")
        self.flat_list.set_nodes(nodes)
        self._show_flat("largest")
        self.set_focus(self.flat_list)
        self.flat_list.move_cursor(0)
        self._show_info(self.flat_list.highlighted_node)

    def action_layers(self) -> None:
        if self.merged is None:
            return
        if self.flat == "layers":
            self._close_flat()
            return
        self.filter_input.value = ""
        self.remove_class("-filtering")
        self.query_one("#files-layers-table", Static).update(self.layers_table())
        self._show_flat("layers")
        self.set_focus(self.query_one("#files-layers", VerticalScroll))

    def layers_table(self) -> Table:
        """What each layer did to the filesystem below it (like dive's layer list):
        entries added, changed (with their bytes), deleted, and lower bytes it hid."""
        assert self.merged is not None
        table = Table(box=None, padding=(0, 1), show_edge=False, expand=False)
        table.add_column("#", justify="right", style="cyan", no_wrap=True)
        table.add_column("digest", no_wrap=True, style="cyan")
        table.add_column("compressed", justify="right", no_wrap=True)
        table.add_column("uncompressed", justify="right", no_wrap=True)
        table.add_column("added", justify="right", style="green", no_wrap=True)
        table.add_column("changed", justify="right", style="yellow", no_wrap=True)
        table.add_column("deleted", justify="right", style="red", no_wrap=True)
        table.add_column("hidden", justify="right", no_wrap=True)
        for changes, toc in zip(self.merged.layers, self.merged.layer_tocs, strict=True):
            uncompressed = toc.uncompressed_size
            if changes.index:
                table.add_row()
            table.add_row(
                str(changes.index + 1),
                changes.digest.partition(":")[2][:12],
                human_size(toc.compressed_size),
                human_size(uncompressed) if uncompressed is not None else "?",
                f"{changes.added:,}\n{human_size(changes.added_bytes)}",
                f"{changes.changed:,}\n{human_size(changes.changed_bytes)}",
                f"{changes.deleted:,}",
                human_size(changes.removed_bytes),
            )
        return table

    @on(VirtualList.Selected)
    def _flat_selected(self, event: VirtualList.Selected) -> None:
        node = self.flat_list.nodes[event.index]
        self._close_flat()
        self.file_view.reveal(node.path)
        self._show_info(node)

    # --- actions ----------------------------------------------------------------------

    def action_back(self) -> None:
        if self.indexing:
            self.workers.cancel_group(self, "files-index")
            self.indexing = False
            self.app.pop_screen()
            return
        if self.flat is not None:
            self._close_flat()
            return
        self.app.pop_screen()

    def action_toggle_sort(self) -> None:
        if self.file_tree is None:
            return
        sort: SortKey = "size" if self.file_view.sort == "name" else "name"
        self.file_view.resort(sort)
        if self.flat == "filter":
            self._set_flat_nodes()
        self._update_summary()
        self.notify(f"Sorted by {sort}", markup=False, timeout=2)

    def _cursor_node(self) -> FsNode | None:
        if self.flat is not None:
            return self.flat_list.highlighted_node
        node = self.file_view.cursor_node
        return node.data if node is not None else None

    def action_copy_path(self) -> None:
        node = self._cursor_node()
        if node is None:
            self.notify("Nothing to copy", severity="warning", markup=False)
            return
        # Control and bidi characters are copied as visible escapes: a pasted path must
        # never act on the terminal it is pasted into.
        self.explorer.copy_text(visible("/" + display_path(node.path), limit=0))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_sort", "filter", "largest", "copy_path"):
            return self.file_tree is not None
        if action == "layers":
            return self.merged is not None
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

