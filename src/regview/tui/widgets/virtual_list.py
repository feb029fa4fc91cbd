"""A list that stays instant at a million rows: it renders only the lines on screen.

Built on :class:`~textual.scroll_view.ScrollView` and ``render_line``: the widget's
virtual height is the number of rows, and each frame draws only the visible ones.
Filtering swaps the list of shown indices (substring matches first, then fuzzy ones),
computed in chunks by a worker so typing never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker

from regview.tui.bindings import LIST_BINDINGS
from regview.tui.text import literal
from regview.tui.typeahead import TypeAhead
from regview.tui.widgets.list_filter import FilterResult, FilterRun, extend_result, lowered
from regview.tui.workers import report_failure

__all__ = ["VirtualList"]

_UPDATE_EVERY = 0.05  # seconds between refreshes while a filter is still running


class VirtualList(ScrollView, can_focus=True):
    """Rows of strings with a cursor, filtering, and lazy per-row rendering."""

    BINDINGS: ClassVar[list[BindingType]] = list(LIST_BINDINGS)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-list--cursor",
        "virtual-list--cursor-blurred",
        "virtual-list--empty",
    }

    DEFAULT_CSS = """
    VirtualList {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    VirtualList > .virtual-list--cursor { background: $accent; color: $text; text-style: bold; }
    VirtualList > .virtual-list--cursor-blurred { background: $accent 35%; }
    VirtualList > .virtual-list--empty { color: $text-muted; text-style: italic; }
    """

    class Highlighted(Message):
        """The cursor is on a new item (``by_user``: moved by a key or a click, not by
        the list changing under it)."""

        def __init__(
            self, virtual_list: VirtualList, index: int, value: str, *, by_user: bool = False
        ) -> None:
            super().__init__()
            self.virtual_list = virtual_list
            self.index = index
            self.value = value
            self.by_user = by_user

        @property
        def control(self) -> VirtualList:
            return self.virtual_list

    class Selected(Message):
        """The user opened the item under the cursor (Enter, Right, l, click)."""

        def __init__(self, virtual_list: VirtualList, index: int, value: str) -> None:
            super().__init__()
            self.virtual_list = virtual_list
            self.index = index
            self.value = value

        @property
        def control(self) -> VirtualList:
            return self.virtual_list

    class VisibleChanged(Message):
        """Different items are on screen: fill their columns."""

        def __init__(self, virtual_list: VirtualList, indices: list[int]) -> None:
            super().__init__()
            self.virtual_list = virtual_list
            self.indices = indices

        @property
        def control(self) -> VirtualList:
            return self.virtual_list

    class RowWidthChanged(Message):
        """The list's rows got wider or narrower (a resize, a scrollbar shown or gone)."""

        def __init__(self, virtual_list: VirtualList) -> None:
            super().__init__()
            self.virtual_list = virtual_list

        @property
        def control(self) -> VirtualList:
            return self.virtual_list

    class FilterChanged(Message):
        """The filter's query or its number of matches changed."""

        def __init__(self, virtual_list: VirtualList, query: str, matched: int, done: bool) -> None:
            super().__init__()
            self.virtual_list = virtual_list
            self.query = query
            self.matched = matched
            self.done = done

        @property
        def control(self) -> VirtualList:
            return self.virtual_list

    #: Whether fuzzy (subsequence) matches follow the substring matches.
    fuzzy: bool = True

    def __init__(
        self,
        *,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._items: list[str] = []
        self._lower: list[str] = []
        self._result: FilterResult | None = None
        self._cursor = 0
        self._moved_by_user = False
        self._typeahead = TypeAhead()
        self._last_highlight: int | None = None
        self._last_visible: tuple[int, int, int] | None = None
        self._version = 0
        self.empty_text: Text = Text(empty_text)
        self.filter_seconds: float | None = None  # time the last filter took, start to done
        self.first_result_seconds: float | None = None
        self.exact_seconds: float | None = None  # time until every substring match was found

    # --- data -------------------------------------------------------------------------

    @property
    def items(self) -> Sequence[str]:
        return self._items

    @property
    def filter_query(self) -> str:
        return self._result.query if self._result else ""

    @property
    def row_count(self) -> int:
        if self._result is None:
            return len(self._items)
        return len(self._result.exact) + len(self._result.fuzzy)

    @property
    def cursor(self) -> int:
        return self._cursor

    def item_at(self, row: int) -> int:
        """The item index shown at ``row`` (which must be in range)."""
        result = self._result
        if result is None:
            return row
        if row < len(result.exact):
            return result.exact[row]
        return result.fuzzy[row - len(result.exact)]

    @property
    def highlighted(self) -> int | None:
        """Index of the item under the cursor, if any."""
        return self.item_at(self._cursor) if self.row_count else None

    @property
    def highlighted_value(self) -> str | None:
        index = self.highlighted
        return None if index is None else self._items[index]

    def set_items(self, items: Iterable[str], *, keep: str | None = None) -> None:
        """Replace every item; the cursor goes to ``keep`` if it is there, else the top."""
        current = keep if keep is not None else self.highlighted_value
        self._items = list(items)
        self._lower = lowered(self._items)
        query = self.filter_query
        self._result = None
        self._cursor = 0
        if current is not None and not query:
            try:
                self._cursor = self._items.index(current)
            except ValueError:
                self._cursor = 0
        self._changed()
        if query:
            self.set_filter(query)

    def append_items(self, items: Sequence[str]) -> None:
        """Add a page of items at the end (they join the current filter's results)."""
        start = len(self._items)
        self._items.extend(items)
        self._lower.extend(lowered(items))
        result = self._result
        if result is not None and result.query:
            extend_result(result, self._lower, start, self.fuzzy)
        self._changed()

    def clear(self, empty_text: str | Text = "") -> None:
        self.workers.cancel_node(self)
        self._items = []
        self._lower = []
        self._result = None
        self._cursor = 0
        self._last_highlight = None
        self.set_empty_text(empty_text)
        self._changed()

    def set_empty_text(self, text: str | Text) -> None:
        self.empty_text = text if isinstance(text, Text) else Text(text)
        if not self.row_count:
            self.refresh()

    # --- filtering --------------------------------------------------------------------

    def set_filter(self, query: str) -> None:
        """Show only items matching ``query`` (substring first, then fuzzy); '' shows all."""
        if not query:
            self.workers.cancel_group(self, "filter")
            keep = self.highlighted
            self._result = None
            self._cursor = keep if keep is not None else 0
            self._changed()
            # The item under the cursor keeps it, wherever it is in the whole list.
            self.call_after_refresh(self._scroll_to_cursor)
            self.post_message(self.FilterChanged(self, "", len(self._items), True))
            return
        self.run_worker(self._filter(query), group="filter", exclusive=True, exit_on_error=False)

    async def _filter(self, query: str) -> None:
        started = time.perf_counter()
        self.exact_seconds = None
        run = FilterRun(self._lower, self._result, query, fuzzy=self.fuzzy)
        self._result = run.result
        self._cursor = 0
        self._last_highlight = None
        shown_first = False
        last_update = started
        for step in run.steps():
            if step == "fuzzy":
                self.exact_seconds = time.perf_counter() - started
                continue
            now = time.perf_counter()
            if not shown_first and (self.row_count >= self.size.height or now - started > 0.03):
                shown_first = True
                self.first_result_seconds = now - started
                self._changed()
                last_update = now
            elif now - last_update > _UPDATE_EVERY:
                self._changed()
                last_update = now
                self.post_message(self.FilterChanged(self, query, self.row_count, False))
            await asyncio.sleep(0)
        self._result = run.finished()
        self.filter_seconds = time.perf_counter() - started
        if self.exact_seconds is None or len(run.lowered_query) == 1:
            self.exact_seconds = self.filter_seconds
        if not shown_first:
            self.first_result_seconds = self.filter_seconds
        self._changed()
        self.post_message(self.FilterChanged(self, query, self.row_count, True))

    # --- cursor -----------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        count = self.row_count
        row = max(0, min(row, count - 1)) if count else 0
        old = self._cursor
        self._cursor = row
        if count:
            self.scroll_to_region(Region(0, row, 1, 1), animate=False, force=True, immediate=True)
        self._refresh_row(old)
        self._refresh_row(row)
        self._maybe_highlight()

    def _scroll_to_cursor(self) -> None:
        if self.row_count:
            self.scroll_to_region(
                Region(0, self._cursor, 1, 1), animate=False, force=True, immediate=True
            )

    def _user_move(self, row: int) -> None:
        self._moved_by_user = True
        try:
            self.move_cursor(row)
        finally:
            self._moved_by_user = False

    def action_cursor_up(self) -> None:
        self._user_move(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._user_move(self._cursor + 1)

    def action_page_up(self) -> None:
        self._user_move(self._cursor - max(self.size.height - 1, 1))

    def action_page_down(self) -> None:
        self._user_move(self._cursor + max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self._user_move(0)

    def action_last(self) -> None:
        self._user_move(self.row_count - 1)

    def action_select(self) -> None:
        index = self.highlighted
        if index is not None:
            self.post_message(self.Selected(self, index, self._items[index]))

    async def _on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y
        if 0 <= row < self.row_count:
            if row == self._cursor and event.chain > 1:
                self.action_select()
            self._user_move(row)

    # --- rendering --------------------------------------------------------------------

    def render_row(self, index: int, width: int) -> Text:
        """The text of item ``index``; subclasses add columns. Never markup."""
        return literal(self._items[index])

    def visible_items(self, margin: int = 0) -> list[int]:
        """Indices of the items on screen, plus ``margin`` rows above and below."""
        count = self.row_count
        top = int(self.scroll_offset.y)
        first = max(top - margin, 0)
        last = min(top + self.size.height + margin, count)
        return [self.item_at(row) for row in range(first, last)]

    @property
    def row_width(self) -> int:
        """Cells a row has: the list's width less its scrollbar, when one shows."""
        return self.scrollable_size.width or self.size.width

    @property
    def empty_shown(self) -> Text:
        """What the list says when it has no rows: ``no match`` under a filter that
        matched nothing, else its empty text (``loading…``, ``no tags``, an error)."""
        result = self._result
        if result is not None and result.query and result.done:
            return Text("no match")
        return self.empty_text

    def render_line(self, y: int) -> Strip:
        width = self.row_width
        row = int(self.scroll_offset.y) + y
        base = self.rich_style
        if row >= self.row_count:
            empty = self.empty_shown
            if row == 0 and empty.plain:
                style = self.get_component_rich_style("virtual-list--empty")
                return self._strip(empty, width, base + style)
            return Strip.blank(width, base)
        text = self.render_row(self.item_at(row), width)
        style = base
        if row == self._cursor:
            cls = "virtual-list--cursor" if self.has_focus else "virtual-list--cursor-blurred"
            style = base + self.get_component_rich_style(cls)
        return self._strip(text, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text = text.copy()
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(s.text, style + s.style if s.style else style)
            for s in text.render(self.app.console, end="")
        ]
        return Strip(segments).adjust_cell_length(width, style)

    # --- bookkeeping ------------------------------------------------------------------

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _changed(self) -> None:
        """The rows changed: resize, clamp the cursor, repaint, tell listeners."""
        self._version += 1
        count = self.row_count
        self.virtual_size = Size(self.row_width, count)
        if self._cursor >= count:
            self._cursor = max(count - 1, 0)
        self.refresh()
        self._maybe_highlight()
        self.call_after_refresh(self._check_visible)

    def _maybe_highlight(self) -> None:
        index = self.highlighted
        if index is not None and index != self._last_highlight:
            self._last_highlight = index
            self.post_message(
                self.Highlighted(self, index, self._items[index], by_user=self._moved_by_user)
            )

    def _check_visible(self) -> None:
        key = (int(self.scroll_offset.y), self.size.height, self._version)
        if key != self._last_visible and self.row_count:
            self._last_visible = key
            self.post_message(self.VisibleChanged(self, self.visible_items()))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.call_after_refresh(self._check_visible)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.row_width, self.row_count)
        self.call_after_refresh(self._check_visible)
        self.post_message(self.RowWidthChanged(self))

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # Rows lose (or regain) a cell to the scrollbar: headers over them follow.
        self.call_after_refresh(self.post_message, self.RowWidthChanged(self))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def on_focus(self) -> None:
        self._refresh_row(self._cursor)

    def on_blur(self) -> None:
        self._typeahead.reset()
        self._refresh_row(self._cursor)

    def on_key(self, event: events.Key) -> None:
        self._typeahead.feed(self, event)

    def take_typeahead(self) -> str:
        """What was typed after the filter key before the filter input had focus."""
        return self._typeahead.take()

    def refresh_items(self, indices: Iterable[int]) -> None:
        """Repaint the rows of these items (their columns arrived)."""
        wanted = set(indices)
        top = int(self.scroll_offset.y)
        for y in range(self.size.height):
            row = top + y
            if row < self.row_count and self.item_at(row) in wanted:
                self.refresh(Region(0, y, self.size.width, 1))
