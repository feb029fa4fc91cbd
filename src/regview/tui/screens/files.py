"""The files of one layer, or the merged filesystem of an image (like ``dive``).

The layer (or every layer, two at a time) is indexed in a worker while a progress bar
shows bytes read of total and the rate; Esc cancels and goes back (the TOC store keeps
nothing partial). A cached TOC opens at once. Then:

* a lazy tree (``s`` sorts by name or size; directories show the total size below them);
* in the merged view, the layer that last wrote each path and whether it added, changed
  or deleted it (deleted paths are shown struck through);
* ``/`` finds paths by substring over the flat list of every entry, in a worker;
* ``L`` lists the largest files; in these flat lists Enter opens a file in the viewer,
  and on a directory (or a deleted path) shows it in the tree, as ``t`` does on any;
* ``c`` (merged view) tells what each layer added, changed, deleted and hid; Enter on a
  layer shows the tree of only what that layer wrote (Esc: every layer again);
* ``w`` (merged view) lists dive's inefficient files: bytes wasted, the layers holding
  each copy, who deleted it (:mod:`regview.registry.efficiency`);
* ``y`` copies the path under the cursor;
* Enter on a file opens it in the viewer (:mod:`regview.tui.screens.content`), read
  with :func:`~regview.registry.layers.read_file` into a spool as it streams; from a
  flat list (matches of ``/``, the largest files) too, and Esc in the viewer comes
  back to that list.

A layer read whole whose uncompressed content does not match the image config's
``rootfs.diff_ids`` is refused: the view shows the error instead of its files.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static, Tree
from textual.worker import Worker, get_current_worker

from regview.registry import Descriptor, Efficiency, LayerIndexer, analyze_efficiency
from regview.registry.layers import (
    Deletion,
    FileTree,
    IndexProgress,
    LayerToc,
    MergedFilesystem,
    SortKey,
    display_path,
)
from regview.tui.bindings import FILES_BINDINGS
from regview.tui.messages import CopyRequest
from regview.tui.node_targets import LayerTarget
from regview.tui.screens.content import ContentScreen
from regview.tui.screens.files_lists import biggest_first, largest_nodes
from regview.tui.screens.files_progress import image_progress, layer_progress, progress_line
from regview.tui.screens.files_reading import file_content, index_image, index_layer
from regview.tui.screens.files_texts import (
    breadcrumb_parts,
    failure_text,
    layer_hint,
    loading_title,
    match_title,
    summary_text,
    wasted_text,
)
from regview.tui.text import visible
from regview.tui.widgets.file_info import info_text
from regview.tui.widgets.file_tree import (
    ColumnHeader,
    FileChosen,
    FileTreeView,
    FsNode,
    PathList,
    Resized,
    shown_paths,
    viewable,
)
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.inefficient_files import InefficientFilesTable
from regview.tui.widgets.layer_changes import LayerChangesTable, layer_tree
from regview.tui.widgets.status import Breadcrumb
from regview.tui.widgets.virtual_list import VirtualList
from regview.tui.workers import failure_message, report_failure

__all__ = ["FilesScreen", "LayerTarget", "progress_line"]


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
        #: dive's figures of the merged view, computed on the first ``w``.
        self.efficiency: Efficiency | None = None
        self.descriptors: tuple[Descriptor, ...] = ()
        self.all_nodes: list[FsNode] = []
        #: What the flat list shows of each node (computed off the event loop).
        self.all_paths: list[str] = []
        self.flat: Literal["filter", "largest", "layers", "wasted"] | None = None
        #: The layer (0-based) whose changes alone the tree shows, if one was chosen.
        self.layer_filter: int | None = None
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
            yield LayerChangesTable(id="files-layers")
            yield InefficientFilesTable(id="files-wasted")
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
    def layer_table(self) -> LayerChangesTable:
        return self.query_one(LayerChangesTable)

    @property
    def wasted_table(self) -> InefficientFilesTable:
        return self.query_one(InefficientFilesTable)

    def on_mount(self) -> None:
        self.query_one(Breadcrumb).set_path(self.source_name, breadcrumb_parts(self.target))
        self.add_class("-loading")
        self.query_one("#loading-title", Static).update(loading_title(self.target))
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
                toc = await index_layer(self.indexer, t, t.layer, self._on_progress)
                self.descriptors = (t.layer,)
                file_tree = await asyncio.to_thread(toc.tree)
                self.toc = toc
            else:
                merged = await index_image(self.indexer, t, self._on_progress, self._layers_known)
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

    def _layers_known(self, layers: tuple[Descriptor, ...]) -> None:
        self.descriptors = layers
        self._show_progress()

    def _fail(self, exc: BaseException) -> None:
        self.indexing = False
        self._ticker.stop()
        self.error = failure_message(exc)
        self.remove_class("-loading")
        self.add_class("-failed")
        self.query_one("#files-error", Static).update(failure_text(self.target, self.error))
        self.query_one("#files-summary", Static).update(Text("not readable", style="red"))

    def _on_progress(self, p: IndexProgress) -> None:
        self._progress[p.digest] = p
        self._show_progress()

    def _show_progress(self) -> None:
        if not self.indexing or not self.is_mounted:
            return
        elapsed = time.monotonic() - self._started
        layer = self.target.layer
        if layer is not None:
            p = self._progress.get(layer.digest)
            if p is None:
                return
            shown = layer_progress(layer, p, elapsed)
        else:
            shown = image_progress(self.descriptors, self._progress, elapsed)
        self.query_one("#loading-bar", ProgressBar).update(
            total=shown.total or None, progress=shown.read
        )
        self.query_one("#loading-text", Static).update(Text(shown.line))

    # --- what is shown ----------------------------------------------------------------

    def _update_summary(self) -> None:
        how = "largest files first" if self.flat == "largest" else f"by {self.file_view.sort}"
        deleted = len(self._deletions)
        summary = summary_text(self.target, self.toc, self.merged, deleted, self.layer_filter, how)
        self.query_one("#files-summary", Static).update(summary)

    @property
    def header(self) -> ColumnHeader:
        return self.query_one(ColumnHeader)

    def _update_columns(self) -> None:
        first = {"filter": "matches", "largest": "largest files"}.get(self.flat or "", "name")
        target = self.flat_list if self.flat is not None else self.file_view
        self.header.show(first, target)

    @on(Resized)
    @on(VirtualList.RowWidthChanged)
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
        return info_text(node, self.merged, self._deletions)

    # --- flat views: matches and largest files ----------------------------------------

    def _show_flat(self, mode: Literal["filter", "largest", "layers", "wasted"] | None) -> None:
        self.flat = mode
        self.set_class(mode in ("filter", "largest"), "-flat")
        self.set_class(mode == "layers", "-layers")
        self.set_class(mode == "wasted", "-wasted")
        self._update_columns()
        self._update_summary()
        if mode is None:
            node = self.file_view.cursor_node
            self._show_info(node.data if node is not None else None)

    def _set_flat_nodes(self) -> None:
        """Every path in the flat list, in the tree's order (by name, or biggest first)."""
        nodes, paths = self.all_nodes, self.all_paths
        if self.file_view.sort == "size":
            self.flat_list.set_nodes(*biggest_first(nodes, paths))
        else:
            self.flat_list.set_nodes(nodes, paths)

    def action_filter(self) -> None:
        if self.file_tree is None:
            return
        typed = self.file_view.take_typeahead() + self.flat_list.take_typeahead()
        self._show_every_layer()  # matches come from the whole filesystem
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
        self.header.show(match_title(event.matched, len(self.all_nodes), event.query, event.done))

    def _close_flat(self) -> None:
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
        self._show_every_layer()
        self.filter_input.value = ""
        self.remove_class("-filtering")
        nodes = largest_nodes(self.file_tree, self.merged)
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
        table = self.layer_table
        table.show(self.merged)
        if self.layer_filter is not None:
            table.move_cursor(row=self.layer_filter)
        self._show_flat("layers")
        self.set_focus(table)

    def action_wasted(self) -> None:
        """dive's inefficient files (the analysis is computed once, off the loop)."""
        if self.merged is None:
            return
        if self.flat == "wasted":
            self._close_flat()
            return
        self._show_wasted()

    @work(group="files-wasted", exclusive=True, exit_on_error=False)
    async def _show_wasted(self) -> None:
        assert self.merged is not None
        if self.efficiency is None:
            self.efficiency = await asyncio.to_thread(analyze_efficiency, self.merged.layer_tocs)
        result = self.efficiency
        self.filter_input.value = ""
        self.remove_class("-filtering")
        self.wasted_table.show(result)
        self._show_flat("wasted")
        self.set_focus(self.wasted_table)
        self.query_one("#files-info", Static).update(wasted_text(result))

    @on(LayerChangesTable.RowHighlighted)
    def _layer_highlighted(self, event: LayerChangesTable.RowHighlighted) -> None:
        if self.flat == "layers" and self.merged is not None:
            hint = layer_hint(event.cursor_row + 1, len(self.merged.layers))
            self.query_one("#files-info", Static).update(hint)

    @on(LayerChangesTable.LayerChosen)
    def _layer_chosen(self, event: LayerChangesTable.LayerChosen) -> None:
        self._filter_to_layer(event.index)

    @work(group="files-layer-filter", exclusive=True, exit_on_error=False)
    async def _filter_to_layer(self, layer: int) -> None:
        """Show the tree of what ``layer`` alone wrote (Esc shows every layer again)."""
        assert self.merged is not None
        tree = await asyncio.to_thread(layer_tree, self.merged, layer)
        if get_current_worker().is_cancelled:
            return
        self.layer_filter = layer
        self._close_flat()
        self.file_view.load(tree, sort=self.file_view.sort)
        self._update_summary()

    def _show_every_layer(self) -> None:
        if self.layer_filter is None or self.file_tree is None:
            return
        self.layer_filter = None
        self.file_view.load(self.file_tree, sort=self.file_view.sort)
        self._update_summary()

    @on(VirtualList.Selected)
    def _flat_selected(self, event: VirtualList.Selected) -> None:
        node = self.flat_list.nodes[event.index]
        if viewable(node):  # a file opens in the viewer, as in the tree; Esc: this list
            self._show_info(node)
            self.open_file(node)
            return
        self._show_in_tree(node)

    def action_show_in_tree(self) -> None:
        node = self.flat_list.highlighted_node if self.flat in ("filter", "largest") else None
        if node is not None:
            self._show_in_tree(node)

    def _show_in_tree(self, node: FsNode) -> None:
        self._close_flat()
        self.file_view.reveal(node.path)
        self._show_info(node)

    # --- the viewer -------------------------------------------------------------------

    @on(FileChosen)
    def _file_chosen(self, event: FileChosen) -> None:
        event.stop()
        self.open_file(event.node)

    def open_file(self, node: FsNode) -> None:
        """Show ``node`` in the viewer, streamed from its layer (the top one, merged)."""
        t = self.target
        layers = (t.layer,) if t.layer is not None else self.descriptors
        if not layers:
            return
        content = file_content(self.indexer, t.repository, layers, node)
        self.app.push_screen(ContentScreen(content, name_hint=display_path(node.name)))

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
        if self.layer_filter is not None:
            self._show_every_layer()
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
        self.post_message(CopyRequest(visible("/" + display_path(node.path), limit=0), "path"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_sort", "filter", "largest", "copy_path"):
            return self.file_tree is not None
        if action in ("layers", "wasted"):
            return self.merged is not None
        if action == "show_in_tree":
            return self.flat in ("filter", "largest")
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)
