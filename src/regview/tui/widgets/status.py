"""The header (breadcrumb) and the status bar (registry, identity and where its
credentials came from, requests, budget).

For a local OCI layout the bar says so instead of counting requests and cache hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from regview.registry import Source
from regview.tui.text import literal

__all__ = ["Breadcrumb", "StatusBar", "status_text"]


#: Longest part of the breadcrumb shown whole (a referrers tag is 71 characters).
PART_LIMIT = 24


class Breadcrumb(Static):
    """``regview  registry › repository › tag › platform``, on one line: tags and
    digests are clipped, then the registry (an OCI layout's path can be long), and what
    is still too long is cut at the right edge: never wrapped out of sight."""

    _path: tuple[str, tuple[str, ...]] = ("", ())

    def set_path(self, source_name: str, parts: Sequence[str]) -> None:
        self._path = (source_name, tuple(parts))
        self._show()

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        source_name, parts = self._path
        tail = Text(end="")
        for i, part in enumerate(parts):
            tail.append(" › ", style="dim")
            # The repository may be long and says most; tags and digests are clipped.
            tail.append_text(literal(part, limit=60 if i == 0 else PART_LIMIT))
        width = self.size.width
        room = width - len("regview ") - tail.cell_len if width else 60
        text = Text("regview ", style="bold", end="")
        text.append_text(literal(source_name, limit=max(min(room, 60), 12),
                                 style="bold cyan"))
        text.append_text(tail)
        if width:
            text.truncate(width, overflow="ellipsis")
        self.update(text)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _origin(origin: str) -> str:
    """An auth file's path with the home directory as ``~``; helpers as they are."""
    home = str(Path.home())
    if home not in ("", "/") and (origin == home or origin.startswith(home + "/")):
        return "~" + origin[len(home):]
    return origin


def status_text(source: Source, workers: int) -> Text:
    stats = source.stats
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    text.append_text(literal(source.name, limit=50, style="bold"))
    if stats.login_refused:
        # Not "as alice": the registry turned those credentials down.
        text.append(" credentials refused", style="bold red")
    else:
        text.append(" as ", style="dim")
        text.append_text(literal(source.identity, limit=40, style="bold"))
    if stats.credential_origin:
        text.append(" via ", style="dim")
        text.append_text(literal(_origin(stats.credential_origin), limit=40))
    if stats.local:
        # An OCI layout: no network, no cache; counting file reads would say nothing.
        text.append(" │ local files, no network")
        if workers:
            text.append(f" │ ⟳ {_count(workers, 'task')}", style="yellow")
        else:
            text.append(" │ idle", style="dim")
        return text
    text.append(f" │ {_count(stats.requests, 'request')} · {stats.cache_hits:,} cached")
    busy = stats.in_flight + workers
    if busy:
        text.append(f" │ ⟳ {stats.in_flight:,} in flight, {_count(workers, 'task')}",
                    style="yellow")
    else:
        text.append(" │ idle", style="dim")
    rate = stats.rate_limit
    if rate is not None and (rate.limit is not None or rate.remaining is not None):
        remaining = "?" if rate.remaining is None else f"{rate.remaining:,}"
        limit = "?" if rate.limit is None else f"{rate.limit:,}"
        style = "bold red" if rate.remaining is not None and rate.remaining < 10 else ""
        text.append(f" │ pulls left {remaining}/{limit}", style=style)
        if rate.window_seconds:
            text.append(f" per {rate.window_seconds // 3600 or 1}h"
                        if rate.window_seconds >= 3600 else f" per {rate.window_seconds}s")
    return text


class StatusBar(Static):
    """Refreshed a few times a second from ``source.stats``."""

    def __init__(self, source: Source, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self._last: str = ""

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(0.25, self.tick)

    def on_resize(self) -> None:
        self._last = ""
        self.tick()

    def tick(self) -> None:
        from textual.worker import WorkerState

        running = sum(1 for w in self.app.workers if w.state is WorkerState.RUNNING
                      and w.group not in ("filter",))
        text = status_text(self.source, running)
        if self.size.width:  # one line: cut at the edge, never wrapped out of sight
            text.truncate(self.size.width, overflow="ellipsis")
        if text.plain != self._last:
            self._last = text.plain
            self.update(text)
