"""What the widget does when the user clicks: open a target, a repository, a tag, a node.

:class:`Controller` is the explorer behind one widget. Every load runs as a task in the
slot of the pane it fills, so a new click cancels the load it replaces (a repository
click cancels the previous tag listing and its column reads; a tag click the previous
tree; moving in the tree the previous details). The messages of the front end are
decoded in :mod:`.messages`; the files view is :class:`~.files_view.FilesView`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from regview.notebook.explorer import raw
from regview.notebook.explorer.core import PUSH_DELAY, Core, Sink
from regview.notebook.explorer.details import DetailsContext, details
from regview.notebook.explorer.files_view import FilesView
from regview.notebook.explorer.tags import TagRows
from regview.notebook.explorer.text import failure_message, safe, short
from regview.notebook.explorer.tree import Node, add_referrers, expand, load_root
from regview.notebook.session import Session
from regview.recent import load_recent, remember
from regview.registry import (
    AuthError,
    NotFound,
    RegistryError,
    Source,
    TagInfo,
    is_digest,
    repository_name,
)
from regview.targets import DEMO, Opened

__all__ = ["Controller"]

log = logging.getLogger("regview.notebook")

PAGE_SIZE = 1000
#: A fill of tag columns that replaces a running one waits this long (the user scrolls).
SCROLL_DEBOUNCE = 0.03


class Controller(Core):
    """The explorer behind one widget: targets, repositories, tags, the tree, details."""

    def __init__(self, sink: Sink, session: Session) -> None:
        super().__init__(sink, session)
        self.files_view = FilesView(self)
        self.context: DetailsContext | None = None
        self.selected_node: Node | None = None
        #: The repository and the reference (tag or digest) shown, as the registry has them.
        self.repository: str | None = None
        self.reference: str | None = None
        self._recent: list[str] = []
        self._start: dict[str, Any] = {}
        #: Item indices of the tags the running fill reads.
        self._filling: set[int] = set()

    # --- targets ---------------------------------------------------------------------------

    def show_start(self) -> None:
        """Offer the demo and the recent targets."""
        self._recent = [t for t in load_recent(self.session.settings.state_root()) if t != DEMO]
        choices = [{"target": DEMO, "note": "the embedded demo"}]
        choices += [{"target": safe(t, 300), "note": "recent"} for t in self._recent]
        self._publish_start(open=True, choices=choices, busy="")

    def _publish_start(self, **changes: Any) -> None:
        self._start = {**self._start, **changes}
        self.sink.publish(start=dict(self._start))

    def start_choice(self, index: int) -> str | None:
        """The target of entry ``index`` of the start list."""
        targets = [DEMO, *self._recent]
        return targets[index] if 0 <= index < len(targets) else None

    def open_target(self, text: str) -> None:
        """Open what the user typed or picked. Opening is immediate (no request is made
        until a pane loads), except the demo, built in a thread the first time."""
        self.error("")
        text = text.strip()
        if text == DEMO:
            self.tasks.start("open", self._open_demo())
            return
        try:
            opened = self.session.open(text)
        except RegistryError as exc:
            self.error(failure_message(exc))
            return
        remember(self.session.settings.state_root(), text)
        self.show(opened)

    async def _open_demo(self) -> None:
        from regview.demo import demo_path

        self._publish_start(busy=DEMO)
        try:
            await asyncio.to_thread(demo_path, self.session.settings.cache_root())
            opened = self.session.open(DEMO)
        finally:
            self._publish_start(busy="")
        self.show(opened, label=DEMO)

    def show(self, opened: Opened, *, label: str = "") -> None:
        """Browse what a target opened, at the repository and reference it named
        (``label`` names the source on screen; the copy buttons copy its real name)."""
        self.use_source(opened.source, label=label)
        self.load_repositories(preselect=opened.repository)
        if opened.repository:
            self.open_repository(opened.repository, reference=opened.reference)

    def use_source(self, source: Source, *, label: str = "") -> None:
        """Browse ``source`` from now on (what was shown before is dropped)."""
        self.tasks.cancel_all()
        self.source = source
        self.label = label or source.name
        self.context = DetailsContext(source, self.new_indexer(source))
        self.repository = self.reference = None
        self.selected_node = None
        self.files_view.close()
        self.tags.reset(None)
        self.tree.set_root(None)
        name = safe(self.label, 200)
        self._publish_start(open=False)
        self.sink.publish(
            source={
                "name": name,
                "identity": safe(source.identity, 100),
                "local": source.stats.local,
            },
            details={"blocks": []},
        )
        self.push("tags", title="Tags", empty="select a repository", loading=False, error=None)
        self.push("tree", title="Manifest", empty="select a tag", loading=False, error=None)
        self.update_selection()
        self.publish_status()

    # --- repositories ----------------------------------------------------------------------

    def load_repositories(self, preselect: str | None = None) -> None:
        """Read the catalog, page by page (``preselect`` gets the cursor when it shows up)."""
        self.repos.clear()
        self.push(
            "repos",
            title="Repositories",
            loading=True,
            error=None,
            denied=None,
            empty="loading…",
            query="",
            selected=-1,
        )
        self.cursor("repos", 0)
        self.tasks.start("repos", self._repositories(preselect))

    async def _repositories(self, preselect: str | None) -> None:
        source = self.source
        assert source is not None
        try:
            async for page in source.repositories(page_size=PAGE_SIZE):
                self.repos.append(page)
                self.push("repos", title=f"Repositories ({len(self.repos.items):,}…)")
                if preselect is not None and preselect in page:
                    row = self.repos.row_of(preselect)
                    self.pane("repos", selected=-1 if row is None else row)
                    self.cursor("repos", row)
                    preselect = None
        except (AuthError, NotFound) as exc:
            # No catalog here (most public registries): ask for a repository name.
            self.pane(
                "repos", loading=False, empty="", denied=failure_message(exc), title="Repositories"
            )
            if preselect is not None:
                self.add_repository(preselect, open_it=False)
            return
        except RegistryError:
            n = len(self.repos.items)
            self.pane("repos", title=f"Repositories ({n:,}, incomplete)" if n else "Repositories")
            raise
        n = len(self.repos.items)
        self.pane(
            "repos",
            loading=False,
            title=f"Repositories ({n:,})",
            empty="" if n else "no repositories",
        )

    def add_repository(self, name: str, *, open_it: bool = True) -> None:
        """A repository the user typed (for a registry that does not list its catalog)."""
        if self.source is not None:
            name = repository_name(self.source.name, name)  # Docker Hub: library/WORD
        if name not in self.repos.items:
            self.repos.append([name])
            self.push("repos")
        row = self.repos.row_of(name)
        self.pane("repos", selected=-1 if row is None else row)
        self.cursor("repos", row)
        if open_it:
            self.open_repository(name)

    # --- tags ------------------------------------------------------------------------------

    def open_repository(
        self, name: str, *, reference: str | None = None, force: bool = False
    ) -> None:
        """Show the tags of ``name``, and the manifest ``reference`` names if given."""
        self.error("")
        row = self.repos.row_of(name)
        self.pane("repos", selected=-1 if row is None else row)
        if name != self.tags.repository or force:
            self.tasks.cancel("columns", "filter:tags")
            self.tags.reset(name)
            self.push(
                "tags",
                title=safe(name, 200),
                loading=True,
                error=None,
                empty="loading…",
                query="",
                selected=-1,
            )
            self.cursor("tags", 0)
            self.tasks.start("tags", self._tags(self.tags, name, reference))
        if reference:
            self.open_reference(name, reference)
        elif name != self.repository or force:
            self.repository, self.reference = name, None
            self.clear_tree("select a tag")

    async def _tags(self, tags: TagRows, name: str, reference: str | None) -> None:
        source = self.source
        assert source is not None
        rows = tags.list

        def page() -> None:
            self.push("tags", title=f"{safe(name, 200)} ({len(rows.items):,}…)")

        try:
            await tags.load(source, page)
        except RegistryError:
            n = len(rows.items)
            self.pane(
                "tags",
                empty="",
                title=(f"{safe(name, 200)} ({n:,}, incomplete)" if n else safe(name, 200)),
            )
            raise
        n = len(rows.items)
        self.pane(
            "tags", loading=False, title=f"{safe(name, 200)} ({n:,})", empty="" if n else "no tags"
        )
        if reference and not is_digest(reference) and reference == self.reference:
            row = rows.row_of(reference)
            self.pane("tags", selected=-1 if row is None else row)
            self.cursor("tags", row)
        self.fill_columns(debounce=False)

    def fill_columns(self, *, debounce: bool = True) -> None:
        """Read the columns of the tags in the window (and a margin) not read yet. A fill
        still running for them goes on; one for rows scrolled past is cancelled."""
        source = self.source
        if source is None or self.tags.repository is None:
            return
        wanted = self.tags.missing()
        if not wanted or ("columns" in self.tasks.running and set(wanted) <= self._filling):
            return
        wait = SCROLL_DEBOUNCE if debounce and "columns" in self.tasks.running else 0.0
        self._filling = set(wanted)
        self.tasks.start("columns", self._columns(source, wanted, wait))

    async def _columns(self, source: Source, wanted: list[int], wait: float) -> None:
        if wait:
            await asyncio.sleep(wait)
        loop = asyncio.get_running_loop()
        pending: list[asyncio.TimerHandle] = []
        filled: set[int] = set()
        items = self.tags.list.items
        index: dict[str, list[int]] = {}
        for i in wanted:
            index.setdefault(items[i], []).append(i)

        def flush() -> None:
            pending.clear()
            # The rows read (wherever the window has gone since: they stay in the page),
            # each sent once.
            for message in self.tags.list.messages_for("tags", filled):
                self.sink.send(message)
            filled.clear()

        def arrived(info: TagInfo, tag: str) -> None:
            filled.update(index.get(tag, ()))
            if not pending:
                pending.append(loop.call_later(PUSH_DELAY, flush))

        try:
            failures = await self.tags.fill(source, wanted, arrived)
        finally:
            for handle in pending:
                handle.cancel()
        flush()
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            self.error(safe(failures[0], 300) + more)

    # --- the tree -------------------------------------------------------------------------

    def clear_tree(self, empty: str) -> None:
        """Show no manifest (``empty`` says why)."""
        self.tasks.cancel("tree", "details", "raw")
        self.tasks.cancel_prefix("expand:")
        self.tree.set_root(None)
        self.selected_node = None
        self.push("tree", title="Manifest", empty=empty, loading=False, error=None, selected=-1)
        self.sink.publish(details={"blocks": []})
        self.update_selection()

    def open_reference(self, repository: str, reference: str) -> None:
        """Show the manifest ``reference`` (a tag or a digest) of ``repository``."""
        self.error("")
        self.repository, self.reference = repository, reference
        self.clear_tree("loading…")
        self.pane("tree", loading=True)
        self.tasks.start("tree", self._tree(repository, reference))

    async def _tree(self, repository: str, reference: str) -> None:
        source = self.source
        assert source is not None
        try:
            root = await load_root(source, repository, reference)
        except RegistryError as exc:
            self.pane("tree", empty=failure_message(exc))
            raise
        self.tree.set_root(root)
        self.push("tree", loading=False, empty="")
        self.cursor("tree", 0)
        self.select_node(root)
        await add_referrers(source, root)
        self.tree.touch()
        self.push("tree")

    def find_node(self, node_id: int) -> Node | None:
        """The node ``node_id`` names, among the rows shown."""
        return next((n for n, _ in self.tree.flat if n.id == node_id), None)

    def toggle(self, node: Node, *, want: bool | None = None) -> bool:
        """Open or close ``node`` (to ``want`` if given); a manifest not read yet is read.
        False if there was nothing to do."""
        if not node.expandable:
            return False
        opening = not node.expanded if want is None else want
        if opening == node.expanded:
            return False
        node.expanded = opening
        if opening and node.kind == "manifest" and node.children is None:
            node.add(Node("placeholder", node.repository, text="loading…"))
            self.tasks.start(f"expand:{node.id}", self._expand(node))
        self.tree.touch()
        self.push("tree")
        if self.selected_node is not None:
            row = self.tree.row_of(self.selected_node)
            self.pane("tree", selected=-1 if row is None else row)
        return True

    async def _expand(self, node: Node) -> None:
        source = self.source
        assert source is not None
        try:
            await expand(source, node)
        finally:
            self.tree.touch()
            self.push("tree")
            if self.selected_node is node:
                self.select_node(node)

    def select_node(self, node: Node) -> None:
        """Show the details of ``node``, and what the copy buttons copy."""
        context = self.context
        assert context is not None
        self.selected_node = node
        row = self.tree.row_of(node)
        self.pane("tree", selected=-1 if row is None else row)
        self.update_selection()
        self.tasks.start("details", self._details(node, context))

    async def _details(self, node: Node, context: DetailsContext) -> None:
        async for blocks in details(node, context):
            self.sink.publish(details={"node": node.id, "blocks": blocks})

    def crumbs(self) -> list[str]:
        """Where the user is: source, repository, tag, platform, config or layer."""
        source = self.source
        if source is None:
            return []
        out = [safe(self.label or source.name, 200)]
        repo, ref, node = self.repository, self.reference, self.selected_node
        if repo is None:
            return out
        out.append(safe(repo, 200))
        if ref is None:
            return out
        out.append(short(ref) if is_digest(ref) else safe(ref, 200))
        if node is not None and node.role != "root":
            holder = node if node.kind == "manifest" else node.up
            d = holder.descriptor if holder is not None else None
            if d is not None and d.platform is not None and holder is not None and holder.up:
                out.append(safe(str(d.platform), 60))
            if node.kind == "config":
                out.append("config")
            elif node.kind == "layer":
                out.append(f"layer {(node.layer_index or 0) + 1}")
        return out

    def references(self) -> dict[str, str]:
        """What the copy buttons copy: ``host/repo@digest`` and ``host/repo:tag``."""
        source = self.source
        repo, ref, node = self.repository, self.reference, self.selected_node
        if source is None or repo is None or ref is None:
            return {}
        host = source.name
        refs: dict[str, str] = {}
        if not is_digest(ref):
            refs["tag"] = safe(f"{host}/{repo}:{ref}", 0)
        if node is not None and node.digest is not None:
            refs["digest"] = safe(f"{host}/{node.repository}@{node.digest}", 0)
        elif is_digest(ref):
            refs["digest"] = safe(f"{host}/{repo}@{ref}", 0)
        else:
            info = self.tags.infos.get(ref)
            if info is not None and info.digest is not None:
                refs["digest"] = safe(f"{host}/{repo}@{info.digest}", 0)
        return refs

    def update_selection(self) -> None:
        """Publish the breadcrumb and the references the copy buttons copy."""
        repo, ref, node = self.repository, self.reference, self.selected_node
        self.sink.publish(
            selection={
                "repository": safe(repo, 300) if repo is not None else None,
                "reference": safe(ref, 300) if ref is not None else None,
                "node": node.id if node is not None else None,
                "crumbs": self.crumbs(),
                "refs": self.references(),
            }
        )

    # --- raw JSON --------------------------------------------------------------------------

    def raw_of_node(self, node: Node) -> None:
        """Send the raw JSON of ``node`` (a manifest, a config, a descriptor)."""
        source, context = self.source, self.context
        assert source is not None and context is not None
        self.tasks.start("raw", raw.of_node(self.sink, source, context, node))

    def raw_of_tag(self, tag: str) -> None:
        """Send the raw JSON of the manifest ``tag`` names."""
        repository, source = self.tags.repository, self.source
        if repository is not None and source is not None:
            self.tasks.start("raw", raw.of_tag(self.sink, source, repository, tag))

    # --- reloading -------------------------------------------------------------------------

    def reload(self, pane: str) -> None:
        """Read a pane again (the caches of listings are dropped first)."""
        source = self.source
        if source is None:
            return
        if pane == "repos":
            source.invalidate(None)
            self.load_repositories()
        elif pane == "tags" and self.tags.repository is not None:
            source.invalidate(self.tags.repository)
            self.open_repository(self.tags.repository, force=True)
        elif pane == "tree" and self.repository is not None and self.reference is not None:
            source.invalidate(self.repository)
            self.open_reference(self.repository, self.reference)
