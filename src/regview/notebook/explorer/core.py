"""What every part of the explorer shares: the sink, the tasks, the panes' rows and meta.

The widget is the :class:`Sink`: ``publish`` sets synced state (small: counts, titles,
the selection, the details document, the status line), ``send`` sends a custom message
(a window of rows, raw JSON, a cursor move). Each pane's meta (``panes`` in the synced
state) says its title, whether it loads, its error, its filter, its row count and the
version of its rows; the rows themselves only ever travel as ``rows`` messages, for the
window the front end shows.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from regview.notebook.explorer.rows import NoRows, RowList, Window, Windowed
from regview.notebook.explorer.status import status_of
from regview.notebook.explorer.tags import TagRows
from regview.notebook.explorer.tasks import Tasks
from regview.notebook.explorer.text import safe
from regview.notebook.explorer.tree import TreeRows
from regview.notebook.session import Session
from regview.registry import LayerIndexer, Source, TocStore

__all__ = ["FIRST_WINDOW", "PANES", "Core", "Sink"]

log = logging.getLogger("regview.notebook")

PANES = ("repos", "tags", "tree", "files")
#: Rows sent before the front end says how many it shows (a notebook run without a page).
FIRST_WINDOW = Window(0, 40)
#: Seconds between two status refreshes while something loads.
STATUS_EVERY = 0.25
#: Seconds within which many rows read become one message.
PUSH_DELAY = 0.02
#: Which pane shows the failure of a task, by slot (``expand:12`` is the tree's).
_PANE_OF_SLOT = {
    "repos": "repos",
    "tags": "tags",
    "columns": "tags",
    "filter": "",
    "tree": "tree",
    "expand": "tree",
    "files": "files",
}


class Sink(Protocol):
    """Where the explorer's state and messages go (the widget)."""

    def publish(self, **state: Any) -> None:
        """Set synced state (one trait per keyword)."""

    def send(self, content: dict[str, Any]) -> None:
        """Send a custom message to the front end."""


def _repo_row(index: int, name: str) -> dict[str, Any]:
    return {"n": safe(name, 300)}


class Core:
    """The shared state of one widget's explorer."""

    def __init__(self, sink: Sink, session: Session) -> None:
        self.sink = sink
        self.session = session
        self.source: Source | None = None
        #: What the source is called on screen: its name, or ``demo`` for the demo.
        self.label = ""
        self.indexer: LayerIndexer | None = None
        self.repos = RowList(_repo_row)
        self.tags = TagRows()
        self.tree = TreeRows()
        self.lists: dict[str, Windowed] = {
            "repos": self.repos,
            "tags": self.tags.list,
            "tree": self.tree,
            "files": NoRows(),
        }
        for rows in self.lists.values():
            rows.window = FIRST_WINDOW
        self.tasks = Tasks(self._failed, self._tasks_changed)
        self.meta: dict[str, dict[str, Any]] = {p: {"version": 0, "length": 0} for p in PANES}
        self._ticker: asyncio.Task[None] | None = None
        self._toc_store: TocStore | None = None

    def new_indexer(self, source: Source) -> LayerIndexer:
        """The layer indexer of ``source`` (TOCs kept under the cache root, or in memory)."""
        if self._toc_store is None:
            self._toc_store = TocStore(self.session.settings.cache_root())
        self.indexer = LayerIndexer(source, store=self._toc_store)
        return self.indexer

    # --- state out ---------------------------------------------------------------------

    def pane(self, pane: str, **changes: Any) -> None:
        """Change what a pane's meta says (title, loading, error, ...) and publish it."""
        rows = self.lists[pane]
        meta = {**self.meta[pane], **changes, "version": rows.version, "length": rows.length}
        if meta != self.meta[pane]:
            self.meta[pane] = meta
            self.sink.publish(panes=dict(self.meta))

    def push(self, pane: str, **changes: Any) -> None:
        """Send the rows of the window the front end shows, then the pane's meta (with
        ``changes``): the front end has the rows of a new version before it hears of it."""
        self.sink.send(self.lists[pane].message(pane))
        self.pane(pane, **changes)

    def cursor(self, pane: str, row: int | None) -> None:
        """Put the front end's cursor on ``row`` of ``pane`` (and scroll to it)."""
        if row is not None:
            self.sink.send({"type": "cursor", "pane": pane, "row": row})

    def error(self, message: str) -> None:
        """Show ``message`` on the widget's error line ('' clears it)."""
        self.sink.publish(error=message)

    def _failed(self, slot: str, message: str) -> None:
        pane = _PANE_OF_SLOT.get(slot.partition(":")[0], "")
        if pane:
            self.pane(pane, error=message, loading=False)
        self.error(message)

    # --- the status line -----------------------------------------------------------------

    def _tasks_changed(self) -> None:
        self.publish_status()
        if self.tasks.running and (self._ticker is None or self._ticker.done()):
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        try:
            while self.tasks.running:
                await asyncio.sleep(STATUS_EVERY)
                self.publish_status()
        except Exception:
            log.exception("the status line failed")

    def publish_status(self) -> None:
        """Refresh the status line."""
        self.sink.publish(status=status_of(self.source, len(self.tasks), self.label))

    def close(self) -> None:
        """Stop everything (the widget is closed)."""
        self.tasks.cancel_all()
        if self._ticker is not None:
            self._ticker.cancel()
