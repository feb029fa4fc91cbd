"""The Tags pane: tags in natural order, with columns filled lazily for visible rows.

Tags that only hold what refers to an image (the ``sha256-<digest>`` referrers tag schema,
cosign's ``.sig``/``.att``/``.sbom``) come last, dimmed, with their kind in place of the
size, platform and date columns.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from regview.registry import (
    RegistryError,
    Source,
    TagInfo,
    TagTableRow,
    group_by_digest,
    order_tags,
    read_tag_info,
    referrer_tag_kind,
    sort_tag_rows,
)
from regview.tui.bindings import TAGS_BINDINGS
from regview.tui.messages import SourceAnswered
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.pane import ListPane
from regview.tui.widgets.virtual_list import VirtualList

__all__ = ["TagList", "TagsPane", "columns_for", "header_text"]

#: (name, width) of the columns after the tag name, in the order they are dropped last.
_COLUMNS: tuple[tuple[str, int], ...] = (
    ("digest", 12),
    ("size", 9),
    ("plat", 4),
    ("created", 10),
)
_MIN_NAME = 14
_KIND_WIDTH = len("attestation")  # the longest kind of referrer tag
PREFETCH_MARGIN = 10  # rows above and below the screen whose columns are read ahead
# Half the client's default per-host limit: columns fill fast (0.95 s for a screen at 50 ms
# RTT, against 1.7 s with 4) and the other half stays free for what the user opens next.
CONCURRENCY = 16
_SORT_IN_THREAD = 50_000
TagSort = Literal["name", "created", "size"]


def columns_for(width: int) -> list[tuple[str, int]]:
    """The columns that fit next to a tag name at least ``_MIN_NAME`` wide."""
    cols = list(_COLUMNS)
    while cols and width - sum(w + 1 for _, w in cols) < _MIN_NAME:
        cols.pop()
    return cols


def header_text(width: int) -> Text:
    """The column titles over tag rows ``width`` cells wide, aligned as the cells are."""
    cols = columns_for(width)
    header = Text("tag".ljust(max(width - sum(w + 1 for _, w in cols), 0)), style="bold")
    for name, col_width in cols:
        label = name.rjust(col_width) if name in ("size", "plat") else name.ljust(col_width)
        header.append(" " + label, style="bold")
    return header


def _cell(info: TagInfo, column: str) -> Text:
    if column == "digest":
        return Text(info.digest.partition(":")[2][:12] if info.digest else "", style="cyan")
    if column == "size":
        value = human_size(info.size) if info.size is not None else ""
        return Text(value, justify="right")
    if column == "plat":
        if info.kind == "artifact":
            return Text("art", style="magenta", justify="right")
        return Text("" if info.platforms is None else str(info.platforms), justify="right")
    if column == "created":
        return Text(info.created.strftime("%Y-%m-%d") if info.created else "", style="dim")
    return Text("")


class TagList(VirtualList):
    """Tag names plus digest, size, platform count and creation date when known."""

    def __init__(self, *, empty_text: str = "", id: str | None = None) -> None:
        super().__init__(empty_text=empty_text, id=id)
        self.infos: dict[str, TagInfo] = {}
        #: When tags sharing a digest are folded: the row's tag -> every tag of its digest.
        self.folded: dict[str, tuple[str, ...]] = {}

    def render_row(self, index: int, width: int) -> Text:
        tag = self.items[index]
        cols = columns_for(width)
        name_width = width - sum(w + 1 for _, w in cols)
        kind = referrer_tag_kind(tag)
        together = self.folded.get(tag)
        shown = tag
        if together:  # every tag of the digest, or the first and how many more
            shown = ", ".join(together)
            if len(shown) > name_width:
                shown = f"{tag} +{len(together) - 1}"
        row = literal(shown, limit=400, style="dim" if kind else "")
        row.truncate(name_width, overflow="ellipsis", pad=True)
        info = self.infos.get(tag)
        if info is not None and info.error is not None:
            row.append(" ")
            row.append_text(error_text(info.error, limit=80))
            return row
        if kind is not None:
            return _referrer_row(row, kind, info, cols)
        if info is None:
            if cols:
                row.append(" " + "…".rjust(cols[0][1]), style="dim")
            return row
        for name, col_width in cols:
            cell = _cell(info, name)
            right = cell.justify == "right"
            cell.truncate(col_width, overflow="ellipsis")
            padding = " " * (col_width - cell.cell_len)
            cell = Text(padding) + cell if right else cell + Text(padding)
            row.append(" ")
            row.append_text(cell)
        return row


def _referrer_row(row: Text, kind: str, info: TagInfo | None, cols: list[tuple[str, int]]) -> Text:
    """A referrers-schema tag: its digest, then its kind across the columns after it (or
    across all of them when those are too narrow: the kind says more than the digest)."""
    span = sum(w + 1 for _, w in cols[1:]) - 1
    if span >= _KIND_WIDTH:
        width = cols[0][1]
        if info is None:
            row.append(" " + "…".rjust(width), style="dim")
        else:
            digest = info.digest.partition(":")[2][:12] if info.digest else ""
            row.append(" " + digest.ljust(width), style="dim cyan")
    else:
        span = sum(w + 1 for _, w in cols) - 1
    if span > 0:
        label = Text(kind, style="italic dim", end="")
        label.truncate(span, overflow="ellipsis")
        row.append(" ")
        row.append_text(label)
    return row


class TagsPane(ListPane):
    """Tags of the repository under the cursor in the Repositories pane."""

    title = "Tags"
    BINDINGS: ClassVar[list[BindingType]] = list(TAGS_BINDINGS)

    class Loaded(Message):
        """The tags of ``repository`` arrived: it exists."""

        def __init__(self, repository: str) -> None:
            super().__init__()
            self.repository = repository

    def __init__(self, source: Source, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.repository: str | None = None
        self.loaded = False
        self._select_after_load: str | None = None
        #: How the tags are arranged: ``s`` cycles the sort, ``g`` folds shared digests.
        self.sort_by: TagSort = "name"
        self.fold = False
        self._ordered: list[str] = []  # every tag, in natural order

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder="filter tags", classes="filter")
        yield Static(id="tag-header")
        yield TagList(empty_text="select a repository", id="tag-list")

    @property
    def list(self) -> TagList:
        return self.query_one(TagList)

    @property
    def focus_target(self) -> Widget:
        return self.list

    def on_resize(self) -> None:
        self._update_header()

    def on_virtual_list_row_width_changed(self, event: VirtualList.RowWidthChanged) -> None:
        self._update_header()

    def _update_header(self) -> None:
        self.query_one("#tag-header", Static).update(header_text(self.list.row_width))

    def load(self, repository: str, *, force: bool = False) -> None:
        """Show the tags of ``repository`` (a no-op if they are already shown)."""
        if repository == self.repository and not force:
            return
        if repository != self.repository:
            self.clear_filter()
        self.repository = repository
        self.loaded = False
        self._select_after_load = None
        tag_list = self.list
        tag_list.infos = {}
        tag_list.folded = {}
        self._ordered = []
        tag_list.clear("loading…")
        self.set_title(repository)
        self.set_error(None)
        self._load(repository)

    def select_when_loaded(self, tag: str) -> None:
        """Put the cursor on ``tag`` now, or once the tags have arrived."""
        if self.loaded:
            self._select(tag)
        else:
            self._select_after_load = tag

    def _select(self, tag: str) -> None:
        tag_list = self.list
        try:
            index = list(tag_list.items).index(tag)
        except ValueError:
            return
        if tag_list.filter_query:
            self.clear_filter()
        tag_list.move_cursor(index)

    def revalidate(self) -> None:
        if self.repository is not None:
            self.source.invalidate(self.repository)
            self.load(self.repository, force=True)

    @work(group="tags", exclusive=True, exit_on_error=False)
    async def _load(self, repository: str) -> None:
        worker = get_current_worker()
        await asyncio.sleep(0.05)  # moving on within 50 ms cancels us before any request
        if worker.is_cancelled:
            return
        tag_list = self.list
        tags: list[str] = []
        try:
            async for page in self.source.tags(repository):
                if worker.is_cancelled:
                    return
                tags.extend(page)
                if len(tags) < _SORT_IN_THREAD:
                    tag_list.set_items(order_tags(tags))
                else:
                    # Past this, each page joins the end (the list is sorted once, when
                    # complete): copying the whole list on every page is quadratic.
                    tag_list.append_items(page)
                self.set_title(f"{repository} ({len(tags):,}…)")
        except RegistryError as exc:
            tag_list.set_empty_text(error_text(str(exc)))
            if tags:  # keep the pages received, in order; say the list is incomplete
                if len(tags) >= _SORT_IN_THREAD:
                    ordered = await asyncio.to_thread(order_tags, tags)
                    if worker.is_cancelled:
                        return
                    del tags[:]  # the sorted copy is all that is kept
                    tag_list.set_items(ordered)
                    self.set_title(f"{repository} ({len(ordered):,}, incomplete)")
                else:
                    self.set_title(f"{repository} ({len(tags):,}, incomplete)")
                self.set_error(str(exc))
            else:
                self.set_title(repository)
            raise
        count = len(tags)
        if count >= _SORT_IN_THREAD:
            ordered = await asyncio.to_thread(order_tags, tags)
            if worker.is_cancelled:
                return
            del tags[:]
            tag_list.set_items(ordered)
        self.loaded = True
        self._ordered = list(tag_list.items)
        self.post_message(SourceAnswered(self.source, repository))
        self.post_message(self.Loaded(repository))
        self.set_title(self._title())
        if self._arranged:
            self._arrange(repository)
        if self._select_after_load is not None:
            self._select(self._select_after_load)
            self._select_after_load = None
        if not count:
            tag_list.set_empty_text("no tags")

    # --- sort and fold (s, g) ----------------------------------------------------------

    @property
    def _arranged(self) -> bool:
        return self.sort_by != "name" or self.fold

    def _title(self, note: str = "") -> str:
        parts = [f"{self.repository} ({len(self._ordered):,})"]
        if self.sort_by != "name":
            parts.append(f"by {self.sort_by}")
        if self.fold:
            parts.append("by digest")
        if note:
            parts.append(note)
        return " · ".join(parts)

    def action_cycle_sort(self) -> None:
        """Sort the tags by name, then created (newest first), then size (largest)."""
        order: tuple[TagSort, ...] = ("name", "created", "size")
        self.sort_by = order[(order.index(self.sort_by) + 1) % len(order)]
        self._rearrange()

    def action_fold_digests(self) -> None:
        """Show one row per digest (its tags together), or one per tag again."""
        self.fold = not self.fold
        self._rearrange()

    def _rearrange(self) -> None:
        if self.repository is None or not self.loaded:
            return
        if not self._arranged:
            self.workers.cancel_group(self, "tag-arrange")
            tag_list = self.list
            tag_list.folded = {}
            tag_list.set_items(self._ordered)
            self.set_title(self._title())
            return
        self._arrange(self.repository)

    @work(group="tag-arrange", exclusive=True, exit_on_error=False)
    async def _arrange(self, repository: str) -> None:
        """Read every tag's columns (a sort or a fold needs them all), then arrange."""
        worker = get_current_worker()
        tag_list = self.list
        tags = list(self._ordered)
        missing = [t for t in tags if t not in tag_list.infos]
        limit = asyncio.Semaphore(CONCURRENCY)
        done = 0

        async def one(tag: str) -> None:
            nonlocal done
            async with limit:
                if worker.is_cancelled or repository != self.repository:
                    return
                tag_list.infos[tag] = await read_tag_info(self.source, repository, tag)
            done += 1
            if done % 20 == 0 or done == len(missing):
                self.set_title(self._title(f"reading {done:,}/{len(missing):,}"))

        await asyncio.gather(*(one(t) for t in missing))
        if worker.is_cancelled or repository != self.repository:
            return
        rows = sort_tag_rows([TagTableRow(t, tag_list.infos[t]) for t in tags], self.sort_by)
        if self.fold:
            groups = group_by_digest(rows)
            tag_list.folded = {g.tags[0]: g.tags for g in groups if len(g.tags) > 1}
            tag_list.set_items([g.tags[0] for g in groups])
        else:
            tag_list.folded = {}
            tag_list.set_items([r.tag for r in rows])
        self.set_title(self._title())

    def on_virtual_list_visible_changed(self, event: VirtualList.VisibleChanged) -> None:
        if event.virtual_list is self.list and self.repository is not None:
            self.fill_columns(self.repository)

    @work(group="tag-columns", exclusive=True, exit_on_error=False)
    async def fill_columns(self, repository: str) -> None:
        """Read the columns of the visible tags and their neighbours (not the others)."""
        worker = get_current_worker()
        await asyncio.sleep(0.05)
        tag_list = self.list
        if worker.is_cancelled or repository != self.repository:
            return
        items = tag_list.items
        wanted = [
            i for i in tag_list.visible_items(PREFETCH_MARGIN) if items[i] not in tag_list.infos
        ]
        if not wanted:
            return
        limit = asyncio.Semaphore(CONCURRENCY)
        failures: list[str] = []

        async def one(index: int) -> None:
            async with limit:
                if worker.is_cancelled:
                    return
                tag = items[index]
                info = await read_tag_info(self.source, repository, tag)
                if repository != self.repository:
                    return
                tag_list.infos[tag] = info
                if info.error is not None:
                    failures.append(f"{tag}: {info.error}")
                tag_list.refresh_items([index])

        await asyncio.gather(*(one(i) for i in wanted))
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise TagColumnsError(failures[0] + more)


class TagColumnsError(RegistryError):
    """Some visible tags could not be read (each shows its error inline)."""
