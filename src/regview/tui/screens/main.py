"""The explorer: Repositories -> Tags -> Manifest tree -> Details.

On a wide terminal the panes stand side by side; on a narrower one a window of three
or two of them slides along as focus moves (the breadcrumb says where you are).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Tree
from textual.worker import Worker, get_current_worker

from regview.registry import (
    DeletePlan,
    LayerIndexer,
    RegistryClient,
    RegistryError,
    Source,
    descriptor_json,
)
from regview.targets import Opener
from regview.tui.bindings import MAIN_BINDINGS, MAIN_BLOB_BINDINGS
from regview.tui.commands import ExplorerCommands, JumpRequest, OpenRequest
from regview.tui.messages import CopyRequest, SourceOpened
from regview.tui.node_targets import LayerTarget, copy_of_node, files_target
from regview.tui.screens.artifact import ArtifactScreen
from regview.tui.screens.blob_target import blob_target, is_artifact_layer
from regview.tui.screens.confirm_delete import ConfirmDeleteScreen
from regview.tui.screens.diff import DiffScreen, DiffSide
from regview.tui.screens.files import FilesScreen
from regview.tui.screens.raw_json import RawJsonScreen
from regview.tui.text import visible
from regview.tui.widgets.details import DetailsPane
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.manifest_tree import ManifestPane, ManifestTree, NodeData
from regview.tui.widgets.pane import ListPane, Pane
from regview.tui.widgets.repositories import RepositoriesPane, RepositoryList
from regview.tui.widgets.status import Breadcrumb, StatusBar
from regview.tui.widgets.tags import TagList, TagsPane
from regview.tui.widgets.virtual_list import VirtualList
from regview.tui.workers import report_failure

__all__ = ["MainScreen", "pane_window"]

PANE_WEIGHTS = (1.0, 1.4, 1.6, 1.8)
WIDE = 160  # all four panes from this width
MEDIUM = 100  # three panes from this width, else two


def pane_window(width: int, level: int) -> range:
    """Which panes are shown at ``width`` columns when pane ``level`` has focus."""
    n = 4 if width >= WIDE else 3 if width >= MEDIUM else 2
    start = min(max(level - (n - 2), 0), 4 - n)
    return range(start, start + n)


class MainScreen(Screen[None]):
    """The four panes, the breadcrumb header and the status bar."""

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS, *MAIN_BLOB_BINDINGS]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ExplorerCommands}
    AUTO_FOCUS = ""  # we focus a pane ourselves; auto-focus would pick a hidden input

    def __init__(
        self,
        source: Source,
        indexer: LayerIndexer | None = None,
        *,
        repository: str | None = None,
        reference: str | None = None,
        opener: Opener | None = None,
        allow_delete: bool = False,
    ) -> None:
        super().__init__()
        self.source = source
        #: ``D`` deletes (after asking) only when the explorer was started with --allow-delete.
        self.allow_delete = allow_delete
        #: Shared by every files view and the Details (uncompressed sizes); None: made here.
        self.indexer = indexer or LayerIndexer(source)
        #: Opens a reference to another registry (the palette); None: say it cannot.
        self.opener = opener
        self.start_repository = repository
        self.start_reference = reference
        self.level = 0
        #: A manifest opened by reference (start, palette): the tag list's first
        #: highlight while it loads must not replace it with another tag.
        self._held_reference: str | None = None
        #: The image ``m`` marked, to compare another with (``=``).
        self.marked: DiffSide | None = None

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="header")
        with Horizontal(id="panes"):
            yield RepositoriesPane(self.source, preselect=self.start_repository, id="repositories")
            yield TagsPane(self.source, id="tags")
            yield ManifestPane(self.source, id="manifest")
            yield DetailsPane(self.source, self.indexer, id="details")
        yield StatusBar(self.source, id="status")
        yield Footer(compact=True)

    # --- accessors --------------------------------------------------------------------

    @property
    def repositories(self) -> RepositoriesPane:
        return self.query_one(RepositoriesPane)

    @property
    def tags(self) -> TagsPane:
        return self.query_one(TagsPane)

    @property
    def manifest(self) -> ManifestPane:
        return self.query_one(ManifestPane)

    @property
    def details(self) -> DetailsPane:
        return self.query_one(DetailsPane)

    @property
    def panes(self) -> list[Pane]:
        return [self.repositories, self.tags, self.manifest, self.details]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    # --- start ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.update_breadcrumb()
        repo = self.start_repository
        if repo is None:
            self.focus_pane(0)
            return
        self.tags.load(repo)
        if self.start_reference:
            self._held_reference = self.start_reference
            self.tags.select_when_loaded(self.start_reference)
            self.manifest.load(repo, self.start_reference)
            self.focus_pane(2)
        else:
            self.focus_pane(1)

    def open_reference(self, repository: str, reference: str | None) -> None:
        """Jump to a repository, and to a tag or digest in it if given.

        Every pane and filter below what changes starts afresh: the tag filter, the
        manifest and the details. A repository the catalog does not list joins it only
        once its tags load (:meth:`RepositoriesPane.found`).
        """
        self._held_reference = None
        self.repositories.select(repository)
        self.tags.clear_filter()
        self.tags.load(repository)
        if reference:
            if (repository, reference) != (self.manifest.repository, self.manifest.reference):
                self.details.clear()
            self._held_reference = reference
            self.tags.select_when_loaded(reference)
            self.manifest.load(repository, reference)
            self.focus_pane(2)
        else:
            self.manifest.clear()
            self.details.clear()
            self.focus_pane(1)
        self.update_breadcrumb()

    # --- what the palette offers, and what it asks for --------------------------------

    def source_name(self) -> str:
        return self.source.name

    def repository_names(self) -> Sequence[str]:
        return self.repositories.list.items

    def tag_names(self) -> Sequence[str]:
        return self.tags.list.items

    def current_repository(self) -> str | None:
        return self.tags.repository

    @on(JumpRequest)
    def _jump(self, event: JumpRequest) -> None:
        event.stop()
        self.open_reference(event.repository, event.reference)

    @on(OpenRequest)
    def _open_elsewhere(self, event: OpenRequest) -> None:
        event.stop()
        if self.opener is None:
            self.notify(
                f"Run regview on {visible(event.text, 100)} to browse it",
                severity="warning",
                markup=False,
            )
            return
        try:
            opened = self.opener(event.text)
        except RegistryError as exc:
            self.notify(visible(str(exc), 300), title="cannot open", severity="error", markup=False)
            return
        self.post_message(SourceOpened(event.text, opened))

    @on(TagsPane.Loaded)
    def _tags_loaded(self, event: TagsPane.Loaded) -> None:
        self.repositories.found(event.repository)

    # --- layout -----------------------------------------------------------------------

    def focus_pane(self, level: int) -> None:
        level = max(0, min(level, 3))
        self.level = level
        self.apply_layout()
        target = self.panes[level].focus_target
        self.set_focus(target)

    def apply_layout(self) -> None:
        window = pane_window(self.size.width, self.level)
        for i, pane in enumerate(self.panes):
            shown = i in window
            pane.display = shown
            if shown:
                pane.styles.width = f"{PANE_WEIGHTS[i]}fr"

    def on_resize(self, event: events.Resize) -> None:
        self.apply_layout()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        node: Widget | None = event.widget
        while node is not None and not isinstance(node, Pane):
            parent = node.parent
            node = parent if isinstance(parent, Widget) else None
        if node is not None:
            level = self.panes.index(node)
            if level != self.level:
                self.level = level
                self.apply_layout()
                self.refresh_bindings()  # what the footer offers depends on the pane
        self.update_breadcrumb()

    def update_breadcrumb(self) -> None:
        parts: list[str] = []
        level = self.level
        if self.tags.repository is not None and level >= 0:
            parts.append(self.tags.repository)
        if self.manifest.reference is not None and level >= 1:
            ref = self.manifest.reference
            parts.append(ref if ":" not in ref else ref.partition(":")[2][:12])
        node = self.manifest.tree_widget.cursor_node
        if level >= 2 and node is not None and node.data is not None and node.parent is not None:
            data = node.data
            if data.kind == "manifest" and data.descriptor and data.descriptor.platform:
                parts.append(str(data.descriptor.platform))
            elif data.kind in ("config", "layer"):
                parent = node.parent.data if node.parent else None
                if parent and parent.descriptor and parent.descriptor.platform:
                    parts.append(str(parent.descriptor.platform))
                parts.append(
                    "config" if data.kind == "config" else f"layer {(data.layer_index or 0) + 1}"
                )
        self.query_one(Breadcrumb).set_path(self.source.name, parts)

    # --- navigation -------------------------------------------------------------------

    @on(VirtualList.Highlighted)
    def _highlighted(self, event: VirtualList.Highlighted) -> None:
        if isinstance(event.virtual_list, RepositoryList):
            if self._held_reference is not None and not event.by_user:
                return  # the catalog loads under a manifest opened by reference
            if event.value != self.tags.repository:
                self._held_reference = None
                self.tags.load(event.value)
                self.manifest.clear()
                self.details.clear()
        elif isinstance(event.virtual_list, TagList) and self.tags.repository is not None:
            if self._held_reference is not None and not event.by_user:
                return  # the list (re)loaded under a manifest opened by reference
            self._held_reference = None
            self.manifest.load(self.tags.repository, event.value)
            self.details.clear("")
        self.update_breadcrumb()

    @on(VirtualList.Selected)
    def _selected(self, event: VirtualList.Selected) -> None:
        if isinstance(event.virtual_list, RepositoryList):
            self.tags.load(event.value)
            self.focus_pane(1)
        elif isinstance(event.virtual_list, TagList) and self.tags.repository is not None:
            self.manifest.load(self.tags.repository, event.value)
            self.focus_pane(2)

    @on(RepositoriesPane.Typed)
    def _typed(self, event: RepositoriesPane.Typed) -> None:
        self.open_reference(event.repository, None)

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        self.details.show(event.node.data)
        self.update_breadcrumb()
        self.refresh_bindings()

    @on(ManifestTree.OpenLeaf)
    def _open_leaf(self) -> None:
        node = self._selected_node()
        if node is not None and node.kind == "layer" and self._files_target(node) is not None:
            self.action_files()  # Enter on a layer opens its files
            return
        if node is not None and is_artifact_layer(node):
            self.action_blob()  # Enter on an SBOM's (a signature's...) layer opens it
            return
        self.focus_pane(3)

    def on_screen_resume(self) -> None:
        # Back from a files view: a layer may have been indexed since (uncompressed size).
        if self.details.node is not None:
            self.details.show(self.details.node)
        self.refresh_bindings()

    # --- files ------------------------------------------------------------------------

    def _files_target(self, node: NodeData) -> LayerTarget | None:
        """What ``f`` opens on ``node``: a layer's files, an image's merged filesystem."""
        cursor = self.manifest.tree_widget.cursor_node
        parent = cursor.parent.data if cursor is not None and cursor.parent else None
        return files_target(node, parent, self.manifest.reference)

    def action_files(self) -> None:
        node = self._selected_node()
        target = self._files_target(node) if node is not None else None
        if target is None:
            self.notify(
                "Choose a layer, or an image, to see its files", severity="warning", markup=False
            )
            return
        self.app.push_screen(FilesScreen(target, self.indexer, self.source.name))

    # --- blobs ------------------------------------------------------------------------

    def action_blob(self) -> None:
        node = self._selected_node()
        target = blob_target(node) if node is not None else None
        if target is None:
            self.notify(
                "Choose a referrer, a layer or a config to open its blob",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(ArtifactScreen(self.source, target))

    # --- diff -------------------------------------------------------------------------

    def image_under_cursor(self) -> DiffSide | None:
        """The image ``m`` and ``=`` act on: the manifest node under the cursor (for a
        config or layer, the image it belongs to), else the highlighted tag."""
        repo = self.tags.repository
        if self.level >= 2:
            node = self._selected_node()
            if node is not None:
                if node.kind == "manifest" and node.digest:
                    return DiffSide(node.repository, node.digest)
                if node.kind in ("config", "layer") and node.parent is not None:
                    return DiffSide(node.repository, node.parent.digest)
            if self.manifest.repository and self.manifest.reference:
                return DiffSide(self.manifest.repository, self.manifest.reference)
            return None
        if self.level == 1 and repo is not None and self.tags.list.highlighted_value:
            return DiffSide(repo, self.tags.list.highlighted_value)
        return None

    def action_mark(self) -> None:
        side = self.image_under_cursor()
        if side is None:
            self.notify("Choose a tag or an image to mark", severity="warning", markup=False)
            return
        self.marked = side
        self.notify(
            f"Marked {visible(side.display, 120)}: = on another image compares them",
            markup=False,
            timeout=4,
        )

    def action_diff_marked(self) -> None:
        side = self.image_under_cursor()
        if self.marked is None:
            self.notify(
                "Mark an image with m first, then press = on another",
                severity="warning",
                markup=False,
            )
            return
        if side is None:
            self.notify(
                "Choose a tag or an image to compare with the marked one",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(DiffScreen(self.marked, side, self.indexer, self.source.name))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that do nothing in the focused pane leave the footer (which must fit 80
        # columns with "? Keys" in it): Files off a layer or image, Filter off a list.
        if action == "files":
            node = self._selected_node()
            return node is not None and self._files_target(node) is not None
        if action == "filter":
            return self._list_pane() is not None
        if action == "delete":
            return self._deletable() is not None
        if action == "blob":
            node = self._selected_node()
            return node is not None and blob_target(node) is not None
        return True

    @on(ManifestTree.Back)
    def _tree_back(self) -> None:
        self.focus_pane(1)

    def action_next_pane(self) -> None:
        self.focus_pane((self.level + 1) % 4)

    def action_previous_pane(self) -> None:
        self.focus_pane((self.level - 1) % 4)

    def _list_pane(self) -> RepositoriesPane | TagsPane | None:
        pane = self.panes[self.level]
        return pane if isinstance(pane, RepositoriesPane | TagsPane) else None

    def action_back(self) -> None:
        pane = self._list_pane()
        if pane is not None and pane.list.filter_query:
            self._close_filter(pane, cleared=True)
            return
        if self.level > 0:
            self.focus_pane(self.level - 1)

    # --- filter -----------------------------------------------------------------------

    def action_filter(self) -> None:
        pane = self._list_pane()
        if pane is None:
            self.notify("Filtering works in the Repositories and Tags lists", markup=False)
            return
        filter_input = pane.open_filter()
        self.set_focus(filter_input)
        typed = pane.list.take_typeahead()
        if typed:
            filter_input.insert_text_at_cursor(typed)

    @on(Input.Changed, "FilterInput")
    def _filter_changed(self, event: Input.Changed) -> None:
        pane = event.input.parent
        if isinstance(pane, ListPane):
            pane.list.set_filter(event.value)

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        pane = event.filter_input.parent
        if isinstance(pane, ListPane):
            self._close_filter(pane, cleared=event.cleared or not pane.list.filter_query)

    def _close_filter(self, pane: ListPane, *, cleared: bool) -> None:
        if cleared:
            pane.clear_filter()
        self.set_focus(pane.list)

    @on(VirtualList.FilterChanged)
    def _filter_count(self, event: VirtualList.FilterChanged) -> None:
        pane = event.virtual_list.parent
        if not isinstance(pane, RepositoriesPane | TagsPane):
            return
        total = len(event.virtual_list.items)
        repo = self.tags.repository
        prefix = f"{repo} " if isinstance(pane, TagsPane) and repo else ""
        if event.query:
            more = "" if event.done else "…"
            pane.set_title(f"{prefix}({event.matched:,}{more} of {total:,})")
        else:
            pane.set_title(f"{prefix}({total:,})")

    # --- copy, raw JSON, revalidate ---------------------------------------------------

    def _selected_node(self) -> NodeData | None:
        if self.level < 2:
            return None
        node = self.manifest.tree_widget.cursor_node
        return node.data if node is not None else None

    def action_copy_digest(self) -> None:
        node = self._selected_node()
        copy = copy_of_node(node, self.source.name) if node is not None else None
        if copy is not None:
            self.post_message(CopyRequest(copy.text, copy.what))
            return
        if self.level >= 1 and self.tags.repository and self.tags.list.highlighted_value:
            self._copy_tag_digest(self.tags.repository, self.tags.list.highlighted_value)
            return
        self.notify("Choose a tag or a manifest first", severity="warning", markup=False)

    @work(group="copy", exclusive=True, exit_on_error=False)
    async def _copy_tag_digest(self, repository: str, tag: str) -> None:
        info = self.tags.list.infos.get(tag)
        digest = info.digest if info is not None else None
        if digest is None:
            digest = (await self.source.resolve(repository, tag)).digest
        if not get_current_worker().is_cancelled:
            self.post_message(
                CopyRequest(f"{self.source.name}/{repository}@{digest}", "pinned reference")
            )

    def action_copy_tag(self) -> None:
        repo = self.tags.repository
        tag: str | None = None
        if self.level >= 2 and self.manifest.reference and self.manifest.repository:
            repo = self.manifest.repository
            tag = self.manifest.reference
        elif self.level >= 1:
            tag = self.tags.list.highlighted_value
        if repo is None or tag is None or tag.startswith(("sha256:", "sha512:")):
            self.notify("Choose a tag first", severity="warning", markup=False)
            return
        self.post_message(CopyRequest(f"{self.source.name}/{repo}:{tag}", "tag reference"))

    def action_raw_json(self) -> None:
        node = self._selected_node()
        if node is not None:
            self._raw_json_of_node(node)
        elif self.level == 1 and self.tags.repository and self.tags.list.highlighted_value:
            self._raw_json_of_tag(self.tags.repository, self.tags.list.highlighted_value)
        else:
            self.notify("Choose a tag or a node to see its JSON", severity="warning", markup=False)

    @work(group="raw-json", exclusive=True, exit_on_error=False)
    async def _raw_json_of_tag(self, repository: str, tag: str) -> None:
        fetched = await self.source.manifest(repository, tag)
        if not get_current_worker().is_cancelled:
            self.app.push_screen(RawJsonScreen(f"{repository}:{tag} manifest", fetched.raw))

    @work(group="raw-json", exclusive=True, exit_on_error=False)
    async def _raw_json_of_node(self, node: NodeData) -> None:
        repo = node.repository
        d = node.descriptor
        title = f"{repo}@{node.digest}"
        if node.kind == "manifest" and node.fetched is not None:
            raw = node.fetched.raw
            title += " manifest"
        elif node.kind == "manifest" and d is not None:
            raw = (await self.source.manifest(repo, d.digest)).raw
            title += " manifest"
        elif node.kind == "config" and d is not None:
            raw = (await self.source.config(repo, d)).raw
            title += " config"
        elif d is not None:
            raw = json.dumps(descriptor_json(d)).encode()
            title += " descriptor"
        else:
            self.notify("Nothing to show for this node", severity="warning", markup=False)
            return
        if not get_current_worker().is_cancelled:
            self.app.push_screen(RawJsonScreen(title, raw))

    # --- delete (only with --allow-delete) ---------------------------------------------

    def _deletable(self) -> tuple[RegistryClient, str, str] | None:
        """The client, repository and tag or digest ``D`` would delete; None: nothing."""
        source = self.source
        if not self.allow_delete or not isinstance(source, RegistryClient):
            return None
        if self.level == 1 and self.tags.repository and self.tags.list.highlighted_value:
            return source, self.tags.repository, self.tags.list.highlighted_value
        if self.level >= 2 and self.manifest.repository and self.manifest.reference:
            return source, self.manifest.repository, self.manifest.reference
        return None

    def action_delete(self) -> None:
        target = self._deletable()
        if target is None:
            self.notify(
                "Choose a tag to delete (regview --allow-delete)", severity="warning", markup=False
            )
            return
        self._plan_delete(*target)

    @work(group="delete", exclusive=True, exit_on_error=False)
    async def _plan_delete(self, client: RegistryClient, repository: str, reference: str) -> None:
        self.notify(f"Finding the tags on {visible(reference, 80)}…", markup=False, timeout=2)
        plan = await client.plan_delete(repository, reference)
        if get_current_worker().is_cancelled:
            return

        def answered(chosen: DeletePlan | None) -> None:
            if chosen is not None:
                self._delete(client, chosen)

        self.app.push_screen(ConfirmDeleteScreen(plan), answered)

    @work(group="delete", exclusive=True, exit_on_error=False)
    async def _delete(self, client: RegistryClient, plan: DeletePlan) -> None:
        try:
            await client.delete(plan)
        except RegistryError:
            if plan.with_referrers:
                self._deleted(plan)  # some may have gone: show what is left
            raise
        gone = len(plan.tags)
        first = len(plan.deletes) - 1
        self.notify(
            f"Deleted {visible(plan.by_digest, 200)}"
            + (f" and {gone:,} tag{'s' if gone != 1 else ''}" if gone else "")
            + (f", after {first:,} referrer manifest{'s' if first != 1 else ''}" if first else ""),
            markup=False,
            timeout=5,
        )
        self._deleted(plan)

    def _deleted(self, plan: DeletePlan) -> None:
        """Reload the tags of the repository ``plan`` deleted in."""
        if self.tags.repository == plan.repository:
            self.manifest.clear()
            self.details.clear()
            self.tags.load(plan.repository, force=True)
            self.focus_pane(1)

    def action_revalidate(self) -> None:
        pane = self.panes[self.level]
        pane.revalidate()
        self.notify(f"Reloading {visible(pane.title)}", markup=False, timeout=2)
