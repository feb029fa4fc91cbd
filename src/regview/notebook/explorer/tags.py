"""The tag rows: names in natural order, and columns read only for the rows shown.

A row is ``{"n": name}`` until its columns are read, then gains ``d`` (short digest),
``s`` (compressed size), ``p`` (platform count, or ``art`` for an artifact) and ``c``
(creation date); a tag that could not be read has ``e`` (its error) instead. Tags of
the referrers tag schema (``sha256-<hex>``, cosign's ``.sig``/``.att``/``.sbom``) come
last with ``k``, their kind, and show only their digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from regview.notebook.explorer.rows import RowList
from regview.notebook.explorer.text import error_text, human_size, safe, short
from regview.registry import (
    RegistryError,
    Source,
    TagInfo,
    order_tags,
    read_tag_info,
    referrer_tag_kind,
)

__all__ = ["CONCURRENCY", "PREFETCH_MARGIN", "TagRows"]

#: Rows above and below the window whose columns are read ahead.
PREFETCH_MARGIN = 10
#: Columns read at once: half the client's default per-host limit, as in the TUI.
CONCURRENCY = 16
#: Tag lists longer than this are sorted in a worker thread.
SORT_IN_THREAD = 50_000


class TagRows:
    """The tags of one repository, and what is known of each."""

    def __init__(self) -> None:
        self.repository: str | None = None
        self.list = RowList(self._render)
        self.infos: dict[str, TagInfo] = {}
        self.loaded = False

    def reset(self, repository: str | None) -> None:
        """Forget the tags: ``repository``'s are about to be read."""
        self.repository = repository
        self.infos = {}
        self.loaded = False
        self.list.clear()

    def _render(self, index: int, tag: str) -> dict[str, Any]:
        row: dict[str, Any] = {"n": safe(tag, 200)}
        kind = referrer_tag_kind(tag)
        if kind is not None:
            row["k"] = kind
        info = self.infos.get(tag)
        if info is None:
            return row
        if info.error is not None:
            row["e"] = error_text(info.error)
            return row
        row["d"] = short(info.digest)
        if kind is None:
            row["s"] = human_size(info.size) if info.size is not None else ""
            if info.kind == "artifact":
                row["p"] = "art"
            else:
                row["p"] = "" if info.platforms is None else str(info.platforms)
            row["c"] = info.created.strftime("%Y-%m-%d") if info.created else ""
        return row

    async def load(self, source: Source, on_page: Callable[[], None]) -> None:
        """Read every page of tags, showing each as it arrives (sorted at the end when the
        list is long); ``on_page`` is called after each change."""
        repository = self.repository
        assert repository is not None
        tags: list[str] = []
        try:
            async for page in source.tags(repository):
                tags.extend(page)
                if len(tags) < SORT_IN_THREAD:
                    self.list.set_items(order_tags(tags))
                else:
                    # Pages join the end and the list is sorted once: a copy of the
                    # whole list on every page is quadratic for a million tags.
                    self.list.append(page)
                on_page()
        except RegistryError:
            # A listing stopped by a limit keeps what was listed, sorted.
            if len(tags) >= SORT_IN_THREAD:
                self.list.set_items(await asyncio.to_thread(order_tags, tags))
            raise
        if len(tags) >= SORT_IN_THREAD:
            ordered = await asyncio.to_thread(order_tags, tags)
            self.list.set_items(ordered)
        self.loaded = True
        on_page()

    def missing(self) -> list[int]:
        """Item indices of the window (and its margin) whose columns are not read yet."""
        items = self.list.items
        return [i for i in self.list.visible_items(PREFETCH_MARGIN) if items[i] not in self.infos]

    async def fill(
        self, source: Source, wanted: list[int], on_info: Callable[[TagInfo, str], None]
    ) -> list[str]:
        """Read the columns of the tags at ``wanted`` (item indices), ``CONCURRENCY`` at
        a time, calling ``on_info(info, tag)`` for each; returns ``tag: error`` for those
        that failed (each shows its error)."""
        repository = self.repository
        assert repository is not None
        items = self.list.items
        gate = asyncio.Semaphore(CONCURRENCY)
        failures: list[str] = []

        async def one(index: int) -> None:
            tag = items[index]
            async with gate:
                if tag in self.infos:
                    return
                info = await read_tag_info(source, repository, tag)
            if self.repository != repository:
                return
            self.infos[tag] = info
            if info.error is not None:
                failures.append(f"{safe(tag, 80)}: {error_text(info.error)}")
            on_info(info, tag)

        await asyncio.gather(*(one(i) for i in wanted))
        return failures
