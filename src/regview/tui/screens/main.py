"""The explorer: Repositories -> Tags -> Manifest tree -> Details.

On a wide terminal the panes stand side by side; on a narrower one a window of three
or two of them slides along as focus moves (the breadcrumb says where you are).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Tree
from textual.worker import Worker, get_current_worker

from regview.registry import DeletePlan, LayerIndexer, RegistryClient, RegistryError, Source
from regview.targets import Opener
from regview.tui.bindings import MAIN_BINDINGS, MAIN_BLOB_BINDINGS
from regview.tui.commands import ExplorerCommands, JumpRequest, OpenRequest
from regview.tui.messages import CopyRequest, SourceOpened
from regview.tui.node_targets import LayerTarget, copy_of_node, files_target
from regview.tui.screens.artifact import ArtifactScreen
from regview.tui.screens.blob_target import blob_target, is_artifact_layer
from regview.tui.screens.confirm_delete import ConfirmDeleteScreen
from regview.tui.screens.diff import DiffScreen, DiffSide
from regview.tui.screens.explorer_breadcrumb import breadcrumb_parts
from regview.tui.screens.explorer_selection import (
    Selection,
    image_to_compare,
    reference_to_delete,
    tag_to_copy,
)
from regview.tui.screens.explorer_texts import deleted_text, list_title
from regview.tui.screens.files import FilesScreen
from regview.tui.screens.node_json import node_json
from regview.tui.screens.pane_layout import PANE_WEIGHTS, pane_of, pane_window
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

__all__ = ["MainScreen"]


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

    def _warn(self, text: str) -> None:
        """Say why a key did nothing (plain text: never markup)."""
        self.notify(text, severity="warning", markup=False)

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
            self._warn(f"Run regview on {visible(event.text, 100)} to browse it")
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
        pane = pane_of(event.widget)
        if pane is not None:
            level = self.panes.index(pane)
            if level != self.level:
                self.level = level
                self.apply_layout()
                self.refresh_bindings()  # what the footer offers depends on the pane
        self.update_breadcrumb()

    def update_breadcrumb(self) -> None:
        parts = breadcrumb_parts(
            self.level,
            self.tags.repository,
            self.manifest.reference,
            self.manifest.tree_widget.cursor_node,
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
            self._warn("Choose a layer, or an image, to see its files")
            return
        self.app.push_screen(FilesScreen(target, self.indexer, self.source.name))

    # --- blobs ------------------------------------------------------------------------

    def action_blob(self) -> None:
        node = self._selected_node()
        target = blob_target(node) if node is not None else None
        if target is None:
            self._warn("Choose a referrer, a layer or a config to open its blob")
            return
        self.app.push_screen(ArtifactScreen(self.source, target))

    # --- diff -------------------------------------------------------------------------

    def image_under_cursor(self) -> DiffSide | None:
        """The image ``m`` and ``=`` act on (:func:`image_to_compare`)."""
        return image_to_compare(self.selection())

    def action_mark(self) -> None:
        side = self.image_under_cursor()
        if side is None:
            self._warn("Choose a tag or an image to mark")
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
            self._warn("Mark an image with m first, then press = on another")
            return
        if side is None:
            self._warn("Choose a tag or an image to compare with the marked one")
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
        pane.set_title(list_title(prefix, total, event.query, event.matched, event.done))

    # --- copy, raw JSON, revalidate ---------------------------------------------------

    def _selected_node(self) -> NodeData | None:
        if self.level < 2:
            return None
        node = self.manifest.tree_widget.cursor_node
        return node.data if node is not None else None

    def selection(self) -> Selection:
        """Where the cursors are, for the rules of :mod:`.explorer_selection`."""
        return Selection(
            level=self.level,
            repository=self.tags.repository,
            tag=self.tags.list.highlighted_value,
            manifest_repository=self.manifest.repository,
            manifest_reference=self.manifest.reference,
            node=self._selected_node(),
        )

    def action_copy_digest(self) -> None:
        node = self._selected_node()
        copy = copy_of_node(node, self.source.name) if node is not None else None
        if copy is not None:
            self.post_message(CopyRequest(copy.text, copy.what))
            return
        listed = self.selection().listed_tag
        if self.level >= 1 and listed is not None:
            self._copy_tag_digest(*listed)
            return
        self._warn("Choose a tag or a manifest first")

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
        chosen = tag_to_copy(self.selection())
        if chosen is None:
            self._warn("Choose a tag first")
            return
        repo, tag = chosen
        self.post_message(CopyRequest(f"{self.source.name}/{repo}:{tag}", "tag reference"))

    def action_raw_json(self) -> None:
        selection = self.selection()
        if selection.node is not None:
            self._raw_json_of_node(selection.node)
        elif self.level == 1 and selection.listed_tag is not None:
            self._raw_json_of_tag(*selection.listed_tag)
        else:
            self._warn("Choose a tag or a node to see its JSON")

    @work(group="raw-json", exclusive=True, exit_on_error=False)
    async def _raw_json_of_tag(self, repository: str, tag: str) -> None:
        fetched = await self.source.manifest(repository, tag)
        if not get_current_worker().is_cancelled:
            self.app.push_screen(RawJsonScreen(f"{repository}:{tag} manifest", fetched.raw))

    @work(group="raw-json", exclusive=True, exit_on_error=False)
    async def _raw_json_of_node(self, node: NodeData) -> None:
        shown = await node_json(self.source, node)
        if shown is None:
            self._warn("Nothing to show for this node")
            return
        if not get_current_worker().is_cancelled:
            self.app.push_screen(RawJsonScreen(*shown))

    # --- delete (only with --allow-delete) ---------------------------------------------

    def _deletable(self) -> tuple[RegistryClient, str, str] | None:
        """The client, repository and tag or digest ``D`` would delete; None: nothing."""
        source = self.source
        if not self.allow_delete or not isinstance(source, RegistryClient):
            return None
        chosen = reference_to_delete(self.selection())
        return (source, *chosen) if chosen is not None else None

    def action_delete(self) -> None:
        target = self._deletable()
        if target is None:
            self._warn("Choose a tag to delete (regview --allow-delete)")
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
        self.notify(deleted_text(plan), markup=False, timeout=5)
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
