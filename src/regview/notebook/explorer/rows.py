"""A list the front end shows a window of: items, a filter over them, a version.

The kernel keeps every item; the front end keeps only the rows it was sent, by index,
for one :attr:`RowList.version`. Anything that changes which item sits at an index (new
items, a sort, a filter) bumps the version, and the front end drops its rows; appending
to an unfiltered list only grows :attr:`RowList.length`. The front end tells the kernel
which window it shows (:meth:`RowList.set_window`), and the kernel sends that window
again whenever it changes, so a click is answered without a second round trip.

Filtering is the TUI's: substring matches first, then fuzzy (subsequence) ones, both in
item order; a long list is filtered off the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, pairwise, repeat
from operator import contains
from typing import Any

__all__ = [
    "MAX_WINDOW",
    "NoRows",
    "RowList",
    "Window",
    "Windowed",
    "filter_indices",
    "fuzzy_pattern",
]

#: The most rows one window request may ask for (a tall pane shows ~40).
MAX_WINDOW = 500
#: Lists longer than this are filtered in a worker thread.
THREAD_FILTER = 20_000

Row = dict[str, Any]


def fuzzy_pattern(query: str) -> re.Pattern[str]:
    """``abc`` matches strings holding ``a``, ``b``, ``c`` in order: ``a[^b]*b[^c]*c``."""
    q = query.lower()
    parts = [re.escape(ch) + f"[^{re.escape(nxt)}]*" for ch, nxt in pairwise(q)]
    parts.append(re.escape(q[-1]) if q else "")
    return re.compile("".join(parts), re.S)


def filter_indices(lower: Sequence[str], query: str) -> list[int]:
    """Indices of ``lower`` (lower-cased items) matching ``query``: substring hits, then
    fuzzy hits, each in item order."""
    q = query.lower()
    every = range(len(lower))
    exact = list(compress(every, map(contains, lower, repeat(q))))
    pattern = fuzzy_pattern(q)
    hit = set(exact)
    fuzzy = [i for i in compress(every, map(pattern.search, lower)) if i not in hit]
    return exact + fuzzy


@dataclass(frozen=True, slots=True)
class Window:
    """The rows the front end shows (``start`` inclusive, ``stop`` exclusive)."""

    start: int = 0
    stop: int = 0


class Windowed:
    """Rows the front end shows a window of, cached there by :attr:`version`."""

    def __init__(self, version: int = 0) -> None:
        self.version = version
        self.window = Window()

    @property
    def length(self) -> int:
        """How many rows there are."""
        raise NotImplementedError

    def rows(self, start: int, stop: int) -> list[Row]:
        """The rows of ``[start, stop)``, clipped to the list."""
        raise NotImplementedError

    def message(
        self, pane: str, start: int | None = None, stop: int | None = None
    ) -> dict[str, Any]:
        """The ``rows`` message for the window the front end shows (or ``[start, stop)``)."""
        if start is None or stop is None:
            start, stop = self.window.start, self.window.stop
        start = min(max(start, 0), max(self.length - 1, 0))
        stop = max(stop, start)
        return {
            "type": "rows",
            "pane": pane,
            "version": self.version,
            "length": self.length,
            "start": start,
            "rows": self.rows(start, min(stop, start + MAX_WINDOW)),
        }

    def set_window(self, start: int, stop: int) -> Window:
        """Remember what the front end shows (clipped to :data:`MAX_WINDOW` rows)."""
        start = max(0, int(start))
        stop = max(start, min(int(stop), start + MAX_WINDOW))
        self.window = Window(start, stop)
        return self.window

    def changed(self, *, top: bool = False) -> None:
        """Rows moved: the front end drops what it has (``top``: and scrolls up)."""
        self.version += 1
        if top:
            self.window = Window(0, self.window.stop - self.window.start)


class NoRows(Windowed):
    """Nothing to show (yet)."""

    @property
    def length(self) -> int:
        return 0

    def rows(self, start: int, stop: int) -> list[Row]:
        return []


class RowList(Windowed):
    """Items (strings the kernel keeps), the ones a filter shows, and a row builder."""

    def __init__(self, render: Callable[[int, str], Row]) -> None:
        super().__init__()
        #: ``render(item_index, item)`` -> the JSON row the front end draws.
        self.render = render
        self.items: list[str] = []
        self.query = ""
        self._lower: list[str] | None = None
        self._shown: list[int] | None = None  # item indices, when filtered
        self._row_of: tuple[int, dict[int, int]] | None = None  # (version, item -> row)

    # --- reading ---------------------------------------------------------------------

    @property
    def length(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._shown) if self._shown is not None else len(self.items)

    def item_index(self, row: int) -> int | None:
        """The item shown at ``row``, or None outside the list."""
        if not 0 <= row < self.length:
            return None
        return self._shown[row] if self._shown is not None else row

    def item(self, row: int) -> str | None:
        """The item shown at ``row``."""
        index = self.item_index(row)
        return self.items[index] if index is not None else None

    def row_of(self, item: str) -> int | None:
        """The row showing ``item`` (the first one), or None if hidden or absent."""
        try:
            index = self.items.index(item)
        except ValueError:
            return None
        if self._shown is None:
            return index
        try:
            return self._shown.index(index)
        except ValueError:
            return None

    def rows(self, start: int, stop: int) -> list[Row]:
        """The rows of ``[start, stop)``, clipped to the list."""
        start = max(0, start)
        stop = min(stop, self.length, start + MAX_WINDOW)
        out: list[Row] = []
        for row in range(start, stop):
            index = self.item_index(row)
            assert index is not None
            out.append(self.render(index, self.items[index]))
        return out

    def messages_for(self, pane: str, items: Iterable[int]) -> list[dict[str, Any]]:
        """``rows`` messages for the rows showing ``items`` (item indices): one per run of
        consecutive rows, so each changed row is sent once."""
        if self._shown is None:
            rows = sorted(i for i in set(items) if 0 <= i < len(self.items))
        else:
            if self._row_of is None or self._row_of[0] != self.version:
                self._row_of = (self.version, {item: row for row, item in enumerate(self._shown)})
            where = self._row_of[1]
            rows = sorted(where[i] for i in set(items) if i in where)
        out: list[dict[str, Any]] = []
        run: list[int] = []
        for row in rows:
            if run and row != run[-1] + 1:
                out.append(self._run_message(pane, run))
                run = []
            run.append(row)
        if run:
            out.append(self._run_message(pane, run))
        return out

    def _run_message(self, pane: str, run: list[int]) -> dict[str, Any]:
        return {
            "type": "rows",
            "pane": pane,
            "version": self.version,
            "length": self.length,
            "start": run[0],
            "rows": self.rows(run[0], run[-1] + 1),
        }

    def visible_items(self, margin: int = 0) -> list[int]:
        """Item indices of the window, ``margin`` rows more on each side."""
        start = max(0, self.window.start - margin)
        stop = min(self.length, self.window.stop + margin)
        out = []
        for row in range(start, stop):
            index = self.item_index(row)
            if index is not None:
                out.append(index)
        return out

    # --- changing --------------------------------------------------------------------

    def clear(self) -> None:
        """No items (a new repository, a reload): the window goes back to the top."""
        self.items = []
        self._lower = None
        self._shown = None
        self.query = ""
        self.changed(top=True)

    def set_items(self, items: list[str]) -> None:
        """Replace the items (the filter, if any, is applied again)."""
        self.items = items
        self._lower = None
        self._shown = filter_indices(self._lowered(), self.query) if self.query else None
        self.changed()

    def append(self, items: Sequence[str]) -> None:
        """Add items at the end (a page of the catalog)."""
        start = len(self.items)
        self.items.extend(items)
        if self._lower is not None:
            self._lower.extend(x.lower() for x in items)
        if self.query:
            assert self._shown is not None
            lower = [x.lower() for x in items]
            self._shown = self._merge(self._shown, start, filter_indices(lower, self.query))
            self.changed()

    def _merge(self, shown: list[int], start: int, hits: list[int]) -> list[int]:
        # Keep substring hits before fuzzy ones across the old and the new items.
        q = self.query.lower()
        lower = self._lowered()
        old_exact = [i for i in shown if q in lower[i]]
        old_fuzzy = [i for i in shown if q not in lower[i]]
        new = [start + i for i in hits]
        new_exact = [i for i in new if q in lower[i]]
        new_fuzzy = [i for i in new if q not in lower[i]]
        return old_exact + new_exact + old_fuzzy + new_fuzzy

    def _lowered(self) -> list[str]:
        if self._lower is None or len(self._lower) != len(self.items):
            self._lower = [x.lower() for x in self.items]
        return self._lower

    async def set_filter(self, query: str) -> bool:
        """Show only the items matching ``query`` ('' shows all). False if unchanged."""
        if query == self.query:
            return False
        if not query:
            self._shown = None
        else:
            items = self.items
            lower = self._lowered()
            count = len(lower)
            if count > THREAD_FILTER:
                shown = await asyncio.to_thread(filter_indices, lower, query)
                if items is not self.items:
                    return False  # the items were replaced meanwhile
            else:
                shown = filter_indices(lower, query)
            self._shown = shown
            self.query = query
            if len(self.items) > count:  # a page arrived while the thread filtered
                tail = self._lowered()[count:]
                self._shown = self._merge(shown, count, filter_indices(tail, query))
        self.query = query
        self.changed(top=True)
        return True
